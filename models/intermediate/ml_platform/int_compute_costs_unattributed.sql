{#- Compute cost per resource, team and day, split into what job attempts used
    (int_job_costs_attributed) and what they did not: unattributed cost. Attributed plus
    unattributed is the compute cost of the bill (tests/test_ml_platform_truth.py).

    Idle is narrower than unattributed: the running time of a GPU machine with no attempt
    on it at all (unused GPUs of a shared node are unattributed, not idle), and the cost of
    those seconds (cost * idle seconds / running seconds). A machine billed as several
    instances (a SageMaker job with InstanceCount 2) runs running seconds / instances. -#}
{#- A table, not the folder's view: the idle report and its tests read it; as a view,
    each would merge the intervals again. Built by usage day (macros/incremental_attribution.sql):
    a day is built again when its lines or attempts changed, or what every day of a
    machine reads of all its attempts (instances, team). -#}
{{ config(**mlcost.by_day_config('mlcost.unattributed_cost_day_tokens()', 'usage_date')) }}
{%- set day_tokens = mlcost.unattributed_cost_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'usage_date') %}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where {{ mlcost.is_billed_machine_line() }}
        and {{ mlcost.on_days('charge_period_start', days) }}

),

attributed as (

    select * from {{ ref('int_job_costs_attributed') }}
    where {{ mlcost.on_days('charge_period_start', days) }}

),

