{#- A continuous percentile (0 to 1) of expression as an aggregate. Ordered-set aggregates
    (`percentile_cont(p) within group (order by x)`) are the standard; DuckDB spells it
    quantile_cont, which also works as a window function. -#}
{% macro percentile_cont(expression, fraction) %}
    {{ return(adapter.dispatch('percentile_cont', 'mlcost')(expression, fraction)) }}
{% endmacro %}

{% macro default__percentile_cont(expression, fraction) -%}
    percentile_cont({{ fraction }}) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__percentile_cont(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}
