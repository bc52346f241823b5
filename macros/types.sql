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


{#- Quantities that are summed (hours, GPU-hours, GB, seconds, usage units): a decimal, so a
    sum does not depend on the order the engine adds rows in. Doubles summed in parallel
    differ in their last bits from one build to the next (3240.7683333333334 vs
    3240.768333333333 GPU-hours); decimal sums are exact, and the marts show the exact sum
    as a double. Ten decimal places keep a second as hours (1/3600) to 1e-10. -#}
{% macro type_quantity() %}
    {{ return(adapter.dispatch('type_quantity', 'mlcost')()) }}
{% endmacro %}

{% macro default__type_quantity() %}numeric(38, 10){% endmacro %}

{% macro duckdb__type_quantity() %}decimal(38, 10){% endmacro %}


{#- sum() of a double quantity that two builds of the same data give identically: the
    values are summed as mlcost.type_quantity(), and the exact sum is returned as a double
    (a double converted from one decimal is the same every time). A value no decimal holds
    (NaN, infinity, beyond 1e27: an odd export) is added as a double, as before, so it shows
    in the result instead of failing the build; only then may the last bits vary. Every sum
    over doubles uses this, also over a column that came from one. `over`: the window
    clause's content, for use as a window aggregate. -#}
{% macro exact_sum(expression, over=none) -%}
    {%- set window = ' over (' ~ over ~ ')' if over else '' -%}
    {%- set in_range = '(' ~ expression ~ ') between -1e27 and 1e27' -%}
    (case when count({{ expression }}){{ window }} > 0 then
        coalesce(cast(
            sum(cast(
                case when {{ in_range }} then {{ expression }} end
                as {{ mlcost.type_quantity() }}
            )){{ window }}
            as {{ mlcost.type_double() }}
        ), 0)
        + coalesce(sum(case when not ({{ in_range }}) then {{ expression }} end){{ window }}, 0)
    end)
{%- endmacro %}

{#- avg() likewise: the exact sum over the count of values. -#}
{% macro exact_avg(expression) -%}
    ({{ mlcost.exact_sum(expression) }}) / nullif(count({{ expression }}), 0)
{%- endmacro %}
