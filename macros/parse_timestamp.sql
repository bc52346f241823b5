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


{#- The folder of a file path (`s3://b/cur/r/20261001-20261101/r-Manifest.json` ->
    `s3://b/cur/r/20261001-20261101`), forward slashes as object stores write them. -#}
{% macro path_dirname(expression) %}
    {{ return(adapter.dispatch('path_dirname', 'mlcost')(expression)) }}
{% endmacro %}

{% macro default__path_dirname(expression) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: path_dirname has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__path_dirname in macros/parse_timestamp.sql") }}
{% endmacro %}

{#- DuckDB has it built in (parse_dirname would return the top folder). -#}
{% macro duckdb__path_dirname(expression) %}
    parse_dirpath({{ expression }}, 'forward_slash')
{% endmacro %}
