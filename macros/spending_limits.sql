{#- The rule a monthly limit is judged by, shared by budgets (fct_budget_status_daily) and
    GPU quotas (fct_gpu_quota_status_monthly) so both say ok, warn and over alike. -#}

{#- The share of a limit used that warns before the forecast does
    (var mlcost_limit_warn_used_share). -#}
{% macro limit_warn_used_share() %}
    {%- set value = var('mlcost_limit_warn_used_share', 0.8) | float %}
    {%- if value <= 0 or value > 1 %}
        {{ exceptions.raise_compiler_error(
            "var mlcost_limit_warn_used_share must be above 0 and at most 1; got " ~ value) }}
    {%- endif %}
    {{ return(value) }}
{% endmacro %}


{#- The last day of the bill's usage: month-end tax or fee lines, and the unused part of
    a commitment amortized over the whole month, must not make a month look further
    along than the data is. A select of one row, column last_usage_date. -#}
{% macro billing_usage_end_sql() %}
    select cast(max(charge_period_start) as date) as last_usage_date
    from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and charge_category = 'Usage'
        and coalesce(commitment_discount_status, '') != 'Unused'
{%- endmacro %}


{#- Month-end forecast from the run rate: run rate = month-to-date use / days elapsed (the
    as-of day included); forecast = month-to-date + run rate x days left in the month. -#}
{% macro month_end_forecast(month_to_date, days_elapsed, days_in_month) %}
    ({{ month_to_date }}
    + {{ month_to_date }} / {{ days_elapsed }}
    * ({{ days_in_month }} - {{ days_elapsed }}))
{%- endmacro %}


{#- over once the month-to-date use exceeds the limit; warn when the forecast exceeds it
    or mlcost_limit_warn_used_share of it is used; else ok. -#}
{% macro limit_alert_level(month_to_date, forecast, limit) %}
    case
        when {{ month_to_date }} > {{ limit }} then 'over'
        when {{ forecast }} > {{ limit }}
            or {{ month_to_date }} >= {{ mlcost.limit_warn_used_share() }} * {{ limit }}
            then 'warn'
        else 'ok'
    end
{%- endmacro %}


{#- The day use passes a limit at the run rate: k days after the as-of day, k the first
    whole number with use + rate x k > limit (rate = use / days elapsed); null when the
    limit is passed already, nothing is used, or that day is `period_end` or later. -#}
{% macro run_rate_crossing_date(used, limit, days_elapsed, as_of_date, period_end) %}
    {%- set crossing = dbt.dateadd(
        'day',
        'cast(floor((' ~ limit ~ ' - ' ~ used ~ ') / (' ~ used ~ ' / ' ~ days_elapsed
        ~ ')) as ' ~ dbt.type_bigint() ~ ') + 1',
        as_of_date) %}
    case
        when {{ used }} > 0 and {{ used }} <= {{ limit }}
            and cast({{ crossing }} as date) < {{ period_end }}
            then cast({{ crossing }} as date)
    end
{%- endmacro %}
