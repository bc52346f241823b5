{#- A raw export is configured when its var holds a path or glob. An unset var means the
    company does not have that export: its staging model is empty rather than failing. -#}
{% macro source_is_configured(var_name) %}
    {% set value = var(var_name, '') %}
    {{ return(value is not none and (value | string | trim) != '') }}
{% endmacro %}


{#- The path a staging model reads, for the x_source_file column of empty models. -#}
{% macro source_location(var_name) %}
    {{ return(var(var_name, '') | string | trim) }}
{% endmacro %}
