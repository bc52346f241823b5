{#- Billing timestamps arrive as ISO 8601 with `Z` or an offset (CUR), with ` UTC` (BigQuery
    extracts), without any zone (CUR `lineItem/UsageStartDate` in some reports), or as
    `MM/DD/YYYY` (Azure EA exports). All are UTC instants; a timestamp with an offset is
    converted to UTC, one without is taken as UTC, whatever the session's time zone. -#}
{% macro parse_utc_timestamp(expression) %}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'mlcost')(expression)) }}
{% endmacro %}

{% macro default__parse_utc_timestamp(expression) %}
    {{ mlcost.try_cast(expression, dbt.type_timestamp()) }}
{% endmacro %}

{% macro duckdb__parse_utc_timestamp(expression) %}
    (case
        when regexp_matches(trim(cast({{ expression }} as varchar)),
                            '([+-][0-9]{2}(:?[0-9]{2})?|Z|UTC)$')
            then try_cast(trim(cast({{ expression }} as varchar)) as timestamptz)
                at time zone 'UTC'
        else coalesce(
            try_cast(trim(cast({{ expression }} as varchar)) as timestamp),
            try_strptime(trim(cast({{ expression }} as varchar)),
                         ['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %I:%M:%S %p'])
        )
    end)
{% endmacro %}
