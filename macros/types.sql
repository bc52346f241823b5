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

{% macro default__type_double() %}{{ mlcost.type_double() }}{% endmacro %}

{% macro duckdb__type_double() %}double{% endmacro %}
