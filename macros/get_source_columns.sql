{#- Column names (as delivered, original case) of a source relation, at compile time.
    DuckDB sources here are table functions over files (read_csv, read_parquet), which
    information_schema does not know, so DuckDB describes the query instead. -#}
{% macro get_source_columns(relation) %}
    {{ return(adapter.dispatch('get_source_columns', 'mlcost')(relation)) }}
{% endmacro %}

{% macro default__get_source_columns(relation) %}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set columns = adapter.get_columns_in_relation(relation) %}
    {{ return(columns | map(attribute='name') | list) }}
{% endmacro %}

{% macro duckdb__get_source_columns(relation) %}
    {% if not execute %}{{ return([]) }}{% endif %}
    {% set result = run_query('describe select * from ' ~ relation ~ ' limit 0') %}
    {{ return(result.columns[0].values() | list) }}
{% endmacro %}
