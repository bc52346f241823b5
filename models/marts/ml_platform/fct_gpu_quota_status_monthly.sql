{#- GPU quotas (seed gpu_quotas) per month, team and GPU model (or `any`): use to the
    as-of day, month-end forecasts and statuses by the budgets' rule
    (macros/spending_limits.sql), crossing days; usage no quota covers is no_quota. Usage
    per UTC day: GPU-hours are an attempt's GPUs x its hours that day (split at midnight
    and so at month ends), billed cost its compute on the hourly lines starting that day.
    Rebuilt by month (macros/gpu_quotas.sql); the open month is as of the bill's last
    usage day and is rebuilt whenever that or its data moves. -#}
{{ config(**mlcost.by_month_config('mlcost.gpu_quota_month_tokens()', 'quota_month')) }}
{%- set month_tokens = mlcost.gpu_quota_month_tokens() %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'quota_month', grain='month') %}

with quotas as (

    select * from {{ ref('gpu_quotas') }}

),

gpu_attempts as (

    {{ mlcost.gpu_quota_attempts_sql() }}

),

attempt_node_days as (

    select * from {{ ref('int_attempt_node_days_costed') }}
    where {{ mlcost.on_days('usage_date', months, 'month') }}

),

calendar as (

    select
        date_day,
        cast(date_day as {{ dbt.type_timestamp() }}) as day_start,
        cast({{ dbt.dateadd('day', 1, 'date_day') }} as {{ dbt.type_timestamp() }})
            as next_day_start
    from {{ ref('dim_dates') }}

),

quota_months as (

    select * from ({{ mlcost.gpu_quota_months_sql() }}) as months
    where {{ mlcost.on_days('quota_month', months, 'month') }}

),

