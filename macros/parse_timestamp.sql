{#- Billing timestamps arrive as ISO 8601 with `Z` or an offset (CUR), with ` UTC` (BigQuery
    extracts), without any zone (CUR `lineItem/UsageStartDate` in some reports), or as slashed
    dates (Azure cost details: `MM/DD/YYYY` as Azure writes them, `DD/MM/YYYY` where a tool of a
    day-first locale re-saved the file). All are UTC instants; a timestamp with an offset is
    converted to UTC, one without is taken as UTC, whatever the session's time zone.
    `day_first` is a SQL boolean saying how a slashed date reads (macro azure_date_order decides
    it per file): true day-first, false month-first, null not at all (the value is null, its
    line quarantined by the caller). Without it, slashed dates read month-first. -#}
{% macro parse_utc_timestamp(expression, day_first=none) %}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'mlcost')(expression, day_first)) }}
{% endmacro %}

{#- Other engines cast ISO 8601 only; slashed dates stay null and name themselves in the
    quarantine reason. -#}
{% macro default__parse_utc_timestamp(expression, day_first=none) %}
    {{ mlcost.try_cast(expression, dbt.type_timestamp()) }}
{% endmacro %}

{#- DuckDB: try_strptime takes a list of formats; timestamptz reads the offsets. -#}
{% macro duckdb__parse_utc_timestamp(expression, day_first=none) %}
    {%- set text = "trim(cast(" ~ expression ~ " as varchar))" %}
    {%- set month_first = "try_strptime(" ~ text
        ~ ", ['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %I:%M:%S %p'])" %}
    {%- set day_first_parse = "try_strptime(" ~ text
        ~ ", ['%d/%m/%Y', '%d/%m/%Y %H:%M:%S', '%d/%m/%Y %I:%M:%S %p'])" %}
    (case
        when regexp_matches({{ text }}, '([+-][0-9]{2}(:?[0-9]{2})?|Z|UTC)$')
            then try_cast({{ text }} as timestamptz) at time zone 'UTC'
        else coalesce(
            try_cast({{ text }} as timestamp),
            {%- if day_first is none %}
            {{ month_first }}
            {%- else %}
            case
                when {{ day_first }} then {{ day_first_parse }}
                when not ({{ day_first }}) then {{ month_first }}
            end
            {%- endif %}
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


{#- A timestamp with time zone as the UTC instant without zone, as the text path reads
    `...+02:00` (macro parse_utc_timestamp), whatever the session's time zone. -#}
{% macro utc_timestamp_from_timestamptz(expression) %}
    {{ return(adapter.dispatch('utc_timestamp_from_timestamptz', 'mlcost')(expression)) }}
{% endmacro %}

{% macro default__utc_timestamp_from_timestamptz(expression) %}
    cast({{ expression }} at time zone 'UTC' as {{ dbt.type_timestamp() }})
{% endmacro %}

{#- DuckDB: `at time zone` of a TIMESTAMPTZ gives the plain timestamp of that zone. -#}
{% macro duckdb__utc_timestamp_from_timestamptz(expression) %}
    ({{ expression }} at time zone 'UTC')
{% endmacro %}
