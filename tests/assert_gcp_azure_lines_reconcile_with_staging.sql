{#- Nothing lost, nothing doubled, for GCP and Azure as for AWS: per provider, export
    format, billing account and billing period, the lines and billed cost staging read
    from the deliveries that count (the newest extract or export run of each format,
    account and period: int_billing_delivery_files; superseded ones are checked by
    assert_superseded_deliveries_left_out) all arrive in fct_cost_lines +
    fct_quarantined_cost_lines (GCP: cost plus credits; Azure: the actual-cost exports).
    A GCP month also delivered in a preferred export format is not expected twice: a
    format's period must add up where the marts hold it, and every period staging read
    must be in the marts in some format.
    Azure lines are compared by cost only: where an amortized export exists, covered usage
    arrives as its amortized rows (billed 0) instead of the actual rows (cost 0), so the
    line count legitimately differs while the billed cost may not. An Azure export without
    a billing account column (pre-2020 usage details) bills to its subscription, as
    int_azure_cost_lines_mapped does. Returns the groups that do not add up. -#}

with delivery_files as (

    select * from {{ ref('int_billing_delivery_files') }}

),

gcp_detailed as (

    {{ mlcost.delivery_selected_lines(
        'gcp', ref('stg_gcp_billing__detailed_cost_lines'), 'delivery_files',
    ) }}

),

gcp_standard as (

    {{ mlcost.delivery_selected_lines(
        'gcp', ref('stg_gcp_billing__standard_cost_lines'), 'delivery_files',
    ) }}

),

gcp_flat_csv as (

    {{ mlcost.delivery_selected_lines(
        'gcp', ref('stg_gcp_billing__flat_csv_cost_lines'), 'delivery_files',
    ) }}

),

azure_ea as (

    {{ mlcost.delivery_selected_lines(
        'azure', ref('stg_azure_cost__ea_actual_cost_lines'), 'delivery_files',
    ) }}

),

azure_mca as (

    {{ mlcost.delivery_selected_lines(
        'azure', ref('stg_azure_cost__mca_actual_cost_lines'), 'delivery_files',
    ) }}

),

gcp_staged as (

    select
        x_source_format,
        billing_account_id,
        {{ mlcost.gcp_invoice_month_start('invoice_month') }} as billing_period_start,
        cost + credits_amount as billed_cost
    from gcp_detailed
    union all
    select
        x_source_format,
        billing_account_id,
        {{ mlcost.gcp_invoice_month_start('invoice_month') }} as billing_period_start,
        cost + credits_amount as billed_cost
    from gcp_standard
    union all
    select
        x_source_format,
        billing_account_id,
        {{ mlcost.gcp_invoice_month_start('invoice_month') }} as billing_period_start,
        cost + credits_amount as billed_cost
    from gcp_flat_csv

),

azure_staged as (

    {#- Both Azure formats land in one mart format each; cost is the actual export's. #}
    select
        x_source_format,
        coalesce(billing_account_id, subscription_id) as billing_account_id,
        cast(coalesce(
            billing_period_start_date,
            {{ dbt.date_trunc('month', 'charge_date') }}
        ) as {{ dbt.type_timestamp() }}) as billing_period_start,
        cost_in_billing_currency as billed_cost
    from azure_ea
    union all
    select
        x_source_format,
        coalesce(billing_account_id, subscription_id) as billing_account_id,
        cast(coalesce(
            billing_period_start_date,
            {{ dbt.date_trunc('month', 'charge_date') }}
        ) as {{ dbt.type_timestamp() }}) as billing_period_start,
        cost_in_billing_currency as billed_cost
    from azure_mca

),

staged_lines as (

    select
        'gcp' as x_provider,
        *
    from gcp_staged
    union all
    select
        'azure' as x_provider,
        *
    from azure_staged

),

mart_lines as (

    select
        x_provider,
        x_source_format,
        billing_account_id,
        billing_period_start,
        billed_cost
    from {{ ref('fct_cost_lines') }}
    where x_provider in ('gcp', 'azure') and x_source_format not like 'focus%'
    union all
    select
        x_provider,
        x_source_format,
        billing_account_id,
        billing_period_start,
        billed_cost
    from {{ ref('fct_quarantined_cost_lines') }}
    where x_provider in ('gcp', 'azure') and x_source_format not like 'focus%'

),

staged as (

    select
        x_provider,
        {#- Amortized Azure rows land under their own format; compare per provider. #}
        case when x_provider = 'azure' then 'azure' else x_source_format end
            as x_source_format,
        coalesce(billing_account_id, '') as billing_account_id,
        coalesce(cast(billing_period_start as {{ dbt.type_string() }}), '') as billing_period,
        count(*) as line_count,
        coalesce(sum(billed_cost), 0) as billed_cost
    from staged_lines
    group by 1, 2, 3, 4

),

delivered as (

    select
        x_provider,
        case when x_provider = 'azure' then 'azure' else x_source_format end
            as x_source_format,
        coalesce(billing_account_id, '') as billing_account_id,
        coalesce(cast(billing_period_start as {{ dbt.type_string() }}), '') as billing_period,
        count(*) as line_count,
        coalesce(sum(billed_cost), 0) as billed_cost
    from mart_lines
    group by 1, 2, 3, 4

),

format_mismatches as (

    select
        delivered.x_provider,
        delivered.billing_account_id,
        delivered.billing_period,
        delivered.x_source_format,
        staged.line_count as staged_lines,
        delivered.line_count as delivered_lines,
        staged.billed_cost as staged_cost,
        delivered.billed_cost as delivered_cost,
        'lines or cost differ from staging' as problem
    from delivered
    left join staged
        on delivered.x_provider = staged.x_provider
        and delivered.x_source_format = staged.x_source_format
        and delivered.billing_account_id = staged.billing_account_id
        and delivered.billing_period = staged.billing_period
    where staged.line_count is null
        or (delivered.x_provider = 'gcp' and staged.line_count != delivered.line_count)
        or abs(staged.billed_cost - delivered.billed_cost) > 0.005

),

missing_periods as (

    select
        staged.x_provider,
        staged.billing_account_id,
        staged.billing_period,
        min(staged.x_source_format) as x_source_format,
        sum(staged.line_count) as staged_lines,
        0 as delivered_lines,
        sum(staged.billed_cost) as staged_cost,
        0 as delivered_cost,
        'period read in staging but absent from the marts' as problem
    from staged
    left join delivered
        on staged.x_provider = delivered.x_provider
        and staged.billing_account_id = delivered.billing_account_id
        and staged.billing_period = delivered.billing_period
    where delivered.billing_account_id is null
    group by 1, 2, 3

),

final as (

    select * from format_mismatches
    union all
    select * from missing_periods

)

select * from final
