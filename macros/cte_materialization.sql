{#- A CTE read twice that DuckDB should compute twice rather than hold whole: the unified
    cost table reads its lines once for every column and once for their distinct tags.
    Held whole, that CTE is every mapped line of the rebuilt periods in memory, which
    spills once it passes the memory limit; computed again, the second read maps only the
    tags column. Warehouses without the hint plan CTEs their own way. -#}
{% macro not_materialized() %}
    {{- return(adapter.dispatch('not_materialized', 'mlcost')()) -}}
{% endmacro %}

{% macro default__not_materialized() %}{% endmacro %}

{% macro duckdb__not_materialized() %}not materialized{% endmacro %}

{% macro postgres__not_materialized() %}not materialized{% endmacro %}
