{#- A CTE of billing lines that a query reads more than once, which DuckDB should compute
    again at each read rather than hold whole. DuckDB holds a CTE read twice (and, once
    that CTE is inlined, the CTEs it reads), so a chain of line-level CTEs (staged lines,
    the delivery counted, the format preferred) would each be every line of the rebuilt
    periods in memory, spilled past the memory limit and read back. Computed again, each
    read is a scan of a table with only the columns that read needs. At 9.9M lines the
    unified cost table went from 159 s and 15 GiB to 56 s and 4.5 GiB. Warehouses without
    the hint plan CTEs their own way. -#}
{% macro not_materialized() %}
    {{- return(adapter.dispatch('not_materialized', 'mlcost')()) -}}
{% endmacro %}

{% macro default__not_materialized() %}{% endmacro %}

{% macro duckdb__not_materialized() %}not materialized{% endmacro %}

{% macro postgres__not_materialized() %}not materialized{% endmacro %}
