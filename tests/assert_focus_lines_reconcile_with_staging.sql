{#- Nothing lost, nothing doubled, for FOCUS exports as for the native ones: per format,
    billing account and billing period, the lines and billed cost FOCUS staging read all
    arrive in fct_cost_lines + fct_quarantined_cost_lines, except those of a delivery a
    newer one replaced (int_billing_delivery_files; checked by
    assert_superseded_deliveries_left_out). Returns the groups that do not add up (either
    side missing included). -#}

with delivery_files as (

    select * from {{ ref('int_billing_delivery_files') }}

),

csv_lines as (

    {{ mlcost.delivery_selected_lines(
        'focus', ref('stg_focus__csv_cost_lines'), 'delivery_files',
    ) }}

),

parquet_lines as (

    {{ mlcost.delivery_selected_lines(
        'focus', ref('stg_focus__parquet_cost_lines'), 'delivery_files',
    ) }}

),

current_lines as (

    select
        x_source_format,
        billing_account_id,
        billing_period_start,
        billed_cost
    from csv_lines
    union all
    select
        x_source_format,
        billing_account_id,
        billing_period_start,
        billed_cost
    from parquet_lines

),

mart_lines as (

    select
        x_source_format,
        billing_account_id,
        billing_period_start,
        billed_cost
    from {{ ref('fct_cost_lines') }}
    where x_source_format like 'focus%'
    union all
    select
        x_source_format,
        billing_account_id,
        billing_period_start,
        billed_cost
    from {{ ref('fct_quarantined_cost_lines') }}
    where x_source_format like 'focus%'

),

staged as (

    select
        x_source_format,
        coalesce(billing_account_id, '') as billing_account_id,
        coalesce(cast(billing_period_start as {{ dbt.type_string() }}), '') as billing_period,
        count(*) as line_count,
        coalesce(sum(billed_cost), 0) as billed_cost
    from current_lines
    group by 1, 2, 3

),

delivered as (

    select
        x_source_format,
        coalesce(billing_account_id, '') as billing_account_id,
        coalesce(cast(billing_period_start as {{ dbt.type_string() }}), '') as billing_period,
        count(*) as line_count,
        coalesce(sum(billed_cost), 0) as billed_cost
    from mart_lines
    group by 1, 2, 3

),

final as (

    select
        staged.line_count as staged_line_count,
        delivered.line_count as delivered_line_count,
        staged.billed_cost as staged_billed_cost,
        delivered.billed_cost as delivered_billed_cost,
        coalesce(staged.x_source_format, delivered.x_source_format) as x_source_format,
        coalesce(staged.billing_account_id, delivered.billing_account_id)
            as billing_account_id,
        coalesce(staged.billing_period, delivered.billing_period) as billing_period
    from staged
    full outer join delivered
        on staged.x_source_format = delivered.x_source_format
        and staged.billing_account_id = delivered.billing_account_id
        and staged.billing_period = delivered.billing_period
    where staged.line_count is null
        or delivered.line_count is null
        or staged.line_count != delivered.line_count
        or abs(staged.billed_cost - delivered.billed_cost) > 0.005

)

select * from final
