{#- Scheduling waste (rpt_ml_scheduling_opportunities): local time, the peak-hours rule and
    the tokens that rebuild the mart by month. -#}

{#- A UTC timestamp (without time zone, as every mlcost timestamp) as the wall-clock time
    of `time_zone` (an IANA name, a column or a quoted literal), daylight saving included:
    the engine's time zone database decides the offset of each instant. -#}
{% macro to_local_timestamp(utc_timestamp, time_zone) %}
    {{ return(adapter.dispatch('to_local_timestamp', 'mlcost')(utc_timestamp, time_zone)) }}
{% endmacro %}

{% macro default__to_local_timestamp(utc_timestamp, time_zone) %}
    (({{ utc_timestamp }}) at time zone 'UTC') at time zone {{ time_zone }}
{%- endmacro %}

{#- DuckDB: timezone() from its ICU extension, which errors on an unknown zone name. #}
{% macro duckdb__to_local_timestamp(utc_timestamp, time_zone) %}
    timezone({{ time_zone }}, timezone('UTC', {{ utc_timestamp }}))
{%- endmacro %}


{#- The ISO day of the week of a timestamp: Monday 1 to Sunday 7. -#}
{% macro iso_day_of_week(timestamp_expression) %}
    {{ return(adapter.dispatch('iso_day_of_week', 'mlcost')(timestamp_expression)) }}
{% endmacro %}

{% macro default__iso_day_of_week(timestamp_expression) %}
    cast(extract(isodow from {{ timestamp_expression }}) as integer)
{%- endmacro %}

{#- DuckDB: isodow() (its extract(isodow) is the same; the function reads shorter). #}
{% macro duckdb__iso_day_of_week(timestamp_expression) %}
    cast(isodow({{ timestamp_expression }}) as integer)
{%- endmacro %}


{#- The time zone names the engine knows, as a select of one column `time_zone_name`:
    what the seed working_hours is tested against. -#}
{% macro time_zone_names_sql() %}
    {{ return(adapter.dispatch('time_zone_names_sql', 'mlcost')()) }}
{% endmacro %}

{% macro default__time_zone_names_sql() %}
    select name as time_zone_name from pg_timezone_names
{%- endmacro %}

{#- DuckDB: the ICU extension's table function of the same name as PostgreSQL's view. #}
{% macro duckdb__time_zone_names_sql() %}
    select name as time_zone_name from pg_timezone_names()
{%- endmacro %}


{#- Days of the week written as in the seed working_hours and var mlcost_peak_hours
    (`Mon-Fri`, `Mon,Tue,Thu`, `Sun-Thu`, `Sat`; case-insensitive) as ISO day numbers. -#}
{% macro parse_week_days(spec, what) %}
    {%- set names = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] %}
    {%- set days = [] %}
    {%- for item in (spec | string).lower().split(',') %}
        {%- set bounds = item.strip().split('-') %}
        {%- if bounds | length > 2 or bounds[0].strip() not in names
            or bounds[-1].strip() not in names %}
            {{ exceptions.raise_compiler_error(
                what ~ ": days must be three-letter day names or ranges of them, comma-"
                ~ "separated (Mon-Fri, Mon,Tue,Thu, Sun-Thu); got '" ~ spec ~ "'") }}
        {%- endif %}
        {%- set first_day = names.index(bounds[0].strip()) %}
        {%- set last_day = names.index(bounds[-1].strip()) %}
        {%- for offset in range(((last_day - first_day) % 7) + 1) %}
            {%- set day = (first_day + offset) % 7 + 1 %}
            {%- if day not in days %}{% do days.append(day) %}{% endif %}
        {%- endfor %}
    {%- endfor %}
    {{ return(days | sort) }}
{% endmacro %}


{#- Peak hours (var mlcost_peak_hours): {time_zone, days, start_hour, end_hour}, local,
    end exclusive. An on-demand job starting inside them competes for capacity that spot
    would have had at off-peak times. -#}
{% macro peak_hours() %}
    {%- set defaults = {'time_zone': 'America/New_York', 'days': 'Mon-Fri',
        'start_hour': 9, 'end_hour': 17} %}
    {%- set given = var('mlcost_peak_hours', defaults) %}
    {%- set rule = {} %}
    {%- for key, value in defaults.items() %}
        {%- do rule.update({key: given.get(key, value)}) %}
    {%- endfor %}
    {%- set start_hour = rule.start_hour | int %}
    {%- set end_hour = rule.end_hour | int %}
    {%- if start_hour < 0 or end_hour > 24 or start_hour >= end_hour %}
        {{ exceptions.raise_compiler_error(
            "var mlcost_peak_hours: start_hour and end_hour must satisfy 0 <= start_hour < "
            ~ "end_hour <= 24; got " ~ start_hour ~ " and " ~ end_hour) }}
    {%- endif %}
    {{ return({
        'time_zone': rule.time_zone | string,
        'days': mlcost.parse_week_days(rule.days, 'var mlcost_peak_hours'),
        'start_hour': start_hour,
        'end_hour': end_hour,
    }) }}
{% endmacro %}


{#- The job types the peak-time rule looks at: batch work that could have waited. -#}
{% macro deferrable_job_types() %}
    {{ return(['training', 'batch_inference']) }}
{% endmacro %}


{#- The months' tokens of rpt_ml_scheduling_opportunities: each classified dev-machine
    hour on its month, each deferrable job on the month of its first start, each month's
    spot discounts, and the rule's settings. -#}
{% macro scheduling_month_tokens() %}
    {%- set peak = mlcost.peak_hours() %}
    {%- set settings = [mlcost.reporting_currency(), peak.time_zone, peak.days | join(','),
        peak.start_hour, peak.end_hour] %}
    {{ return([
        mlcost.row_month_tokens(ref('int_dev_machine_hours_classified'), 'hour_start', [
            'resource_key', 'resource_id', 'instance_type', 'team', 'time_zone',
            'billing_currency', 'billed_cost', 'effective_cost', 'is_working_hour',
            'has_attempt_running'], settings),
        mlcost.row_month_tokens(ref('fct_ml_job_costs'), 'first_started_at', [
            'job_id', 'job_name', 'job_type', 'team', 'provider', 'region', 'instance_type',
            'is_spot', 'billing_currency', 'billed_cost', 'billed_cost_in_reporting_currency',
        ], settings, where="job_type in ('" ~ mlcost.deferrable_job_types() | join("', '")
            ~ "')"),
        mlcost.row_month_tokens(ref('int_spot_discounts_monthly'), 'spot_month', [
            'x_provider', 'instance_type', 'billing_currency', 'spot_billed_cost',
            'spot_list_cost'], settings),
    ]) }}
{% endmacro %}
