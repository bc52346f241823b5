{#- The last statement of every dbt run and build (on-run-end in dbt_project.yml). DuckDB
    writes committed changes to a write-ahead log (<database>.wal) and merges it into the
    database file at a checkpoint; the checkpoint it makes on closing fails silently when
    the disk is full, leaving the build "Completed successfully" with the log unmerged.
    Checkpointing here turns that failed write into a failed build, naming the file.
    Warehouses persist on commit: nothing to do there. -#}
{% macro checkpoint_database() %}
    {{ return(adapter.dispatch('checkpoint_database', 'mlcost')()) }}
{% endmacro %}

{% macro default__checkpoint_database() %}{% endmacro %}

{% macro duckdb__checkpoint_database() %}checkpoint{% endmacro %}
