{#- Sources isolated from each other. An export that cannot be read (a file DuckDB cannot
    sniff, a truncated gzip, a corrupt parquet) would fail its staging model, and dbt would
    skip everything downstream: the union of all providers, so every mart. With var
    mlcost_on_unreadable_export = 'quarantine' (default) the staging model of such an export
    instead yields one quarantine row naming the export and DuckDB's error, a warning is
    printed, the other providers' marts build, and the test
    assert_billing_exports_readable makes `dbt build` exit non-zero at the end. 'fail'
    stops at the staging model, as dbt does by default. -#}

{#- DuckDB's error on reading the export of `var_name`, or '' (readable, not configured,
    not executing, or the switch is 'fail'). -#}
{% macro export_read_error(var_name, source_relation) %}
    {% if not execute
        or var('mlcost_on_unreadable_export', 'quarantine') != 'quarantine'
        or not mlcost.source_is_configured(var_name) %}
        {{ return('') }}
    {% endif %}
    {{ return(adapter.dispatch('export_read_error', 'mlcost')(source_relation)) }}
{% endmacro %}

{#- Warehouses read exports as tables that exist or not: nothing to check. -#}
{% macro default__export_read_error(source_relation) %}
    {{ return('') }}
{% endmacro %}

{#- The check is a function of the project's dbt-duckdb plugin (profiles.yml): a profile
    without it builds as with 'fail'. -#}
{% macro duckdb__export_read_error(source_relation) %}
    {#- A unit test's source is a CTE of fixture rows, a warehouse's a table: only a
        table function over files (read_csv(...), read_parquet(...)) needs the check. #}
    {% if '(' not in source_relation | string %}{{ return('') }}{% endif %}
    {% set available = run_query(
        "select count(*) from duckdb_functions()"
        ~ " where function_name = 'mlcost_export_read_error'"
    ).columns[0].values()[0] %}
    {% if available == 0 %}
        {% do exceptions.warn(
            "mlcost: the export read check is not enabled in this profile (plugin"
            ~ " mlcost_export_checks); an unreadable export will stop the build.") %}
        {{ return('') }}
    {% endif %}
    {% set error = run_query(
        "select mlcost_export_read_error(" ~ dbt.string_literal(dbt.escape_single_quotes(source_relation | string)) ~ ")"
    ).columns[0].values()[0] %}
    {{ return(error or '') }}
{% endmacro %}


{#- What a staging model selects instead of reading its export: no rows when the export is
    not configured (a company without that cloud or format), one quarantine row when it
    cannot be read; '' when it is to be read. -#}
{% macro stand_in_staging_select(spec, extra_columns, var_name, source_format, source_relation) %}
    {#- Not configured, or an incremental run with no new file (source_relation none). #}
    {% if not mlcost.source_is_configured(var_name) or source_relation is none %}
        {{ return(mlcost.empty_staging_select(spec, extra_columns)) }}
    {% endif %}
    {% set read_error = mlcost.export_read_error(var_name, source_relation) %}
    {% if read_error %}
        {{ return(mlcost.unreadable_export_select(
            spec, extra_columns, var_name, source_format, read_error)) }}
    {% endif %}
    {{ return('') }}
{% endmacro %}


{#- The staging rows of an export that could not be read: one quarantine row with every
    column null but where it came from and why, so the reconciliation and the quarantine
    account for it. -#}
{% macro unreadable_export_select(spec, extra_columns, var_name, source_format, error) %}
{%- set location = mlcost.source_location(var_name) %}
{%- set reason = 'unreadable export: ' ~ (error | replace('\n', ' '))[:500] %}
{%- do exceptions.warn(
    "mlcost: " ~ source_format ~ " export at " ~ location ~ " could not be read; its"
    ~ " lines are missing and one quarantine row says why (the build will fail at"
    ~ " assert_billing_exports_readable): " ~ error) %}
{%- set known = {
    'x_source_format': dbt.string_literal(dbt.escape_single_quotes(source_format)),
    'x_source_file': dbt.string_literal(dbt.escape_single_quotes(location)),
    'x_line_key': dbt.string_literal(dbt.escape_single_quotes(source_format ~ '|unreadable|' ~ location)),
    'x_quarantine_reason': dbt.string_literal(dbt.escape_single_quotes(reason)),
} %}
    select
    {%- for column_spec in spec %}
        cast(null as {{ mlcost.spec_sql_type(column_spec.type) }}) as {{ column_spec.name }},
    {%- endfor %}
    {%- for name, type_name in extra_columns %}
        cast({{ known.get(name, 'null') }} as {{ mlcost.spec_sql_type(type_name) }}) as {{ name }}
        {{- "," if not loop.last }}
    {%- endfor %}
{% endmacro %}
