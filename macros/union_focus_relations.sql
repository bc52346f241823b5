{#- Union provider relations onto focus_columns(): same names, same order, same types; a
    column a relation lacks is a typed null. Columns are read from the relations at compile
    time, as dbt_utils.union_relations does. -#}
{% macro union_focus_relations(relations) %}
    {%- set spec = mlcost.focus_columns() %}
    {%- for relation in relations %}
        {%- set present = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list if execute else [] %}
    select
        {%- for column_spec in spec %}
        {%- if column_spec.name in present %}
        cast({{ column_spec.name }} as {{ mlcost.spec_sql_type(column_spec.type) }}) as {{ column_spec.name }}
        {%- else %}
        cast(null as {{ mlcost.spec_sql_type(column_spec.type) }}) as {{ column_spec.name }}
        {%- endif %}
        {{- "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}
