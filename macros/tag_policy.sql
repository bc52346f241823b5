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


{#- A tag key in the form the tag_policy seed lists aliases: lowercase, `-`, `:` and spaces
    as `_`, without the `user_` prefix AWS puts on user-defined cost allocation tags
    (`user:Team`, `user_team`, `Team`, `team` all become `team`). Plain SQL. -#}
{% macro normalized_tag_key(key_expression) %}
{%- set folded -%}
replace(replace(replace(lower({{ key_expression }}), '-', '_'), ':', '_'), ' ', '_')
{%- endset -%}
(
    case
        when substring({{ folded }}, 1, 5) = 'user_' then substring({{ folded }}, 6)
        else {{ folded }}
    end
)
{% endmacro %}