{# Every attempt node: a machine's instances and team come from all its attempts. -#}
attempt_nodes as (

    select * from {{ ref('int_attempt_nodes_joined') }}

),

day_hashes as (

    {{ mlcost.rebuilt_day_hashes(day_tokens, days) }}

),

compute_lines as (

    select
        x_line_key,
        x_provider,
        resource_id,
        x_instance_type as instance_type,
        x_tag_team,
        charge_period_start,
        charge_period_end,
        sku_id,
        x_line_type,
        billing_currency,
        billed_cost,
        effective_cost,
        billed_cost < 0 as is_negation,
        {{ mlcost.resource_key('resource_id') }} as resource_key,
        coalesce(x_gpu_count, 0) > 0 as is_gpu,
        coalesce(
            x_consumed_seconds,
            max(x_consumed_seconds) over (
                partition by resource_id, charge_period_start, charge_period_end
            ),
            {{ dbt.datediff('charge_period_start', 'charge_period_end', 'second') }}
        ) as running_seconds
    from cost_lines

),

line_attributed as (

    select
        x_line_key,
        sum(attributed_billed_cost) as attributed_billed_cost,
        sum(attributed_effective_cost) as attributed_effective_cost
    from attributed
    group by 1

),

nodes_per_attempt as (

    select
        attempt_id,
        resource_key,
        count(*) as node_count
    from attempt_nodes
    group by 1, 2

),

instance_counts as (

    select
        resource_key,
        max(node_count) as instance_count
    from nodes_per_attempt
    group by 1

),

resource_jobs as (

    select
        resource_key,
        max(team) as job_team
    from attempt_nodes
    group by 1

),

resource_periods as (

    select distinct
        resource_key,
        charge_period_start,
        charge_period_end
    from compute_lines

),

node_intervals as (

    select
        resource_periods.resource_key,
        resource_periods.charge_period_start,
        greatest(resource_periods.charge_period_start, attempt_nodes.started_at) as busy_from,
        least(
            resource_periods.charge_period_end,
            coalesce(attempt_nodes.ended_at, resource_periods.charge_period_end)
        ) as busy_to
    from resource_periods
    inner join attempt_nodes
        on resource_periods.resource_key = attempt_nodes.resource_key
        and {{ mlcost.overlaps_days('attempt_nodes.started_at', 'attempt_nodes.ended_at', days) }}
        and resource_periods.charge_period_start < coalesce(
            attempt_nodes.ended_at, resource_periods.charge_period_end
        )
        and resource_periods.charge_period_end > attempt_nodes.started_at

),

{# Overlapping attempts on one machine are busy once: merge intervals into islands. -#}
interval_starts as (

    select
        node_intervals.*,
        max(busy_to) over (
            partition by resource_key, charge_period_start
            order by busy_from, busy_to
            rows between unbounded preceding and 1 preceding
        ) as previous_busy_to
    from node_intervals

),

interval_islands as (

    select
        interval_starts.*,
        sum(case
            when previous_busy_to is null or busy_from > previous_busy_to then 1 else 0
        end) over (
            partition by resource_key, charge_period_start
            order by busy_from, busy_to
            rows between unbounded preceding and current row
        ) as island_number
    from interval_starts

),

islands as (

    select
        resource_key,
        charge_period_start,
        island_number,
        min(busy_from) as busy_from,
        max(busy_to) as busy_to
    from interval_islands
    group by 1, 2, 3

),

busy_time as (

    select
        resource_key,
        charge_period_start,
        sum({{ dbt.datediff('busy_from', 'busy_to', 'second') }}) as busy_seconds
    from islands
    group by 1, 2

),

{# Lines of one resource, period, meter and line type share its running time (several
    only in daily exports); idle seconds are charged to partial-hour lines first. -#}
line_groups as (

    {%- set line_group %}
        partition by
            compute_lines.resource_key, compute_lines.charge_period_start,
            compute_lines.sku_id, compute_lines.x_line_type, compute_lines.is_negation
    {%- endset %}
    {%- set partial_hours_first %}
        order by
            case
                when abs(
                        compute_lines.running_seconds
                        - round(compute_lines.running_seconds / 3600) * 3600
                    ) > 1
                    then 0
                else 1
            end,
            compute_lines.x_line_key
        rows between unbounded preceding and 1 preceding
    {%- endset %}

    select
        compute_lines.*,
        coalesce(instance_counts.instance_count, 1) as instance_count,
        coalesce(busy_time.busy_seconds, 0) as busy_seconds,
        {{ mlcost.exact_sum('compute_lines.running_seconds', over=line_group) }}
            as group_running_seconds,
        coalesce(
            {{ mlcost.exact_sum(
                'compute_lines.running_seconds', over=line_group ~ partial_hours_first
            ) }},
            0
        ) as running_seconds_before
    from compute_lines
    left join instance_counts
        on compute_lines.resource_key = instance_counts.resource_key
    left join busy_time
        on compute_lines.resource_key = busy_time.resource_key
        and compute_lines.charge_period_start = busy_time.charge_period_start

),

line_idle as (

    select
        line_groups.*,
        greatest(group_running_seconds / instance_count - busy_seconds, 0)
            as group_idle_seconds,
        least(
            running_seconds / instance_count,
            greatest(
                greatest(group_running_seconds / instance_count - busy_seconds, 0)
                - running_seconds_before / instance_count,
                0
            )
        ) as line_idle_seconds
    from line_groups

),

resource_periods_costed as (

    select
        line_idle.resource_key,
        line_idle.charge_period_start,
        cast({{ dbt.date_trunc('day', 'line_idle.charge_period_start') }} as date)
            as usage_date,
        line_idle.billing_currency,
        max(line_idle.x_provider) as x_provider,
        min(line_idle.resource_id) as resource_id,
        max(line_idle.instance_type) as instance_type,
        max(line_idle.x_tag_team) as tag_team,
        max(case when line_idle.is_gpu then 1 else 0 end) = 1 as is_gpu,
        max(case when not line_idle.is_negation then line_idle.running_seconds end)
        / max(line_idle.instance_count) as running_seconds,
        max(case
            when line_idle.is_gpu and not line_idle.is_negation
                then line_idle.group_idle_seconds
            else 0
        end) as idle_seconds,
        sum(line_idle.billed_cost) as compute_billed_cost,
        sum(line_idle.effective_cost) as compute_effective_cost,
        sum(coalesce(line_attributed.attributed_billed_cost, 0)) as attributed_billed_cost,
        sum(coalesce(line_attributed.attributed_effective_cost, 0))
            as attributed_effective_cost,
        sum(cast(case
            when line_idle.is_gpu and line_idle.running_seconds > 0
                then line_idle.billed_cost * line_idle.line_idle_seconds
                    / line_idle.running_seconds
            else 0
        end as {{ mlcost.type_money() }})) as idle_billed_cost,
        sum(cast(case
            when line_idle.is_gpu and line_idle.running_seconds > 0
                then line_idle.effective_cost * line_idle.line_idle_seconds
                    / line_idle.running_seconds
            else 0
        end as {{ mlcost.type_money() }})) as idle_effective_cost
    from line_idle
    left join line_attributed
        on line_idle.x_line_key = line_attributed.x_line_key
    group by 1, 2, 3, 4

),

resource_days as (

    select
        resource_periods_costed.resource_key,
        resource_periods_costed.usage_date,
        resource_periods_costed.billing_currency,
        max(resource_periods_costed.x_provider) as x_provider,
        min(resource_periods_costed.resource_id) as resource_id,
        max(resource_periods_costed.instance_type) as instance_type,
        coalesce(
            max(resource_periods_costed.tag_team), max(resource_jobs.job_team)
        ) as team,
        max(case when resource_periods_costed.is_gpu then 1 else 0 end) = 1 as is_gpu,
        {{ mlcost.exact_sum('resource_periods_costed.running_seconds') }} / 3600.0
            as running_hours,
        {{ mlcost.exact_sum('resource_periods_costed.idle_seconds') }} / 3600.0
            as idle_hours,
        sum(resource_periods_costed.compute_billed_cost) as compute_billed_cost,
        sum(resource_periods_costed.compute_effective_cost) as compute_effective_cost,
        sum(resource_periods_costed.attributed_billed_cost) as attributed_billed_cost,
        sum(resource_periods_costed.attributed_effective_cost) as attributed_effective_cost,
        sum(resource_periods_costed.idle_billed_cost) as idle_billed_cost,
        sum(resource_periods_costed.idle_effective_cost) as idle_effective_cost
    from resource_periods_costed
    left join resource_jobs
        on resource_periods_costed.resource_key = resource_jobs.resource_key
    group by 1, 2, 3

),

resource_days_hashed as (

    select
        resource_days.*,
        day_hashes.x_day_inputs_hash
    from resource_days
    left join day_hashes
        on resource_days.usage_date = day_hashes.x_day

),

final as (

    select
        {{ dbt.concat([
            "resource_key", "'|'", "cast(usage_date as " ~ dbt.type_string() ~ ")",
            "'|'", "billing_currency",
        ]) }} as compute_cost_id,
        usage_date,
        x_provider,
        resource_id,
        instance_type,
        team,
        is_gpu,
        running_hours,
        idle_hours,
        billing_currency,
        cast(compute_billed_cost as {{ mlcost.type_money() }}) as compute_billed_cost,
        cast(compute_effective_cost as {{ mlcost.type_money() }}) as compute_effective_cost,
        cast(attributed_billed_cost as {{ mlcost.type_money() }}) as attributed_billed_cost,
        cast(attributed_effective_cost as {{ mlcost.type_money() }})
            as attributed_effective_cost,
        cast(compute_billed_cost - attributed_billed_cost as {{ mlcost.type_money() }})
            as unattributed_billed_cost,
        cast(compute_effective_cost - attributed_effective_cost as {{ mlcost.type_money() }})
            as unattributed_effective_cost,
        cast(idle_billed_cost as {{ mlcost.type_money() }}) as idle_billed_cost,
        cast(idle_effective_cost as {{ mlcost.type_money() }}) as idle_effective_cost,
        x_day_inputs_hash
    from resource_days_hashed

)

select * from final
