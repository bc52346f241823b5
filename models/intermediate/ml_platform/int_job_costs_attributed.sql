{#- Compute billing lines split onto the job attempts that ran on their resource.

    Compute is a usage line of a resource with an instance type (a VM, node or training
    instance hour), as the generator's truth defines it; transfer and storage lines of the
    same resource are not job cost. A line covers one resource over its charge period (an
    hour in CUR, a day in Azure cost details). Each attempt on that resource gets the share
    of the line's running time it overlapped (overlap seconds / seconds the resource ran in
    the period), times its share of the node's GPUs when several attempts share one node.
    What no attempt used stays with the resource as unattributed (idle) cost, in
    int_compute_costs_unattributed.

    Daily exports may split one resource-day into several lines of the same meter (Azure:
    pay-as-you-go hours and reservation-covered hours). The seconds the attempt did not run
    lie in the resource's partial first or last hour, so they are charged first to the line
    whose running time is not whole hours.

    lost_since_checkpoint_* is the part of the attributed cost after the attempt's last
    checkpoint (all of it when it saved none): what a failed attempt threw away. -#}
{#- Built by usage day of the line (macros/incremental_attribution.sql): a nightly run
    attributes again the days whose lines or attempts changed, whole. A table, not the
    folder's view: the unattributed cost, the daily rollup and a data test read it. -#}
{{ config(**mlcost.by_day_config('mlcost.job_attribution_day_tokens()', 'charge_period_start')) }}
{%- set day_tokens = mlcost.job_attribution_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'charge_period_start') %}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where {{ mlcost.is_billed_machine_line() }}
        and {{ mlcost.on_days('charge_period_start', days) }}

),

{# Lines of one resource and hour that do not measure time (GCP RAM in byte-seconds)
    take the running time from the lines that do (core or GPU seconds). -#}
resource_running_time as (

    select
        cost_lines.*,
        max(x_consumed_seconds) over (
            partition by resource_id, charge_period_start, charge_period_end
        ) as resource_running_seconds
    from cost_lines

),

attempt_nodes as (

    select * from {{ ref('int_attempt_nodes_joined') }}
    where {{ mlcost.overlaps_days('started_at', 'ended_at', days) }}

),

day_hashes as (

    {{ mlcost.rebuilt_day_hashes(day_tokens, days) }}

),

line_attempt_overlaps as (

    select
        cost_lines.x_line_key,
        attempt_nodes.attempt_node_id,
        attempt_nodes.attempt_id,
        attempt_nodes.job_id,
        attempt_nodes.gpus_used,
        cost_lines.x_gpu_count,
        cost_lines.billing_currency,
        cost_lines.billed_cost,
        cost_lines.effective_cost,
        cost_lines.charge_period_start,
        cost_lines.charge_period_end,
        {{ mlcost.resource_key('cost_lines.resource_id') }} as resource_key,
        cost_lines.sku_id,
        cost_lines.x_line_type,
        cost_lines.billed_cost < 0 as is_negation,
        {{ dbt.datediff(
            'greatest(cost_lines.charge_period_start, attempt_nodes.started_at)',
            'least(cost_lines.charge_period_end,'
            ~ ' coalesce(attempt_nodes.ended_at, cost_lines.charge_period_end))',
            'second') }} as overlap_seconds,
        {{ dbt.datediff(
            'greatest(cost_lines.charge_period_start, attempt_nodes.started_at,'
            ~ ' coalesce(attempt_nodes.last_checkpoint_at, attempt_nodes.started_at))',
            'least(cost_lines.charge_period_end,'
            ~ ' coalesce(attempt_nodes.ended_at, cost_lines.charge_period_end))',
            'second') }} as after_checkpoint_seconds,
        coalesce(
            cost_lines.x_consumed_seconds,
            cost_lines.resource_running_seconds,
            {{ dbt.datediff(
                'cost_lines.charge_period_start', 'cost_lines.charge_period_end', 'second'
            ) }}
        ) as running_seconds
    from resource_running_time as cost_lines
    -- one key per machine whatever form either side wrote its id in (macro resource_key)
    inner join attempt_nodes
        on {{ mlcost.resource_key('cost_lines.resource_id') }} = attempt_nodes.resource_key
        and cost_lines.charge_period_start < coalesce(
            attempt_nodes.ended_at, cost_lines.charge_period_end
        )
        and cost_lines.charge_period_end > attempt_nodes.started_at

),

{# Lines of the same resource, period, meter and line type that together cover the
    resource's running time (one line except in daily exports), partial hours first. -#}
line_groups as (

    {%- set line_group %}
        partition by
            attempt_node_id, resource_key, charge_period_start, sku_id,
            x_line_type, is_negation
    {%- endset %}
    {%- set partial_hours_first %}
        order by
            case
                when abs(running_seconds - round(running_seconds / 3600) * 3600) > 1
                    then 0
                else 1
            end,
            x_line_key
        rows between unbounded preceding and 1 preceding
    {%- endset %}

    select
        line_attempt_overlaps.*,
        {{ mlcost.exact_sum('running_seconds', over=line_group) }}
            as group_running_seconds,
        coalesce(
            {{ mlcost.exact_sum('running_seconds', over=line_group ~ partial_hours_first) }},
            0
        ) as running_seconds_before
    from line_attempt_overlaps
    where overlap_seconds > 0

),

line_idle as (

    select
        line_groups.*,
        least(
            running_seconds,
            greatest(
                0,
                greatest(group_running_seconds - overlap_seconds, 0)
                - running_seconds_before
            )
        ) as not_overlapped_seconds,
        case
            when x_gpu_count > 0 and gpus_used > 0 and gpus_used < x_gpu_count
                then cast(gpus_used as {{ mlcost.type_double() }}) / x_gpu_count
            else 1.0
        end as gpu_share
    from line_groups

),

shares as (

    select
        line_idle.*,
        case
            when running_seconds <= 0 then 0
            else (running_seconds - not_overlapped_seconds) / running_seconds
        end * gpu_share as attributed_share,
        case
            when running_seconds <= 0 or after_checkpoint_seconds <= 0 then 0
            else (running_seconds - not_overlapped_seconds) / running_seconds
                * after_checkpoint_seconds / overlap_seconds
        end * gpu_share as lost_since_checkpoint_share
    from line_idle

),

shares_hashed as (

    select
        shares.*,
        day_hashes.x_day_inputs_hash
    from shares
    left join day_hashes
        on cast({{ dbt.date_trunc('day', 'shares.charge_period_start') }} as date)
        = day_hashes.x_day

),

final as (

    select
        {{ dbt.concat(["x_line_key", "'|'", "attempt_node_id"]) }} as attributed_line_id,
        x_line_key,
        attempt_node_id,
        attempt_id,
        job_id,
        charge_period_start,
        charge_period_end,
        overlap_seconds,
        running_seconds,
        attributed_share,
        billing_currency,
        cast(billed_cost * attributed_share as {{ mlcost.type_money() }}) as attributed_billed_cost,
        cast(effective_cost * attributed_share as {{ mlcost.type_money() }})
            as attributed_effective_cost,
        cast(billed_cost * lost_since_checkpoint_share as {{ mlcost.type_money() }})
            as lost_since_checkpoint_billed_cost,
        cast(effective_cost * lost_since_checkpoint_share as {{ mlcost.type_money() }})
            as lost_since_checkpoint_effective_cost,
        x_day_inputs_hash
    from shares_hashed

)

select * from final
