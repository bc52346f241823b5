{#- Billing lines split onto the job attempts that ran on their resource.

    A line covers one resource over its charge period (an hour in CUR). Each attempt on
    that resource gets the share of the line's running time it overlapped
    (overlap seconds / seconds the resource ran in the period), times its share of the
    node's GPUs when several attempts share one node. What no attempt used stays with the
    resource as unattributed (idle) cost, in int_compute_costs_unattributed. -#}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and resource_id is not null

),

{# Lines of one resource and hour that do not measure time (GCP RAM in byte-seconds,
    transfer in GB) take the running time from the lines that do (core or GPU seconds). -#}
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

),

line_attempt_overlaps as (

    select
        cost_lines.x_line_key,
        attempt_nodes.attempt_node_id,
        attempt_nodes.attempt_id,
        attempt_nodes.job_id,
        attempt_nodes.gpus_used,
        cost_lines.x_gpu_count,
        cost_lines.billed_cost,
        cost_lines.effective_cost,
        cost_lines.charge_period_start,
        cost_lines.charge_period_end,
        {{ dbt.datediff(
            'greatest(cost_lines.charge_period_start, attempt_nodes.started_at)',
            'least(cost_lines.charge_period_end,'
            ~ ' coalesce(attempt_nodes.ended_at, cost_lines.charge_period_end))',
            'second') }} as overlap_seconds,
        coalesce(
            cost_lines.x_consumed_seconds,
            cost_lines.resource_running_seconds,
            {{ dbt.datediff(
                'cost_lines.charge_period_start', 'cost_lines.charge_period_end', 'second'
            ) }}
        ) as running_seconds
    from resource_running_time as cost_lines
    -- Azure resource ids are case-insensitive and exports vary their casing.
    inner join attempt_nodes
        on lower(cost_lines.resource_id) = lower(attempt_nodes.resource_id)
        and cost_lines.charge_period_start < coalesce(
            attempt_nodes.ended_at, cost_lines.charge_period_end
        )
        and cost_lines.charge_period_end > attempt_nodes.started_at

),

shares as (

    select
        line_attempt_overlaps.*,
        case
            when running_seconds <= 0 then 0
            when overlap_seconds >= running_seconds then 1.0
            else cast(overlap_seconds as {{ mlcost.type_double() }}) / running_seconds
        end
        * case
            when x_gpu_count > 0 and gpus_used > 0 and gpus_used < x_gpu_count
                then cast(gpus_used as {{ mlcost.type_double() }}) / x_gpu_count
            else 1.0
        end as attributed_share
    from line_attempt_overlaps
    where overlap_seconds > 0

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
        cast(billed_cost * attributed_share as {{ mlcost.type_money() }}) as attributed_billed_cost,
        cast(effective_cost * attributed_share as {{ mlcost.type_money() }})
            as attributed_effective_cost
    from shares

)

select * from final
