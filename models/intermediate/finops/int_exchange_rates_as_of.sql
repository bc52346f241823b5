{#- One rate per billing currency and month range into the reporting currency (var
    mlcost_reporting_currency): the seed exchange_rates_monthly crossed through its base
    currency (reporting per base / billing per base), valid from its month until the next
    month that has a rate for the currency. A cost converts at the rate whose range holds
    its charge month (macro join_reporting_rates): the month's own rate, else the latest
    before it; a month before the first rate has none (test
    assert_reporting_rates_cover_cost_lines). The reporting currency itself converts at 1
    without a row (macro to_reporting_currency). -#}

with rates as (

    select * from {{ ref('exchange_rates_monthly') }}

),

{# The base currency is worth 1 of itself in each month it quotes others. -#}
units_per_base as (

    select
        rate_month,
        base_currency,
        quote_currency as currency,
        cast(rate as {{ mlcost.type_double() }}) as units_per_base
    from rates

    union all

    select distinct
        rate_month,
        base_currency,
        base_currency as currency,
        1.0 as units_per_base
    from rates

),

reporting_per_base as (

    select
        rate_month,
        base_currency,
        units_per_base as reporting_units_per_base
    from units_per_base
    where currency = {{ dbt.string_literal(mlcost.reporting_currency()) }}

),

cross_rates as (

    select
        units_per_base.currency as billing_currency,
        units_per_base.rate_month,
        reporting_per_base.reporting_units_per_base
        / units_per_base.units_per_base as rate_to_reporting
    from units_per_base
    inner join reporting_per_base
        on units_per_base.rate_month = reporting_per_base.rate_month
        and units_per_base.base_currency = reporting_per_base.base_currency
    where units_per_base.units_per_base > 0
        and units_per_base.currency
        != {{ dbt.string_literal(mlcost.reporting_currency()) }}

),

final as (

    select
        billing_currency,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        rate_month as valid_from_month,
        lead(rate_month) over (
            partition by billing_currency order by rate_month
        ) as valid_until_month,
        cast(rate_to_reporting as {{ mlcost.type_double() }}) as rate_to_reporting
    from cross_rates

)

select * from final
