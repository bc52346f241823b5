{#- Money is one decimal type everywhere: CUR carries up to 10 decimal places, and sums of
    millions of lines must reconcile to the cent, which floats do not promise. -#}
{% macro type_money() %}
    {{ return(adapter.dispatch('type_money', 'mlcost')()) }}
{% endmacro %}

{% macro default__type_money() %}numeric(38, 10){% endmacro %}

{% macro duckdb__type_money() %}decimal(38, 10){% endmacro %}


{#- Quantities and ratios: 64-bit floats. mlcost.type_double() is a 4-byte float on DuckDB. -#}
{% macro type_double() %}
    {{ return(adapter.dispatch('type_double', 'mlcost')()) }}
{% endmacro %}

{% macro default__type_double() %}double precision{% endmacro %}

{% macro duckdb__type_double() %}double{% endmacro %}


{#- A cast that yields null instead of failing. dbt.safe_cast is a plain cast on DuckDB. -#}
{% macro try_cast(expression, sql_type) %}
    {{ return(adapter.dispatch('try_cast', 'mlcost')(expression, sql_type)) }}
{% endmacro %}

{% macro default__try_cast(expression, sql_type) %}{{ dbt.safe_cast(expression, sql_type) }}{% endmacro %}

{% macro duckdb__try_cast(expression, sql_type) %}try_cast({{ expression }} as {{ sql_type }}){% endmacro %}
