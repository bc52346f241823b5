{#- GCP's nested fields: key/value label arrays and the credits array. Engine-specific list
    functions, so dispatched. -#}

{#- Resource labels over project labels, as one JSON object: a resource without a label
    inherits its project's. -#}
{% macro gcp_labels_json(project_labels, labels) %}
    {{ return(adapter.dispatch('gcp_labels_json', 'mlcost')(project_labels, labels)) }}
{% endmacro %}

{% macro duckdb__gcp_labels_json(project_labels, labels) %}
    cast(to_json(map_concat(
        map_from_entries(coalesce(list_filter({{ project_labels }},
            lambda label: label.key is not null and coalesce(label.value, '') != ''), [])),
        map_from_entries(coalesce(list_filter({{ labels }},
            lambda label: label.key is not null and coalesce(label.value, '') != ''), []))
    )) as varchar)
{% endmacro %}


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
