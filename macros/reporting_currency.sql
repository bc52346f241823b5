{#- The reporting currency (var mlcost_reporting_currency): the one currency every mart's
    *_in_reporting_currency amounts are in, whatever each cost's billing_currency. -#}
{% macro reporting_currency() %}
    {{ return(var('mlcost_reporting_currency', 'USD') | upper) }}
{% endmacro %}


{#- Join the rate into the reporting currency of a cost's currency and month (model
    int_exchange_rates_as_of: the month's rate, else the latest before it). A left join:
    a cost without a rate keeps its row, and its reporting amount is null (never 0; test
    assert_reporting_rates_cover_cost_lines fails the build). -#}
{% macro join_reporting_rates(currency_column, date_column, alias='reporting_rates') %}
    left join {{ ref('int_exchange_rates_as_of') }} as {{ alias }}
        on {{ currency_column }} = {{ alias }}.billing_currency
        and cast({{ dbt.date_trunc('month', date_column) }} as date)
        >= {{ alias }}.valid_from_month
        and (
            {{ alias }}.valid_until_month is null
            or cast({{ dbt.date_trunc('month', date_column) }} as date)
            < {{ alias }}.valid_until_month
        )
{%- endmacro %}


{#- An amount in the reporting currency, as money: the amount itself when its currency is
    the reporting one, else amount x the joined rate (null without a rate). Convert before
    summing, per the finest month-grained row, so that a sum over months converts each
    month at its own rate. -#}
{% macro to_reporting_currency(amount, currency_column, alias='reporting_rates') %}
    cast(
        case
            when {{ currency_column }} = {{ dbt.string_literal(mlcost.reporting_currency()) }}
                then ({{ amount }})
            else ({{ amount }}) * {{ alias }}.rate_to_reporting
        end as {{ mlcost.type_money() }}
    )
{%- endmacro %}


{#- A summed reporting amount of a row that may have no cost at all (a job no line was
    attributed to): 0 when there was no cost to convert, the converted sum otherwise
    (null when a rate was missing, never 0). -#}
{% macro reporting_amount_or_zero(converted_sum, billing_sum) %}
    cast(
        case
            when {{ billing_sum }} is null then 0
            else {{ converted_sum }}
        end as {{ mlcost.type_money() }}
    )
{%- endmacro %}


{#- The sum of converted amounts, null when any of them is null (a month without a rate):
    a plain sum() would leave that month out and report a smaller total. -#}
{% macro sum_reporting(converted_column) %}
    case
        when count(*) = count({{ converted_column }}) then sum({{ converted_column }})
    end
{%- endmacro %}


{#- The attempt-node days of job attribution (`attributed_billed_cost`,
    `attributed_effective_cost`, `billing_currency`, `usage_date`), each with its costs in
    the reporting currency at its month's rate: the body of a CTE over `attributed`, which
    the job marts convert before they sum days into attempts, jobs or weeks. -#}
{% macro attributed_in_reporting_currency(attributed) %}
    select
        {{ attributed }}.*,
        {{ mlcost.to_reporting_currency(
            attributed ~ '.attributed_billed_cost', attributed ~ '.billing_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            attributed ~ '.attributed_effective_cost', attributed ~ '.billing_currency') }}
            as effective_cost_in_reporting_currency
    from {{ attributed }}
    {{ mlcost.join_reporting_rates(attributed ~ '.billing_currency',
                                   attributed ~ '.usage_date') }}
{%- endmacro %}


{#- sum_reporting for an amount that may be unknown (null) on some rows, such as unused GPU
    cost where utilization is unknown: the sum of the known rows' converted amounts, null
    when a known amount did not convert (a month without a rate). -#}
{% macro sum_reporting_of_known(billing_column, converted_column) %}
    case
        when count({{ billing_column }}) = count({{ converted_column }})
            then sum({{ converted_column }})
    end
{%- endmacro %}
