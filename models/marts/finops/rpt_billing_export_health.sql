{#- What came in, per provider, export format, billing account, period and currency:
    lines and billed cost delivered, the part quarantined, and exports that could not be
    read at all. A leaf on purpose: its tests (quarantine share, unreadable exports) fail
    `dbt build` at the end without skipping any other mart, so one broken export does not
    blank the others' dashboards. Amounts are also converted into the reporting currency
    per charge month (a line without a charge period at its billing period's rate). -#}
with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}

),

delivery_months as (

    select
        x_provider,
        x_source_format,
        billing_account_id,
        billing_period_start,
        billing_currency,
        cast(
            {{ dbt.date_trunc('month', 'coalesce(charge_period_start, billing_period_start)') }}
            as date
        ) as charge_month,
        count(*) as line_count,
        count(x_quarantine_reason) as quarantined_line_count,
        count(
            case when x_quarantine_reason like 'unreadable export:%' then 1 end
        ) as unreadable_export_count,
        coalesce(sum(billed_cost), 0) as billed_cost,
        coalesce(sum(abs(billed_cost)), 0) as absolute_billed_cost,
        coalesce(
            sum(case when x_quarantine_reason is not null then abs(billed_cost) end), 0
        ) as quarantined_absolute_billed_cost
    from cost_lines
    group by 1, 2, 3, 4, 5, 6

),

delivery_months_converted as (

    select
        delivery_months.*,
        {{ mlcost.to_reporting_currency(
            'delivery_months.billed_cost', 'delivery_months.billing_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'delivery_months.absolute_billed_cost', 'delivery_months.billing_currency') }}
            as absolute_billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'delivery_months.quarantined_absolute_billed_cost',
            'delivery_months.billing_currency') }}
            as quarantined_absolute_billed_cost_in_reporting_currency
    from delivery_months
    {{ mlcost.join_reporting_rates(
        'delivery_months.billing_currency', 'delivery_months.charge_month') }}

),

deliveries as (

    select
        x_provider,
        x_source_format,
        billing_account_id,
        billing_period_start,
        billing_currency,
        cast(sum(line_count) as {{ dbt.type_bigint() }}) as line_count,
        cast(sum(quarantined_line_count) as {{ dbt.type_bigint() }})
            as quarantined_line_count,
        cast(sum(unreadable_export_count) as {{ dbt.type_bigint() }})
            as unreadable_export_count,
        sum(billed_cost) as billed_cost,
        sum(absolute_billed_cost) as absolute_billed_cost,
        sum(quarantined_absolute_billed_cost) as quarantined_absolute_billed_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('absolute_billed_cost_in_reporting_currency') }}
            as absolute_billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('quarantined_absolute_billed_cost_in_reporting_currency') }}
            as quarantined_absolute_billed_cost_in_reporting_currency
    from delivery_months_converted
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "x_provider", "'|'", "x_source_format", "'|'",
            "coalesce(billing_account_id, '')", "'|'",
            "coalesce(cast(billing_period_start as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(billing_currency, '')",
        ])) }} as export_health_id,
        x_provider,
        x_source_format,
        billing_account_id,
        billing_period_start,
        billing_currency,
        line_count,
        quarantined_line_count,
        unreadable_export_count,
        billed_cost,
        absolute_billed_cost,
        quarantined_absolute_billed_cost,
        cast(quarantined_line_count as {{ mlcost.type_double() }}) / line_count
            as quarantined_line_ratio,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as billed_cost_in_reporting_currency,
        cast(absolute_billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as absolute_billed_cost_in_reporting_currency,
        cast(
            quarantined_absolute_billed_cost_in_reporting_currency
            as {{ mlcost.type_money() }}
        ) as quarantined_absolute_billed_cost_in_reporting_currency
    from deliveries

)

select * from final
