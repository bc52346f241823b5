{#- GPU quotas (fct_gpu_quota_status_monthly): the months it lists and the tokens that
    rebuild them (macros/incremental_days.sql, grain='month'). -#}

{#- The GPU attempts of fct_ml_job_attempt_costs with the end their GPU time counts to:
    ended_at, or for a running attempt the end fct_ml_job_attempt_costs counts to
    (started_at + duration_hours). -#}
{% macro gpu_quota_attempts_sql() %}
    select
        attempt_id,
        team,
        gpu_model,
        gpu_count,
        started_at,
        {{ dbt.dateadd(
            'second', 'cast(round(duration_hours * 3600) as ' ~ dbt.type_bigint() ~ ')',
            'started_at') }} as counted_until,
        duration_hours,
        billing_currency,
        billed_cost,
        billed_cost_in_reporting_currency
    from {{ ref('fct_ml_job_attempt_costs') }}
    where gpu_count > 0
        and started_at is not null
{%- endmacro %}


{#- The months the mart lists: from the month of the first GPU attempt to the month of
    the bill's last usage day, each with its as-of day (its last day, or the bill's last
    usage day while the month is open). Columns quota_month, as_of_date. -#}
{% macro gpu_quota_months_sql() %}
    select
        cast(calendar.date_day as date) as quota_month,
        case
            when usage_end.last_usage_date < cast(
                {{ dbt.dateadd('month', 1, 'calendar.date_day') }} as date)
                then usage_end.last_usage_date
            else cast({{ dbt.dateadd(
                'day', -1, dbt.dateadd('month', 1, 'calendar.date_day')) }} as date)
        end as as_of_date
    from {{ ref('dim_dates') }} as calendar
    cross join ({{ mlcost.billing_usage_end_sql() }}) as usage_end
    cross join (
        select cast({{ dbt.date_trunc('month', 'min(started_at)') }} as date) as first_month
        from ({{ mlcost.gpu_quota_attempts_sql() }}) as gpu_attempts
    ) as first_usage
    where calendar.date_day = cast({{ dbt.date_trunc('month', 'calendar.date_day') }} as date)
        and calendar.date_day >= first_usage.first_month
        and calendar.date_day <= usage_end.last_usage_date
{%- endmacro %}


{#- A month's inputs: each GPU attempt running in it (what the mart reads of it: team,
    model, GPUs, times, cost), its as-of day with the rule's settings, and the quota rows
    that apply to it (its own and the recurring ones). -#}
{% macro gpu_quota_month_tokens() %}
    {%- set settings = dbt.string_literal(
        mlcost.reporting_currency() ~ '|' ~ mlcost.limit_warn_used_share()) %}
    {%- set quota_row = dbt.concat([
        "coalesce(quotas.team, '')", "'|'",
        "coalesce(cast(quotas.quota_month as " ~ dbt.type_string() ~ "), '')", "'|'",
        "coalesce(quotas.gpu_model, '')", "'|'",
        "coalesce(cast(quotas.gpu_hours as " ~ dbt.type_string() ~ "), '')", "'|'",
        "coalesce(cast(quotas.amount as " ~ dbt.type_string() ~ "), '')", "'|'",
        "coalesce(quotas.currency, '')",
    ]) %}
    {%- set attempt_tokens %}
        select
            months.quota_month as x_day,
            {{ dbt.hash(dbt.concat([
                "gpu_attempts.attempt_id", "'|'", "coalesce(gpu_attempts.team, '')", "'|'",
                "coalesce(gpu_attempts.gpu_model, '')", "'|'",
                "cast(gpu_attempts.gpu_count as " ~ dbt.type_string() ~ ")", "'|'",
                "cast(gpu_attempts.started_at as " ~ dbt.type_string() ~ ")", "'|'",
                "cast(gpu_attempts.counted_until as " ~ dbt.type_string() ~ ")", "'|'",
                "coalesce(gpu_attempts.billing_currency, '')", "'|'",
                "cast(gpu_attempts.billed_cost as " ~ dbt.type_string() ~ ")", "'|'",
                "coalesce(cast(gpu_attempts.billed_cost_in_reporting_currency as "
                    ~ dbt.type_string() ~ "), '')",
            ])) }} as x_day_token
        from ({{ mlcost.gpu_quota_attempts_sql() }}) as gpu_attempts
        inner join ({{ mlcost.gpu_quota_months_sql() }}) as months
            on gpu_attempts.started_at < cast(
                {{ dbt.dateadd('month', 1, 'months.quota_month') }} as {{ dbt.type_timestamp() }})
            and gpu_attempts.counted_until > cast(
                months.quota_month as {{ dbt.type_timestamp() }})
    {%- endset %}
    {%- set as_of_tokens %}
        select
            quota_month as x_day,
            {{ dbt.concat([
                "'as_of|'", "cast(as_of_date as " ~ dbt.type_string() ~ ")", "'|'", settings,
            ]) }} as x_day_token
        from ({{ mlcost.gpu_quota_months_sql() }}) as months
    {%- endset %}
    {%- set quota_tokens %}
        select
            months.quota_month as x_day,
            {{ dbt.hash(quota_row) }} as x_day_token
        from ({{ mlcost.gpu_quota_months_sql() }}) as months
        inner join {{ ref('gpu_quotas') }} as quotas
            on quotas.quota_month is null
            or cast(quotas.quota_month as date) = months.quota_month
    {%- endset %}
    {{ return([attempt_tokens, as_of_tokens, quota_tokens]) }}
{% endmacro %}
