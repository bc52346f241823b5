{#- Column names (as delivered, original case) of a source relation, at compile time: the
    names of get_source_column_types, so a source is described one way. DuckDB sources here
    are table functions over files (read_csv, read_parquet), which information_schema does
    not know, so DuckDB describes the query instead. -#}
{% macro get_source_columns(relation) %}
    {{ return(mlcost.get_source_column_types(relation).keys() | list) }}
{% endmacro %}


{#- Column names and types of a source relation, at compile time: {name: type}, names as
    delivered, types as the engine names them (DuckDB: `DOUBLE`, `TIMESTAMP`,
    `DECIMAL(18,2)`...). Staging reads a column that already has its target type directly
    instead of through text (macro typed_delivered_value). -#}
{% macro get_source_column_types(relation) %}
    {{ return(adapter.dispatch('get_source_column_types', 'mlcost')(relation)) }}
{% endmacro %}

{% macro default__get_source_column_types(relation) %}
    {% if not execute %}{{ return({}) }}{% endif %}
    {% set types = {} %}
    {% for column in adapter.get_columns_in_relation(relation) %}
        {% do types.update({column.name: column.data_type}) %}
    {% endfor %}
    {{ return(types) }}
{% endmacro %}

{% macro duckdb__get_source_column_types(relation) %}
    {% if not execute %}{{ return({}) }}{% endif %}
    {% set result = run_query('describe select * from ' ~ relation ~ ' limit 0') %}
    {% set types = {} %}
    {% for row in result.rows %}
        {% do types.update({row[0]: row[1]}) %}
    {% endfor %}
    {{ return(types) }}
{% endmacro %}
