{#- Each budget of the budgets seed as of each day of its month that has billing data:
    month-to-date spend, the month-end forecast from the run rate, percent used, alert level
    and the days left before the budget runs out. Forecast rule: run rate = month-to-date
    spend / days elapsed (the as-of day included); forecast = month-to-date + run rate x
    days left in the month. Alert: over when month-to-date spend exceeds the budget, warn
    when the forecast does or mlcost_limit_warn_used_share (80%) is used, else ok. The
    rule is macros/spending_limits.sql, which GPU quotas share. -#}
with budgets as (

    select * from {{ ref('budgets') }}

),

spend_daily as (

    select * from {{ ref('int_budget_spend_daily') }}

),

{# The bill runs as far as its usage (macros/spending_limits.sql). -#}
usage_end as (

    {{ mlcost.billing_usage_end_sql() }}

),

data_days as (

    select distinct spend_daily.charge_date as as_of_date
    from spend_daily
    cross join usage_end
    where spend_daily.charge_date <= usage_end.last_usage_date

),

budget_days as (

    select
        budgets.budget_scope,
        budgets.scope_value,
        cast(budgets.budget_month as date) as budget_month,
        budgets.currency,
        budgets.amount,
        cast(
            {{ dbt.dateadd('month', 1, 'cast(budgets.budget_month as date)') }} as date
        ) as next_month_start,
        data_days.as_of_date
    from budgets
    inner join data_days
        on data_days.as_of_date >= cast(budgets.budget_month as date)
        and data_days.as_of_date < cast(
            {{ dbt.dateadd('month', 1, 'cast(budgets.budget_month as date)') }} as date
        )

),

month_to_date as (

    select
        budget_days.budget_scope,
        budget_days.scope_value,
        budget_days.budget_month,
        budget_days.currency,
        budget_days.amount,
        budget_days.next_month_start,
        budget_days.as_of_date,
        coalesce(sum(spend_daily.billed_cost), 0) as month_to_date_spend
    from budget_days
    left join spend_daily
        on budget_days.budget_scope = spend_daily.budget_scope
        and lower(budget_days.scope_value) = lower(spend_daily.scope_value)
        and budget_days.currency = spend_daily.billing_currency
        and budget_days.budget_month <= spend_daily.charge_date
        and budget_days.as_of_date >= spend_daily.charge_date
    group by
        budget_days.budget_scope,
        budget_days.scope_value,
        budget_days.budget_month,
        budget_days.currency,
        budget_days.amount,
        budget_days.next_month_start,
        budget_days.as_of_date

),

run_rates as (

    select
        month_to_date.*,
        {{ dbt.datediff(
            'budget_month', 'as_of_date', 'day'
        ) }} + 1 as days_elapsed,
        {{ dbt.datediff(
            'budget_month', 'next_month_start', 'day'
        ) }} as days_in_month,
        max(as_of_date) over (
            partition by budget_scope, scope_value, budget_month
        ) as latest_as_of_date
    from month_to_date

),

forecasts as (

    select
        run_rates.*,
        {{ mlcost.to_reporting_currency('run_rates.amount', 'run_rates.currency') }}
            as amount_in_reporting_currency,
        {{ mlcost.to_reporting_currency('run_rates.month_to_date_spend', 'run_rates.currency') }}
            as month_to_date_spend_in_reporting_currency,
        run_rates.month_to_date_spend / run_rates.days_elapsed as run_rate_per_day,
        {{ mlcost.month_end_forecast(
            'run_rates.month_to_date_spend', 'run_rates.days_elapsed',
            'run_rates.days_in_month') }} as forecast_month_end_spend
    from run_rates
    {{ mlcost.join_reporting_rates('run_rates.currency', 'run_rates.budget_month') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "budget_scope", "'|'", "scope_value",
            "'|'", "cast(budget_month as " ~ dbt.type_string() ~ ")",
            "'|'", "cast(as_of_date as " ~ dbt.type_string() ~ ")",
        ])) }} as budget_day_id,
        budget_scope,
        scope_value,
        budget_month,
        as_of_date,
        as_of_date = latest_as_of_date as is_latest,
        currency,
        cast(amount as {{ mlcost.type_money() }}) as budget_amount,
        cast(month_to_date_spend as {{ mlcost.type_money() }}) as month_to_date_spend,
        cast(days_elapsed as integer) as days_elapsed,
        cast(days_in_month as integer) as days_in_month,
        cast(run_rate_per_day as {{ mlcost.type_money() }}) as run_rate_per_day,
        cast(
            forecast_month_end_spend as {{ mlcost.type_money() }}
        ) as forecast_month_end_spend,
        cast(
            month_to_date_spend / nullif(amount, 0) as {{ mlcost.type_double() }}
        ) as used_ratio,
        cast(
            forecast_month_end_spend / nullif(amount, 0) as {{ mlcost.type_double() }}
        ) as forecast_used_ratio,
        {{ mlcost.limit_alert_level(
            'month_to_date_spend', 'forecast_month_end_spend', 'amount') }} as alert_level,
        cast(
            case
                when month_to_date_spend >= amount then 0
                when run_rate_per_day > 0
                    then (amount - month_to_date_spend) / run_rate_per_day
            end as {{ mlcost.type_double() }}
        ) as days_until_exhausted,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        amount_in_reporting_currency as budget_amount_in_reporting_currency,
        month_to_date_spend_in_reporting_currency,
        cast(
            {{ mlcost.month_end_forecast(
                'month_to_date_spend_in_reporting_currency', 'days_elapsed',
                'days_in_month') }} as {{ mlcost.type_money() }}
        ) as forecast_month_end_spend_in_reporting_currency
    from forecasts

)

select * from final
