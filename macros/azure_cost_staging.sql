{#- The four Azure cost details exports (EA and MCA, actual and amortized) share one body:
    they differ in column spelling, which the spec's aliases absorb, and in what their
    costs mean, which the source format records for the intermediate layer. -#}
{% macro azure_cost_staging(var_name, source_format, source_relation) %}
{%- set spec = mlcost.azure_cost_columns() %}
{%- set extra_columns = [
    ('x_source_format', 'string'), ('x_source_file', 'string'),
    ('x_line_key', 'string'), ('x_quarantine_reason', 'string'),
] %}
{%- if not mlcost.source_is_configured(var_name) %}
{{ mlcost.empty_staging_select(spec, extra_columns) }}
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

{#- No line id in Azure exports: keyed by values and occurrence (macros/row_keys.sql). -#}
hashed as (

    select
        raw.*,
        {{ mlcost.row_values_hash(spec, source_format) }} as x_row_hash
    from raw

),

final as (

    select
        {%- for column_spec in spec %}
        {%- if column_spec.name == 'tags' %}
        {{ mlcost.azure_tags_json('hashed.tags') }} as tags,
        {%- else %}
        {{ mlcost.select_typed_columns([column_spec], 'hashed') }},
        {%- endif %}
        {%- endfor %}
        '{{ source_format }}' as x_source_format,
        hashed.x_source_file,
        {{ mlcost.occurrence_line_key('hashed') }} as x_line_key,
        {{ mlcost.quarantine_reason(spec, 'hashed') }} as x_quarantine_reason
    from hashed

)

select * from final
{%- endif %}
{% endmacro %}
