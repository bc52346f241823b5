{#- Every billing currency and month of the usable cost lines converts into the reporting
    currency: the seed exchange_rates_monthly has a rate for the currency at or before the
    month (int_exchange_rates_as_of). A failing row names the currency and month whose
    *_in_reporting_currency amounts are null in the marts: add the rate to the seed (or your
    own rates file) and build again. The reporting currency itself needs no rate. -#}
with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null

),

currency_months as (

    select distinct
        billing_currency,
        cast({{ dbt.date_trunc('month', 'charge_period_start') }} as date) as charge_month
    from cost_lines

),

final as (

    select
        currency_months.billing_currency,
        currency_months.charge_month,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency
    from currency_months
    {{ mlcost.join_reporting_rates(
        'currency_months.billing_currency', 'currency_months.charge_month') }}
    where currency_months.billing_currency
        != {{ dbt.string_literal(mlcost.reporting_currency()) }}
        and reporting_rates.rate_to_reporting is null

)

select * from final
