{#- Lines that could not be used, with the reason and the file they came from. Nothing is
    dropped silently: these plus fct_cost_lines are every line delivered. A view over the
    incremental int_cost_lines_unioned, like fct_cost_lines. -#}
{{ config(materialized='view') }}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}

),

final as (

    select
        x_line_key,
        x_provider,
        x_source_format,
        x_source_file,
        x_quarantine_reason,
        billing_account_id,
        sub_account_id,
        billing_period_start,
        charge_period_start,
        x_line_type,
        billed_cost,
        billing_currency
    from cost_lines
    where x_quarantine_reason is not null

)

select * from final
