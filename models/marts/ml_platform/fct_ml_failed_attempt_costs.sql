{#- Failure-wasted compute: one row per failed, killed or preempted attempt, with what it
    cost (all of it is waste: its result was thrown away), the part lost since its last
    checkpoint (all of it when it never checkpointed), what its retries cost, and what
    checkpointing every mlcost_checkpoint_interval_hours and resuming would have saved.
    Sliced by team, user, project, model and failure reason in BI. -#}
{%- set interval_hours = var('mlcost_checkpoint_interval_hours') %}

with attempt_costs as (

    select * from {{ ref('fct_ml_job_attempt_costs') }}

),

attributed as (

    select * from {{ ref('int_attempt_node_days_costed') }}

),

attempt_nodes as (

    select * from {{ ref('int_attempt_nodes_joined') }}

),

checkpoints as (

    select
        attempt_id,
        max(last_checkpoint_at) as last_checkpoint_at
    from attempt_nodes
    group by 1

),

{# Each node-day converted at its month's rate before summing. -#}
attributed_converted as (

    select
        attributed.*,
        {{ mlcost.to_reporting_currency(
            'attributed.lost_since_checkpoint_billed_cost', 'attributed.billing_currency') }}
            as lost_billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'attributed.lost_since_checkpoint_effective_cost',
            'attributed.billing_currency') }} as lost_effective_cost_in_reporting_currency
    from attributed
    {{ mlcost.join_reporting_rates('attributed.billing_currency', 'attributed.usage_date') }}

),

losses as (

    select
        attempt_id,
        sum(lost_since_checkpoint_billed_cost) as lost_billed_cost,
        sum(lost_since_checkpoint_effective_cost) as lost_effective_cost,
        {{ mlcost.sum_reporting('lost_billed_cost_in_reporting_currency') }}
            as lost_billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('lost_effective_cost_in_reporting_currency') }}
            as lost_effective_cost_in_reporting_currency
    from attributed_converted
    group by 1

),

{# Retries: the attempts of the same job after this one. -#}
retries as (

    select
        failed.attempt_id,
        count(*) as retry_count,
        sum(later.billed_cost) as retry_billed_cost,
        sum(later.effective_cost) as retry_effective_cost,
        {{ mlcost.sum_reporting('later.billed_cost_in_reporting_currency') }}
            as retry_billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('later.effective_cost_in_reporting_currency') }}
            as retry_effective_cost_in_reporting_currency
    from attempt_costs as failed
    inner join attempt_costs as later
        on failed.job_id = later.job_id
        and failed.attempt_number < later.attempt_number
    group by 1

),

failed_attempts as (

    select
        attempt_costs.*,
        checkpoints.last_checkpoint_at,
        coalesce(losses.lost_billed_cost, 0) as lost_billed_cost,
        coalesce(losses.lost_effective_cost, 0) as lost_effective_cost,
        {{ mlcost.reporting_amount_or_zero(
            'losses.lost_billed_cost_in_reporting_currency', 'losses.lost_billed_cost') }}
            as lost_billed_cost_in_reporting_currency,
        {{ mlcost.reporting_amount_or_zero(
            'losses.lost_effective_cost_in_reporting_currency', 'losses.lost_effective_cost') }}
            as lost_effective_cost_in_reporting_currency,
        coalesce(retries.retry_count, 0) as retry_count,
        coalesce(retries.retry_billed_cost, 0) as retry_billed_cost,
        coalesce(retries.retry_effective_cost, 0) as retry_effective_cost,
        {{ mlcost.reporting_amount_or_zero(
            'retries.retry_billed_cost_in_reporting_currency', 'retries.retry_billed_cost') }}
            as retry_billed_cost_in_reporting_currency,
        {{ mlcost.reporting_amount_or_zero(
            'retries.retry_effective_cost_in_reporting_currency',
            'retries.retry_effective_cost') }} as retry_effective_cost_in_reporting_currency
    from attempt_costs
    left join checkpoints
        on attempt_costs.attempt_id = checkpoints.attempt_id
    left join losses
        on attempt_costs.attempt_id = losses.attempt_id
    left join retries
        on attempt_costs.attempt_id = retries.attempt_id
    where attempt_costs.attempt_status in ('failed', 'killed', 'preempted')

),

{# With a checkpoint every interval and a resume, at most the last interval's share of
    the attempt's cost is lost; the rest of what was lost would have been saved. -#}
savings as (

    select
        failed_attempts.*,
        case
            when duration_hours > {{ interval_hours }}
                then cast({{ interval_hours }} as {{ mlcost.type_double() }}) / duration_hours
            else 1.0
        end as interval_share
    from failed_attempts

),

final as (

    select
        attempt_id,
        job_id,
        attempt_number,
        attempt_status,
        failure_reason,
        job_name,
        job_type,
        user_email,
        team,
        project,
        model_name,
        provider,
        region,
        instance_type,
        is_spot,
        started_at,
        ended_at,
        last_checkpoint_at,
        last_checkpoint_at is not null as has_checkpoint,
        retry_count > 0 as is_retried,
        retry_count,
        gpu_count,
        duration_hours,
        gpu_hours as wasted_gpu_hours,
        billing_currency,
        cast(billed_cost as {{ mlcost.type_money() }}) as wasted_billed_cost,
        cast(effective_cost as {{ mlcost.type_money() }}) as wasted_effective_cost,
        cast(lost_billed_cost as {{ mlcost.type_money() }})
            as lost_since_checkpoint_billed_cost,
        cast(lost_effective_cost as {{ mlcost.type_money() }})
            as lost_since_checkpoint_effective_cost,
        cast(retry_billed_cost as {{ mlcost.type_money() }}) as retry_billed_cost,
        cast(retry_effective_cost as {{ mlcost.type_money() }}) as retry_effective_cost,
        cast(
            greatest(lost_billed_cost - billed_cost * interval_share, 0)
            as {{ mlcost.type_money() }}
        ) as checkpoint_saving_billed_cost,
        cast(
            greatest(lost_effective_cost - effective_cost * interval_share, 0)
            as {{ mlcost.type_money() }}
        ) as checkpoint_saving_effective_cost,
        reporting_currency,
        cast(billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as wasted_billed_cost_in_reporting_currency,
        cast(effective_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as wasted_effective_cost_in_reporting_currency,
        cast(lost_billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as lost_since_checkpoint_billed_cost_in_reporting_currency,
        cast(lost_effective_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as lost_since_checkpoint_effective_cost_in_reporting_currency,
        cast(retry_billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as retry_billed_cost_in_reporting_currency,
        cast(retry_effective_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as retry_effective_cost_in_reporting_currency,
        cast(
            greatest(
                lost_billed_cost_in_reporting_currency
                - billed_cost_in_reporting_currency * interval_share,
                0
            ) as {{ mlcost.type_money() }}
        ) as checkpoint_saving_billed_cost_in_reporting_currency,
        cast(
            greatest(
                lost_effective_cost_in_reporting_currency
                - effective_cost_in_reporting_currency * interval_share,
                0
            ) as {{ mlcost.type_money() }}
        ) as checkpoint_saving_effective_cost_in_reporting_currency
    from savings

)

select * from final