{# Each attempt's UTC days up to the as-of day of their month, with the seconds it ran. -#}
attempt_days as (

    select
        gpu_attempts.attempt_id,
        gpu_attempts.team,
        gpu_attempts.gpu_model,
        gpu_attempts.gpu_count,
        calendar.date_day as usage_date,
        quota_months.quota_month as usage_month,
        case
            when gpu_attempts.started_at > calendar.day_start then gpu_attempts.started_at
            else calendar.day_start
        end as day_started_at,
        case
            when gpu_attempts.counted_until < calendar.next_day_start
                then gpu_attempts.counted_until
            else calendar.next_day_start
        end as day_ended_at
    from gpu_attempts
    inner join calendar
        on cast({{ dbt.date_trunc('day', 'gpu_attempts.started_at') }} as date)
        <= calendar.date_day
        and gpu_attempts.counted_until > calendar.day_start
    inner join quota_months
        on calendar.date_day >= quota_months.quota_month
        and calendar.date_day <= quota_months.as_of_date

),

daily_gpu_hours as (

    select
        team,
        gpu_model,
        usage_date,
        usage_month,
        {{ mlcost.exact_sum(
            dbt.datediff('day_started_at', 'day_ended_at', 'second') ~ ' * gpu_count / 3600.0'
        ) }} as gpu_hours
    from attempt_days
    group by team, gpu_model, usage_date, usage_month

),

node_days_converted as (

    {{ mlcost.attributed_in_reporting_currency('attempt_node_days') }}

),

daily_costs as (

    select
        gpu_attempts.team,
        gpu_attempts.gpu_model,
        node_days_converted.usage_date,
        quota_months.quota_month as usage_month,
        node_days_converted.billing_currency,
        sum(node_days_converted.attributed_billed_cost) as billed_cost,
        {{ mlcost.sum_reporting('node_days_converted.billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency
    from node_days_converted
    inner join gpu_attempts
        on node_days_converted.attempt_id = gpu_attempts.attempt_id
    inner join quota_months
        on node_days_converted.usage_date >= quota_months.quota_month
        and node_days_converted.usage_date <= quota_months.as_of_date
    group by
        gpu_attempts.team,
        gpu_attempts.gpu_model,
        node_days_converted.usage_date,
        quota_months.quota_month,
        node_days_converted.billing_currency

),

{# The team and model pairs that used GPUs in each month. -#}
month_usage as (

    select distinct
        usage_month as quota_month,
        team,
        gpu_model
    from daily_gpu_hours
    union
    select distinct
        usage_month as quota_month,
        team,
        gpu_model
    from daily_costs

),

{# Each month's quotas: its own rows, and the recurring rows no own row replaces. -#}
month_quotas as (

    select
        quota_months.quota_month,
        quotas.team,
        quotas.gpu_model,
        quotas.gpu_hours,
        quotas.amount,
        quotas.currency,
        case when quotas.quota_month is null then 'recurring' else 'month' end as quota_source,
        row_number() over (
            partition by
                quota_months.quota_month, lower(quotas.team), lower(quotas.gpu_model)
            order by case when quotas.quota_month is null then 1 else 0 end
        ) as quota_rank
    from quota_months
    inner join quotas
        on quotas.quota_month is null
        or cast(quotas.quota_month as date) = quota_months.quota_month

),

quota_scopes as (

    select
        quota_month,
        team,
        gpu_model,
        true as has_quota,
        quota_source,
        gpu_hours as gpu_hours_quota,
        amount as amount_quota,
        currency as quota_currency
    from month_quotas
    where quota_rank = 1

),

{# Usage of a team and model that no quota of the month covers. -#}
uncovered_scopes as (

    select
        month_usage.quota_month,
        month_usage.team,
        coalesce(month_usage.gpu_model, 'unknown') as gpu_model,
        false as has_quota,
        cast(null as {{ dbt.type_string() }}) as quota_source,
        cast(null as {{ mlcost.type_double() }}) as gpu_hours_quota,
        cast(null as {{ mlcost.type_money() }}) as amount_quota,
        cast(null as {{ dbt.type_string() }}) as quota_currency
    from month_usage
    left join quota_scopes
        on month_usage.quota_month = quota_scopes.quota_month
        and coalesce(lower(month_usage.team), '') = lower(quota_scopes.team)
        and (
            lower(quota_scopes.gpu_model) = 'any'
            or lower(month_usage.gpu_model) = lower(quota_scopes.gpu_model)
        )
    where quota_scopes.team is null

),

scopes as (

    select
        all_scopes.*,
        {{ dbt.concat([
            "cast(all_scopes.quota_month as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(lower(all_scopes.team), '')", "'|'", "lower(all_scopes.gpu_model)",
        ]) }} as scope_key
    from (
        select * from quota_scopes
        union all
        select * from uncovered_scopes
    ) as all_scopes

),

{# The days of each scope's usage: an `any` quota counts every model of its team. -#}
scope_gpu_days as (

    select
        scopes.scope_key,
        daily_gpu_hours.usage_date,
        {{ mlcost.exact_sum('daily_gpu_hours.gpu_hours') }} as gpu_hours
    from scopes
    inner join daily_gpu_hours
        on coalesce(lower(scopes.team), '') = coalesce(lower(daily_gpu_hours.team), '')
        and (
            lower(scopes.gpu_model) = 'any'
            or lower(scopes.gpu_model) = lower(coalesce(daily_gpu_hours.gpu_model, 'unknown'))
        )
        and scopes.quota_month = daily_gpu_hours.usage_month
    group by scopes.scope_key, daily_gpu_hours.usage_date

),

scope_cost_days as (

    select
        scopes.scope_key,
        daily_costs.usage_date,
        daily_costs.billing_currency,
        sum(daily_costs.billed_cost) as billed_cost,
        {{ mlcost.sum_reporting('daily_costs.billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency
    from scopes
    inner join daily_costs
        on coalesce(lower(scopes.team), '') = coalesce(lower(daily_costs.team), '')
        and (
            lower(scopes.gpu_model) = 'any'
            or lower(scopes.gpu_model) = lower(coalesce(daily_costs.gpu_model, 'unknown'))
        )
        and scopes.quota_month = daily_costs.usage_month
    group by scopes.scope_key, daily_costs.usage_date, daily_costs.billing_currency

),

{# The currency a scope's cost is counted in: its quota's, else the one its usage is
    billed in (the first in order when several). -#}
scope_currencies as (

    select
        scopes.scope_key,
        coalesce(scopes.quota_currency, min(scope_cost_days.billing_currency))
            as billing_currency
    from scopes
    left join scope_cost_days
        on scopes.scope_key = scope_cost_days.scope_key
    group by scopes.scope_key, scopes.quota_currency

),

scope_cost_totals as (

    select
        scope_cost_days.scope_key,
        scope_cost_days.usage_date,
        sum(
            case
                when scope_cost_days.billing_currency = scope_currencies.billing_currency
                    then scope_cost_days.billed_cost
                else 0
            end
        ) as billed_cost,
        sum(scope_cost_days.billed_cost_in_reporting_currency)
            as billed_cost_in_reporting_currency,
        sum(
            case
                when scope_cost_days.billing_currency = scope_currencies.billing_currency
                    then 0
                else scope_cost_days.billed_cost_in_reporting_currency
            end
        ) as other_currency_cost_in_reporting_currency
    from scope_cost_days
    inner join scope_currencies
        on scope_cost_days.scope_key = scope_currencies.scope_key
    group by scope_cost_days.scope_key, scope_cost_days.usage_date

),

scope_days as (

    select
        coalesce(gpu_days.scope_key, cost_days.scope_key) as scope_key,
        coalesce(gpu_days.usage_date, cost_days.usage_date) as usage_date,
        coalesce(gpu_days.gpu_hours, 0) as gpu_hours,
        coalesce(cost_days.billed_cost, 0) as billed_cost,
        coalesce(cost_days.billed_cost_in_reporting_currency, 0)
            as billed_cost_in_reporting_currency,
        coalesce(cost_days.other_currency_cost_in_reporting_currency, 0)
            as other_currency_cost_in_reporting_currency
    from scope_gpu_days as gpu_days
    full outer join scope_cost_totals as cost_days
        on gpu_days.scope_key = cost_days.scope_key
        and gpu_days.usage_date = cost_days.usage_date

),

running_totals as (

    select
        scope_days.*,
        {{ mlcost.exact_sum('gpu_hours', over='partition by scope_key order by usage_date'
            ~ ' rows between unbounded preceding and current row') }} as cumulative_gpu_hours,
        sum(billed_cost) over (
            partition by scope_key
            order by usage_date
            rows between unbounded preceding and current row
        ) as cumulative_billed_cost
    from scope_days

),

{# The first day the month-to-date use went past each limit. -#}
crossings as (

    select
        running_totals.scope_key,
        min(
            case
                when running_totals.cumulative_gpu_hours > scopes.gpu_hours_quota
                    then running_totals.usage_date
            end
        ) as gpu_hours_crossed_on,
        min(
            case
                when running_totals.cumulative_billed_cost > scopes.amount_quota
                    then running_totals.usage_date
            end
        ) as amount_crossed_on
    from running_totals
    inner join scopes
        on running_totals.scope_key = scopes.scope_key
    group by running_totals.scope_key

),

month_totals as (

    select
        scope_key,
        {{ mlcost.exact_sum('gpu_hours') }} as gpu_hours_used,
        sum(billed_cost) as billed_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        sum(other_currency_cost_in_reporting_currency)
            as other_currency_billed_cost_in_reporting_currency
    from scope_days
    group by scope_key

),

used as (

    select
        scopes.*,
        quota_months.as_of_date,
        scope_currencies.billing_currency,
        {{ dbt.datediff(
            'scopes.quota_month', 'quota_months.as_of_date', 'day'
        ) }} + 1 as days_elapsed,
        {{ dbt.datediff(
            'scopes.quota_month', dbt.dateadd('month', 1, 'scopes.quota_month'), 'day'
        ) }} as days_in_month,
        coalesce(month_totals.gpu_hours_used, 0) as gpu_hours_used,
        coalesce(month_totals.billed_cost, 0) as billed_cost,
        coalesce(month_totals.billed_cost_in_reporting_currency, 0)
            as billed_cost_in_reporting_currency,
        coalesce(month_totals.other_currency_billed_cost_in_reporting_currency, 0)
            as other_currency_billed_cost_in_reporting_currency,
        crossings.gpu_hours_crossed_on,
        crossings.amount_crossed_on
    from scopes
    inner join quota_months
        on scopes.quota_month = quota_months.quota_month
    inner join scope_currencies
        on scopes.scope_key = scope_currencies.scope_key
    left join month_totals
        on scopes.scope_key = month_totals.scope_key
    left join crossings
        on scopes.scope_key = crossings.scope_key

),

forecasts as (

    select
        used.*,
        used.gpu_hours_used / used.days_elapsed as gpu_hours_run_rate_per_day,
        used.billed_cost / used.days_elapsed as billed_cost_run_rate_per_day,
        {{ mlcost.month_end_forecast(
            'used.gpu_hours_used', 'used.days_elapsed', 'used.days_in_month') }}
            as forecast_month_end_gpu_hours,
        {{ mlcost.month_end_forecast(
            'used.billed_cost', 'used.days_elapsed', 'used.days_in_month') }}
            as forecast_month_end_billed_cost,
        {{ mlcost.month_end_forecast(
            'used.billed_cost_in_reporting_currency', 'used.days_elapsed',
            'used.days_in_month') }} as forecast_month_end_billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency('used.amount_quota', 'used.quota_currency') }}
            as amount_quota_in_reporting_currency
    from used
    {{ mlcost.join_reporting_rates('used.quota_currency', 'used.quota_month') }}

),

statuses as (

    select
        forecasts.*,
        case
            when not has_quota then 'no_quota'
            else {{ mlcost.limit_alert_level(
                'gpu_hours_used', 'forecast_month_end_gpu_hours', 'gpu_hours_quota') }}
        end as gpu_hours_status,
        case
            when amount_quota is not null
                then {{ mlcost.limit_alert_level(
                    'billed_cost', 'forecast_month_end_billed_cost', 'amount_quota') }}
        end as amount_status,
        {{ mlcost.run_rate_crossing_date(
            'gpu_hours_used', 'gpu_hours_quota', 'days_elapsed', 'as_of_date',
            'cast(' ~ dbt.dateadd('month', 1, 'quota_month') ~ ' as date)') }}
            as gpu_hours_forecast_crossing_on,
        {{ mlcost.run_rate_crossing_date(
            'billed_cost', 'amount_quota', 'days_elapsed', 'as_of_date',
            'cast(' ~ dbt.dateadd('month', 1, 'quota_month') ~ ' as date)') }}
            as amount_forecast_crossing_on
    from forecasts

),

ranked as (

    select
        statuses.*,
        case gpu_hours_status when 'over' then 3 when 'warn' then 2 when 'ok' then 1 end
            as gpu_hours_severity,
        case amount_status when 'over' then 3 when 'warn' then 2 when 'ok' then 1 else 0 end
            as amount_severity
    from statuses

),

month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(ranked.quota_month as " ~ dbt.type_string() ~ ")",
            "'|'", "coalesce(lower(ranked.team), '')", "'|'", "lower(ranked.gpu_model)",
        ])) }} as gpu_quota_status_id,
        ranked.quota_month,
        ranked.team,
        ranked.gpu_model,
        ranked.as_of_date,
        cast(ranked.days_elapsed as integer) as days_elapsed,
        cast(ranked.days_in_month as integer) as days_in_month,
        ranked.days_elapsed = ranked.days_in_month as is_month_complete,
        ranked.has_quota,
        ranked.quota_source,
        case
            when not ranked.has_quota then 'no_quota'
            when ranked.amount_severity > ranked.gpu_hours_severity then ranked.amount_status
            else ranked.gpu_hours_status
        end as quota_status,
        case
            when not ranked.has_quota then null
            when ranked.amount_severity > ranked.gpu_hours_severity then 'amount'
            when ranked.amount_severity = ranked.gpu_hours_severity
                and ranked.forecast_month_end_billed_cost / nullif(ranked.amount_quota, 0)
                > ranked.forecast_month_end_gpu_hours / nullif(ranked.gpu_hours_quota, 0)
                then 'amount'
            else 'gpu_hours'
        end as quota_status_limit,
        cast(ranked.gpu_hours_quota as {{ mlcost.type_double() }}) as gpu_hours_quota,
        cast(ranked.gpu_hours_used as {{ mlcost.type_double() }}) as gpu_hours_used,
        cast(
            ranked.gpu_hours_used / nullif(ranked.gpu_hours_quota, 0)
            as {{ mlcost.type_double() }}
        ) as gpu_hours_used_ratio,
        cast(ranked.gpu_hours_run_rate_per_day as {{ mlcost.type_double() }})
            as gpu_hours_run_rate_per_day,
        cast(ranked.forecast_month_end_gpu_hours as {{ mlcost.type_double() }})
            as forecast_month_end_gpu_hours,
        cast(
            ranked.forecast_month_end_gpu_hours / nullif(ranked.gpu_hours_quota, 0)
            as {{ mlcost.type_double() }}
        ) as forecast_gpu_hours_used_ratio,
        ranked.gpu_hours_status,
        case
            when ranked.gpu_hours_status = 'over' then ranked.gpu_hours_crossed_on
        end as gpu_hours_crossed_on,
        ranked.gpu_hours_forecast_crossing_on,
        ranked.billing_currency,
        cast(ranked.amount_quota as {{ mlcost.type_money() }}) as amount_quota,
        cast(ranked.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(
            ranked.billed_cost / nullif(ranked.amount_quota, 0) as {{ mlcost.type_double() }}
        ) as amount_used_ratio,
        cast(ranked.billed_cost_run_rate_per_day as {{ mlcost.type_money() }})
            as billed_cost_run_rate_per_day,
        cast(ranked.forecast_month_end_billed_cost as {{ mlcost.type_money() }})
            as forecast_month_end_billed_cost,
        cast(
            ranked.forecast_month_end_billed_cost / nullif(ranked.amount_quota, 0)
            as {{ mlcost.type_double() }}
        ) as forecast_amount_used_ratio,
        ranked.amount_status,
        case
            when ranked.amount_status = 'over' then ranked.amount_crossed_on
        end as amount_crossed_on,
        ranked.amount_forecast_crossing_on,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(ranked.amount_quota_in_reporting_currency as {{ mlcost.type_money() }})
            as amount_quota_in_reporting_currency,
        cast(ranked.billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as billed_cost_in_reporting_currency,
        cast(
            ranked.forecast_month_end_billed_cost_in_reporting_currency
            as {{ mlcost.type_money() }}
        ) as forecast_month_end_billed_cost_in_reporting_currency,
        cast(
            ranked.other_currency_billed_cost_in_reporting_currency
            as {{ mlcost.type_money() }}
        ) as other_currency_billed_cost_in_reporting_currency,
        month_inputs.x_day_inputs_hash
    from ranked
    left join month_inputs
        on ranked.quota_month = month_inputs.x_day

)

select * from final
