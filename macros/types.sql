{#- Money is one decimal type everywhere: CUR carries up to 10 decimal places, and sums of
    millions of lines must reconcile to the cent, which floats do not promise. -#}
{% macro type_money() %}
    {{ return(adapter.dispatch('type_money', 'mlcost')()) }}
{% endmacro %}

{% macro default__type_money() %}numeric(38, 10){% endmacro %}

{% macro duckdb__type_money() %}decimal(38, 10){% endmacro %}
