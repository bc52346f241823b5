{#- Tags arrive as one column per key (legacy CUR `resourceTags/user:team`, Athena
    `resource_tags_user_team`) or as a map (CUR 2.0 `resource_tags`). Both become one JSON
    object of the non-empty tags with the keys as delivered (FOCUS `Tags`); key normalization
    and aliases happen downstream, where the alias seed is. -#}

{#- Tag columns of a delivered relation: [(key, column)], key = column name minus prefix. -#}
{% macro tag_columns(source_columns, prefix) %}
    {% set pairs = [] %}
    {% for column in source_columns %}
        {% if (column[:prefix | length] | lower) == (prefix | lower)
              and column | length > prefix | length %}
            {% do pairs.append((column[prefix | length:], column)) %}
        {% endif %}
    {% endfor %}
    {{ return(pairs) }}
{% endmacro %}


{% macro tags_json_from_columns(pairs) %}
    {{ return(adapter.dispatch('tags_json_from_columns', 'mlcost')(pairs)) }}
{% endmacro %}

{% macro default__tags_json_from_columns(pairs) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: tags_json_from_columns has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__tags_json_from_columns in macros/tags.sql") }}
{% endmacro %}

{#- DuckDB: a list of key/value structs, empty values filtered out, folded into a map. -#}
{% macro duckdb__tags_json_from_columns(pairs) %}
    {%- if pairs | length == 0 -%}
    cast('{}' as json)
    {%- else -%}
    cast(to_json(map_from_entries(list_filter([
        {%- for key, column in pairs %}
        {'key': '{{ key | replace("'", "''") }}', 'value': cast({{ adapter.quote(column) }} as varchar)}
        {{- "," if not loop.last }}
        {%- endfor %}
    ], lambda tag: tag.value is not null and trim(tag.value) != ''))) as json)
    {%- endif -%}
{% endmacro %}


{% macro tags_json_from_map(map_column) %}
    {{ return(adapter.dispatch('tags_json_from_map', 'mlcost')(map_column)) }}
{% endmacro %}

{% macro default__tags_json_from_map(map_column) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: tags_json_from_map has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__tags_json_from_map in macros/tags.sql") }}
{% endmacro %}

{#- Most maps have no empty value: checking that first is three times cheaper than
    rebuilding every map without its empty values. -#}
{% macro duckdb__tags_json_from_map(map_column) %}
    cast(case
        when list_bool_and(list_transform(
            map_values({{ map_column }}),
            lambda tag_value: tag_value is not null and trim(tag_value) != ''
        ))
            then to_json({{ map_column }})
        else to_json(map_from_entries(list_filter(
            map_entries({{ map_column }}),
            lambda tag: tag.value is not null and trim(tag.value) != ''
        )))
    end as json)
{% endmacro %}


{#- The value of the first of several tag keys present (spellings of one tag). -#}
{% macro tag_value(tags_column, keys) %}
    coalesce(
    {%- for key in keys %}
        nullif({{ mlcost.json_text(tags_column, key) }}, ''),
    {%- endfor %}
        null
    )
{% endmacro %}


{#- The text value of one top-level key of a JSON object held as text. -#}
{% macro json_text(json_column, key) %}
    {{ return(adapter.dispatch('json_text', 'mlcost')(json_column, key)) }}
{% endmacro %}

{% macro default__json_text(json_column, key) %}
    json_extract_path_text({{ json_column }}, '{{ key }}')
{% endmacro %}

{% macro duckdb__json_text(json_column, key) %}
    json_extract_string({{ json_column }}, '$."{{ key }}"')
{% endmacro %}


{#- Azure writes Tags as JSON, except EA exports, which drop the outer braces
    (`"team": "nlp","env": "prod"`). Both become a JSON object; text that is still not
    JSON becomes null rather than failing the build. -#}
{% macro azure_tags_json(tags_column) %}
    {{ return(adapter.dispatch('azure_tags_json', 'mlcost')(tags_column)) }}
{% endmacro %}

{% macro default__azure_tags_json(tags_column) %}
    case
        when {{ tags_column }} is null or trim({{ tags_column }}) = '' then '{}'
        when substr(trim({{ tags_column }}), 1, 1) = '{' then trim({{ tags_column }})
        else '{' || trim({{ tags_column }}) || '}'
    end
{% endmacro %}

{% macro duckdb__azure_tags_json(tags_column) %}
    (case
        when {{ tags_column }} is null or trim({{ tags_column }}) = '' then '{}'
        when json_valid(trim({{ tags_column }})) then trim({{ tags_column }})
        when json_valid('{' || trim({{ tags_column }}) || '}')
            then '{' || trim({{ tags_column }}) || '}'
    end)
{% endmacro %}


{#- A tag key in normalized form: trimmed, lowercase, `-`, space, `:` and `.` as `_`, the
    `user:` / `user_` prefix of AWS user-defined tags dropped. Portable string functions. -#}
{% macro normalized_tag_key(key_column) %}
    {%- set lowered = "lower(trim(" ~ key_column ~ "))" %}
    {%- set unprefixed %}
    case
        when {{ lowered }} like 'user:%' or {{ lowered }} like 'user\_%' escape '\'
            then substr({{ lowered }}, 6)
        else {{ lowered }}
    end
    {%- endset %}
    replace(replace(replace(replace(
        {{ unprefixed }}, '-', '_'), ' ', '_'), ':', '_'), '.', '_')
{% endmacro %}


{#- One row per key of a JSON object of tags: key and text value. -#}
{% macro json_object_entries(relation_alias, json_column) %}
    {{ return(adapter.dispatch('json_object_entries', 'mlcost')(relation_alias, json_column)) }}
{% endmacro %}

{% macro default__json_object_entries(relation_alias, json_column) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: json_object_entries has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__json_object_entries in macros/tags.sql") }}
{% endmacro %}

{#- DuckDB: json_keys lists the keys; unnest makes them rows. -#}
{% macro duckdb__json_object_entries(relation_alias, json_column) %}
    select
        {{ relation_alias }}.*,
        tag_key,
        json_extract_string({{ relation_alias }}.{{ json_column }}, '$."' || replace(tag_key, '"', '\"') || '"')
            as tag_value
    from {{ relation_alias }},
        unnest(json_keys(cast({{ relation_alias }}.{{ json_column }} as json))) as entries (tag_key)
{% endmacro %}


{#- Fold key/value rows into one JSON object (text). -#}
{% macro json_object_agg(key_column, value_column) %}
    {{ return(adapter.dispatch('json_object_agg', 'mlcost')(key_column, value_column)) }}
{% endmacro %}

{% macro default__json_object_agg(key_column, value_column) %}
    cast(json_object_agg({{ key_column }}, {{ value_column }}) as {{ dbt.type_string() }})
{% endmacro %}

{#- Keys in sorted order, so the same tags always give the same text and rebuilds are
    identical (a parallel aggregate has no order; json_group_object takes no ORDER BY).
    Keys must be unique per group, as the caller guarantees. -#}
{% macro duckdb__json_object_agg(key_column, value_column) %}
    cast(to_json(map_from_entries(list(
        {'key': {{ key_column }}, 'value': {{ value_column }}} order by {{ key_column }}
    ))) as {{ dbt.type_string() }})
{% endmacro %}
