{#- Nothing lost, nothing doubled. Per AWS payer account and billing period, the format
    mlcost chose delivers exactly as many lines and as much billed cost into
    fct_cost_lines + fct_quarantined_cost_lines as its staging model read from the
    deliveries that count (the newest of each format, account and period; superseded
    ones are checked by assert_superseded_deliveries_left_out); and every period staging
    read is in the marts. Returns the periods that do not add up. -#}

with delivery_files as (

    select * from {{ ref('int_billing_delivery_files') }}

),

legacy_csv as (

    {{ mlcost.delivery_selected_lines(
        'aws', ref('stg_aws_cur__legacy_csv_line_items'), 'delivery_files',
    ) }}

),

legacy_parquet as (

    {{ mlcost.delivery_selected_lines(
        'aws', ref('stg_aws_cur__legacy_parquet_line_items'), 'delivery_files',
    ) }}

),

cur2 as (

    {{ mlcost.delivery_selected_lines(
        'aws', ref('stg_aws_cur__cur2_line_items'), 'delivery_files',
    ) }}

),

staged_lines as (

    select
        x_source_format,
        bill_payer_account_id as billing_account_id,
        bill_billing_period_start_date as billing_period_start,
        line_item_unblended_cost as billed_cost
    from legacy_csv
    union all
    select
        x_source_format,
        bill_payer_account_id,
        bill_billing_period_start_date,
        line_item_unblended_cost
    from legacy_parquet
    union all
    select
        x_source_format,
        bill_payer_account_id,
        bill_billing_period_start_date,
        line_item_unblended_cost
    from cur2

),

mart_lines as (

    select
        x_source_format,
        billing_account_id,
        billing_period_start,
        billed_cost
    from {{ ref('fct_cost_lines') }}
    where x_provider = 'aws' and x_source_format not like 'focus%'
    union all
    select
        x_source_format,
        billing_account_id,
        billing_period_start,
        billed_cost
    from {{ ref('fct_quarantined_cost_lines') }}
    where x_provider = 'aws' and x_source_format not like 'focus%'

),

staged as (

    select
        x_source_format,
        coalesce(billing_account_id, '') as billing_account_id,
        coalesce(cast(billing_period_start as {{ dbt.type_string() }}), '') as billing_period,
        count(*) as line_count,
        coalesce(sum(billed_cost), 0) as billed_cost
    from staged_lines
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

format_mismatches as (

    select
        delivered.billing_account_id,
        delivered.billing_period,
        delivered.x_source_format,
        'lines or cost differ from staging' as problem
    from delivered
    left join staged
        on delivered.x_source_format = staged.x_source_format
        and delivered.billing_account_id = staged.billing_account_id
        and delivered.billing_period = staged.billing_period
    where staged.line_count is null
        or staged.line_count != delivered.line_count
        or abs(staged.billed_cost - delivered.billed_cost) > 0.005

),

missing_periods as (

    select
        staged.billing_account_id,
        staged.billing_period,
        min(staged.x_source_format) as x_source_format,
        'period read in staging but absent from the marts' as problem
    from staged
    left join delivered
        on staged.billing_account_id = delivered.billing_account_id
        and staged.billing_period = delivered.billing_period
    where delivered.billing_account_id is null
    group by 1, 2

),

final as (

    select * from format_mismatches
    union all
    select * from missing_periods

)

select * from final
