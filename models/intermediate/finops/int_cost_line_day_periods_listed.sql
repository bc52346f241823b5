{#- One row per day and billing period with usable lines on it (provider, period and the
    period's inputs hash): what the day- and month-grained models compare to decide which
    days they rebuild (macros/incremental_days.sql). A table of a few rows per day, so that
    one scan of the unified table a night serves every such model, not three scans each. -#}
{{ config(materialized='table') }}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and charge_period_start is not null

),

final as (

    select distinct
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as charge_date,
        x_provider,
        billing_period_start,
        x_period_inputs_hash
    from cost_lines

)

select * from final
