{#- FOCUS exports (CSV or parquet) read as they are. Real ones carry literal `NULL` / `null`
    strings for empty values, timestamps with or without `T` and `Z`, tag keys with stray
    spaces and extra columns; the first become nulls, timestamps are parsed as UTC, tags are
    kept as delivered (keys are trimmed and normalized downstream) and extras are ignored.
    No line id in FOCUS: a line is keyed by its values plus an occurrence number. -#}
{% macro focus_export_staging(var_name, source_format, source_relation) %}
{%- set spec = mlcost.focus_export_columns() %}
{%- set extra_columns = [
    ('x_source_format', 'string'), ('x_source_file', 'string'),
    ('x_line_key', 'string'), ('x_quarantine_reason', 'string'),
] %}
{%- set read_error = mlcost.export_read_error(var_name, source_relation) %}
{%- if not mlcost.source_is_configured(var_name) %}
{{ mlcost.empty_staging_select(spec, extra_columns) }}
{%- elif read_error %}
{{ mlcost.unreadable_export_select(spec, extra_columns, var_name, source_format, read_error) }}
{%- else %}
{%- set source_columns = mlcost.get_source_columns(source_relation) %}

with source as (

    select * from {{ source_relation }}

),

delivered as (

    select
        {{ mlcost.select_raw_columns(source_columns, spec, source_format ~ " export at " ~ var(var_name)) }},
        cast(filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

{#- Literal NULL strings (any case) and empty strings are missing values. #}
raw as (

    select
        {%- for column_spec in spec %}
        case
            when upper(trim(cast(delivered.{{ column_spec.name }} as {{ dbt.type_string() }})))
                in ('NULL', '')
                then null
            else cast(delivered.{{ column_spec.name }} as {{ dbt.type_string() }})
        end as {{ column_spec.name }},
        {%- endfor %}
        delivered.x_source_file
    from delivered

),

{{ mlcost.keyed_lines_from_raw(spec, source_format) }}
{%- endif %}
{% endmacro %}
