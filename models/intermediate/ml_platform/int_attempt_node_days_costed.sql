{#- Attributed compute per attempt node, usage day and billing currency (one, unless the
    node's lines are billed in several): int_job_costs_attributed summed,
    so that the per-attempt and per-job marts, rebuilt whole every night, read a table the
    size of attempt-node days instead of every attributed line. Built by day like the lines
    it sums: a day is summed again when its attribution was (its fingerprint is the token). -#}
{{ config(**mlcost.by_day_config('mlcost.attributed_rollup_day_tokens()', 'usage_date')) }}
{%- set day_tokens = mlcost.attributed_rollup_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'usage_date') %}

with attributed as (

    select * from {{ ref('int_job_costs_attributed') }}
    where {{ mlcost.on_days('charge_period_start', days) }}

),

attributed_days as (

    select
        attributed.*,
        cast({{ dbt.date_trunc('day', 'attributed.charge_period_start') }} as date)
            as usage_date
    from attributed

),

day_hashes as (

    {{ mlcost.rebuilt_day_hashes(day_tokens, days) }}

),

attempt_node_days as (

    select
        attempt_node_id,
        usage_date,
        billing_currency,
        max(attempt_id) as attempt_id,
        max(job_id) as job_id,
        count(*) as attributed_line_count,
        max(charge_period_end) as last_charge_period_end,
        sum(attributed_billed_cost) as attributed_billed_cost,
        sum(attributed_effective_cost) as attributed_effective_cost,
        sum(lost_since_checkpoint_billed_cost) as lost_since_checkpoint_billed_cost,
        sum(lost_since_checkpoint_effective_cost) as lost_since_checkpoint_effective_cost
    from attributed_days
    group by attempt_node_id, usage_date, billing_currency

),

final as (

    select
        {{ dbt.concat([
            "attempt_node_days.attempt_node_id", "'|'",
            "cast(attempt_node_days.usage_date as " ~ dbt.type_string() ~ ")", "'|'",
            "attempt_node_days.billing_currency",
        ]) }} as attempt_node_day_id,
        attempt_node_days.attempt_node_id,
        attempt_node_days.attempt_id,
        attempt_node_days.job_id,
        attempt_node_days.usage_date,
        attempt_node_days.billing_currency,
        attempt_node_days.attributed_line_count,
        attempt_node_days.last_charge_period_end,
        cast(attempt_node_days.attributed_billed_cost as {{ mlcost.type_money() }})
            as attributed_billed_cost,
        cast(attempt_node_days.attributed_effective_cost as {{ mlcost.type_money() }})
            as attributed_effective_cost,
        cast(attempt_node_days.lost_since_checkpoint_billed_cost as {{ mlcost.type_money() }})
            as lost_since_checkpoint_billed_cost,
        cast(
            attempt_node_days.lost_since_checkpoint_effective_cost as {{ mlcost.type_money() }}
        ) as lost_since_checkpoint_effective_cost,
        day_hashes.x_day_inputs_hash
    from attempt_node_days
    left join day_hashes
        on attempt_node_days.usage_date = day_hashes.x_day

)

select * from final
