{#- The three AWS CUR formats differ only in column spelling and in how tags arrive; this
    body is shared so that each staging model states just those differences. -#}
{% macro aws_cur_staging_extra_columns() %}
    {{ return([
        ('tags', 'string'),
        ('x_source_format', 'string'),
        ('x_source_file', 'string'),
        ('x_line_key', 'string'),
        ('x_quarantine_reason', 'string'),
    ]) }}
{% endmacro %}


{#- Tags come either as one column per key (`tag_column_prefix`) or as one map column
    (`tag_map_column`). -#}
{% macro aws_cur_staging(var_name, source_format, source_relation, tag_column_prefix=none, tag_map_column=none) %}
{%- set spec = mlcost.aws_cur_columns() %}
{%- set source_relation = mlcost.export_relation_to_stage(var_name, source_relation) %}
{%- set stand_in = mlcost.stand_in_staging_select(
    spec, mlcost.aws_cur_staging_extra_columns(), var_name, source_format, source_relation) %}
{%- if stand_in %}
{{ stand_in }}
{%- else %}
{%- set source_column_types = mlcost.get_source_column_types(source_relation) %}
{%- set source_columns = source_column_types | list %}
{#- Parquet delivers costs and timestamps typed: those skip the text round trip. #}
{%- set delivered_types = mlcost.delivered_column_types(source_column_types, spec) %}

with source as (

    select * from {{ source_relation }}

),

raw as (

    select
        {{ mlcost.select_raw_columns(source_columns, spec, source_format ~ " export at " ~ var(var_name)) }},
        {% if tag_map_column is not none and tag_map_column | lower in source_columns | map('lower') | list -%}
        {{ mlcost.tags_json_from_map(adapter.quote(tag_map_column)) }}
        {%- else -%}
        {{ mlcost.tags_json_from_columns(mlcost.tag_columns(source_columns, tag_column_prefix or '')) if tag_column_prefix else "cast('{}' as " ~ dbt.type_string() ~ ")" }}
        {%- endif %} as tags,
        cast(filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

final as (

    select
        {{ mlcost.select_typed_columns(spec, delivered_types=delivered_types) }},
        cast(raw.tags as {{ dbt.type_string() }}) as tags,
        '{{ source_format }}' as x_source_format,
        raw.x_source_file,
        {{ dbt.hash(dbt.concat([
            "'" ~ source_format ~ "'", "'|'",
            "coalesce(raw.identity_line_item_id, '')", "'|'",
            "coalesce(cast(raw.identity_time_interval as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(raw.bill_billing_period_start_date as " ~ dbt.type_string() ~ "), '')",
        ])) }} as x_line_key,
        {{ mlcost.quarantine_reason(spec, delivered_types=delivered_types) }} as x_quarantine_reason
    from raw

)

select * from final
{%- endif %}
{% endmacro %}
