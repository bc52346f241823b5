{#- Reading JSON records (SageMaker DescribeTrainingJob responses) kept as JSON text: a
    field that a record lacks is null, so optional fields (FailureReason, TrainingEndTime)
    never break the read. path is a list of keys: ['ResourceConfig', 'InstanceType']. -#}
{% macro json_field_text(json_column, path) %}
    {{ return(adapter.dispatch('json_field_text', 'mlcost')(json_column, path)) }}
{% endmacro %}

{% macro default__json_field_text(json_column, path) -%}
    json_extract_path_text({{ json_column }}, '{{ path | join("', '") }}')
{%- endmacro %}

{% macro duckdb__json_field_text(json_column, path) -%}
    json_extract_string({{ json_column }}, '$.{{ path | join(".") }}')
{%- endmacro %}


{#- The Value of the {"Key": key, "Value": ...} entry of a JSON list of tags (AWS API
    shape). DuckDB: parse the list into structs and filter it with a lambda. -#}
{% macro json_tag_value(json_column, list_key, key) %}
    {{ return(adapter.dispatch('json_tag_value', 'mlcost')(json_column, list_key, key)) }}
{% endmacro %}

{% macro default__json_tag_value(json_column, list_key, key) -%}
    cast(null as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__json_tag_value(json_column, list_key, key) -%}
    list_filter(
        from_json(
            json_extract({{ json_column }}, '$.{{ list_key }}'),
            '[{"Key": "VARCHAR", "Value": "VARCHAR"}]'
        ),
        lambda tag: tag.Key = '{{ key }}'
    )[1].Value
{%- endmacro %}


{#- Epoch milliseconds (MLflow's times) as a UTC timestamp without zone. -#}
{% macro epoch_ms_to_timestamp(expression) %}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'mlcost')(expression)) }}
{% endmacro %}

{% macro default__epoch_ms_to_timestamp(expression) -%}
    {{ dbt.dateadd('millisecond', expression, "cast('1970-01-01' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}

{% macro duckdb__epoch_ms_to_timestamp(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) * 1000)
{%- endmacro %}
