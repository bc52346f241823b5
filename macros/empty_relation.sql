{#- A staging model whose export is not configured: the same columns, typed, no rows, so
    unions and marts build unchanged for a company without that cloud or format. -#}
{% macro empty_staging_select(spec, extra_columns) %}
    select
    {%- for column_spec in spec %}
        cast(null as {{ mlcost.spec_sql_type(column_spec.type) }}) as {{ column_spec.name }},
    {%- endfor %}
    {%- for name, type_name in extra_columns %}
        cast(null as {{ mlcost.spec_sql_type(type_name) }}) as {{ name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    where 1 = 0
{% endmacro %}
