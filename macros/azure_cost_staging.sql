{#- The four Azure cost details exports (EA and MCA, actual and amortized) share one body:
    they differ in column spelling, which the spec's aliases absorb, and in what their
    costs mean, which the source format records for the intermediate layer. -#}
{% macro azure_cost_staging(var_name, source_format, source_relation) %}
{%- set spec = mlcost.azure_cost_columns() %}
{%- set extra_columns = [
    ('x_source_format', 'string'), ('x_source_file', 'string'),
    ('x_line_key', 'string'), ('x_quarantine_reason', 'string'),
] %}
{%- set stand_in = mlcost.stand_in_staging_select(
    spec, extra_columns, var_name, source_format, source_relation) %}
{%- if stand_in %}
{{ stand_in }}
{%- else %}
{%- set source_columns = mlcost.get_source_columns(source_relation) %}

with source as (

    select * from {{ source_relation }}

),

raw as (

    select
        {{ mlcost.select_raw_columns(source_columns, spec, source_format ~ " export at " ~ var(var_name)) }},
        cast(filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

{#- No line id: keyed by values and occurrence (macros/row_keys.sql). -#}
{{ mlcost.keyed_lines_from_raw(spec, source_format) }}
{%- endif %}
{% endmacro %}
