{#- Tag keys as rows, for matching them against the tag_policy seed. -#}

{#- One row per key of a JSON object column (use in a select list). -#}
{% macro json_keys_unnested(json_column) %}
    {{ return(adapter.dispatch('json_keys_unnested', 'mlcost')(json_column)) }}
{% endmacro %}

{% macro default__json_keys_unnested(json_column) %}
    json_object_keys({{ json_column }})
{% endmacro %}

{#- DuckDB: json_keys gives the list of top-level keys; unnest makes rows of it. -#}
{% macro duckdb__json_keys_unnested(json_column) %}
    unnest(json_keys({{ json_column }}))
{% endmacro %}


{#- The text value of a key held in a column (json_text takes a literal key). -#}
{% macro json_text_dynamic(json_column, key_expression) %}
    {{ return(adapter.dispatch('json_text_dynamic', 'mlcost')(json_column, key_expression)) }}
{% endmacro %}

{% macro default__json_text_dynamic(json_column, key_expression) %}
    json_extract_path_text({{ json_column }}, {{ key_expression }})
{% endmacro %}

{#- DuckDB: a JSONPath built from the key, quoted so dots and dashes stay in the key. -#}
{% macro duckdb__json_text_dynamic(json_column, key_expression) %}
    json_extract_string({{ json_column }}, concat('$."', {{ key_expression }}, '"'))
{% endmacro %}

