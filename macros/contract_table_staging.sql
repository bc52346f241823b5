{#- Staging for a table delivered in a documented contract shape (the ML job tables): rename
    aliases, fill missing optional columns, type, and say why a row cannot be used.
    `extra_checks`: [(condition over the typed columns of `final`, reason)] for rows whose
    values parse but contradict each other; checked after the spec's own reasons. -#}
{% macro contract_table_staging(var_name, source_relation, spec, extra_checks=[]) %}
{%- set extra_columns = [('x_source_file', 'string'), ('x_quarantine_reason', 'string')] %}
{%- if not mlcost.source_is_configured(var_name) %}
{{ mlcost.empty_staging_select(spec, extra_columns) }}
{%- else %}
{%- set source_columns = mlcost.get_source_columns(source_relation) %}

with source as (

    select * from {{ source_relation }}

),

raw as (

    select
        {{ mlcost.select_raw_columns(source_columns, spec, var_name ~ " at " ~ var(var_name)) }},
        cast(filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

final as (

    select
        {{ mlcost.select_typed_columns(spec) }},
        raw.x_source_file,
        {{ mlcost.quarantine_reason(spec) }} as x_quarantine_reason
    from raw

)
{%- if extra_checks %},

checked as (

    select
        {%- for column_spec in spec %}
        final.{{ column_spec.name }},
        {%- endfor %}
        final.x_source_file,
        coalesce(
            final.x_quarantine_reason,
            {%- for condition, reason in extra_checks %}
            case when {{ condition }} then '{{ reason }}' end,
            {%- endfor %}
            cast(null as {{ dbt.type_string() }})
        ) as x_quarantine_reason
    from final

)

select * from checked
{%- else %}

select * from final
{%- endif %}
{%- endif %}
{% endmacro %}
