{#- GCP's nested fields: key/value label arrays and the credits array. Engine-specific list
    functions, so dispatched. -#}

{#- Resource labels over project labels, as one JSON object: a resource without a label
    inherits its project's. Labels with an empty value are dropped; a key repeated within
    one array (a merged or hand-edited extract) keeps its last value rather than crash
    the build. -#}
{% macro gcp_labels_json(project_labels, labels) %}
    {{ return(adapter.dispatch('gcp_labels_json', 'mlcost')(project_labels, labels)) }}
{% endmacro %}

{% macro duckdb__gcp_labels_json(project_labels, labels) %}
    cast(to_json(map_concat(
        map_from_entries({{ mlcost.duckdb__gcp_last_label_per_key(project_labels) }}),
        map_from_entries({{ mlcost.duckdb__gcp_last_label_per_key(labels) }})
    )) as varchar)
{% endmacro %}

{#- The labels with a key and a value, each key once: its last occurrence. -#}
{% macro duckdb__gcp_last_label_per_key(labels) %}
{%- set kept -%}
coalesce(list_filter({{ labels }},
    lambda label: label.key is not null and coalesce(label.value, '') != ''), [])
{%- endset -%}
list_filter({{ kept }}, lambda label, position: not list_contains(
    list_transform(({{ kept }})[position + 1:], lambda later: later.key), label.key))
{%- endmacro %}


{#- One value of a key/value array (system_labels), or null. -#}
{% macro gcp_label_value(labels, key) %}
    {{ return(adapter.dispatch('gcp_label_value', 'mlcost')(labels, key)) }}
{% endmacro %}

{% macro duckdb__gcp_label_value(labels, key) %}
    list_filter({{ labels }}, lambda label: label.key = '{{ key }}')[1].value
{% endmacro %}


{#- Sum of the credit amounts of a row (negative), optionally of some credit types only. -#}
{% macro gcp_credits_total(credits, types=none) %}
    {{ return(adapter.dispatch('gcp_credits_total', 'mlcost')(credits, types)) }}
{% endmacro %}

{% macro duckdb__gcp_credits_total(credits, types) %}
    coalesce(list_sum(list_transform(
        {%- if types %}
        list_filter({{ credits }}, lambda credit: credit.type in ('{{ types | join("', '") }}')),
        {%- else %}
        {{ credits }},
        {%- endif %}
        lambda credit: try_cast(credit.amount as {{ mlcost.type_money() }})
    )), 0)
{% endmacro %}


{#- The whole nested value as JSON text, for hashing and for keeping raw values. -#}
{% macro to_json_text(expression) %}
    {{ return(adapter.dispatch('to_json_text', 'mlcost')(expression)) }}
{% endmacro %}

{% macro duckdb__to_json_text(expression) %}
    cast(to_json({{ expression }}) as varchar)
{% endmacro %}


{#- A nested value the flattened CSV carries as text (`credits`, `labels`,
    `project.labels`, `system_labels`), as the array of structs the NDJSON read gives:
    JSON as it is, a Python repr (single quotes, None, True/False) converted first, empty
    text an empty array. Null when the text is neither: the row says so in
    gcp_nested_parse_reason instead of losing its credits. `fields` names the struct's
    fields (all read as text). -#}
{% macro gcp_nested_array(text, fields) %}
    {{ return(adapter.dispatch('gcp_nested_array', 'mlcost')(text, fields)) }}
{% endmacro %}

{% macro duckdb__gcp_nested_array(text, fields) %}
    {%- set json_text = mlcost.python_repr_to_json(text) %}
    case
        when nullif(trim({{ text }}), '') is null then []
        when json_valid({{ json_text }}) and json_type({{ json_text }}) = 'ARRAY'
            then try(from_json({{ json_text }},
                '[{ {%- for field in fields -%}
                "{{ field }}": "VARCHAR"{{ ", " if not loop.last }}
                {%- endfor -%} }]'))
    end
{% endmacro %}


{#- Why a nested text value did not parse, or null. -#}
{% macro gcp_nested_parse_reason(text, parsed, label) %}
    case
        when {{ parsed }} is null
            then {{ dbt.concat(["'unparseable " ~ label ~ ": '", text]) }}
    end
{% endmacro %}


{#- A Python repr of lists, dicts and scalars (what `str()` of a BigQuery row's nested
    field gives: `[{'amount': -5e-06, 'full_name': None}]`) as JSON text; JSON passes
    through untouched. Quoted strings become double-quoted when they contain no quote or
    backslash (a repr string holding a quote is already double-quoted, so valid JSON);
    None, True and False become null, true, false only where a value stands (after `[`,
    `,` or `:`, before `,`, `]` or `}`; a string holding `: None,` itself would change
    too). Text still not JSON (a string with both quote kinds, nan) stays invalid and is
    quarantined. -#}
{% macro python_repr_to_json(text) %}
    {{ return(adapter.dispatch('python_repr_to_json', 'mlcost')(text)) }}
{% endmacro %}

{#- DuckDB: regexp_replace needs the 'g' option to replace every match; a value next to
    another (`[None, None]`) shares its delimiter, so the keyword pass runs twice. -#}
{% macro duckdb__python_repr_to_json(text) %}
    {%- set quoted = "regexp_replace(" ~ text ~ ", '''([^''\"\\\\]*)''', '\"\\1\"', 'g')" %}
    {%- set ns = namespace(converted=quoted) %}
    {%- for _ in range(2) %}
    {%- for python, json in [('None', 'null'), ('True', 'true'), ('False', 'false')] %}
    {%- set ns.converted = "regexp_replace(" ~ ns.converted ~ ", '([\\[:,]\\s*)" ~ python
        ~ "(\\s*[,}\\]])', '\\1" ~ json ~ "\\2', 'g')" %}
    {%- endfor %}
    {%- endfor %}
    (case
        when json_valid(trim({{ text }})) then trim({{ text }})
        else {{ ns.converted }}
    end)
{% endmacro %}
