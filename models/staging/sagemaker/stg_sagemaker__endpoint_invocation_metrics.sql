{#- SageMaker endpoint invocation metrics from a CloudWatch metric stream (JSON output
    format, as Firehose writes it to S3): one row per record of namespace AWS/SageMaker and
    metric Invocations, Invocation4XXErrors or Invocation5XXErrors, i.e. per endpoint,
    variant, metric and period (a minute); the stream's other metrics are not traffic and
    are not read. value_sum is the count of the period. A record without an endpoint, a
    time or a count that parses, a negative count, or a record Firehose delivered twice
    (its delivery is at least once: the later copies) carries x_quarantine_reason. -#}
{%- set fields = [
    ('metric_stream_name', ['metric_stream_name'], 'string'),
    ('account_id', ['account_id'], 'string'),
    ('region', ['region'], 'string'),
    ('namespace', ['namespace'], 'string'),
    ('metric_name', ['metric_name'], 'string'),
    ('endpoint_name', ['dimensions', 'EndpointName'], 'string'),
    ('variant_name', ['dimensions', 'VariantName'], 'string'),
    ('timestamp_ms', ['timestamp'], 'integer'),
    ('value_sum', ['value', 'sum'], 'number'),
    ('value_count', ['value', 'count'], 'number'),
    ('unit', ['unit'], 'string'),
] %}
{%- set metrics = ['Invocations', 'Invocation4XXErrors', 'Invocation5XXErrors'] %}
{#- Referenced even when unset, so lineage always shows the source. #}
{%- set source_relation = source('sagemaker', 'endpoint_metrics') %}
{%- if not mlcost.source_is_configured('mlcost_sagemaker_endpoint_metrics') %}
select
    {%- for name, path, type_name in fields if name != 'timestamp_ms' %}
    cast(null as {{ mlcost.spec_sql_type(type_name) }}) as {{ name }},
    {%- endfor %}
    cast(null as {{ dbt.type_timestamp() }}) as period_start_at,
    cast(null as {{ dbt.type_string() }}) as x_source_file,
    cast(null as {{ dbt.type_string() }}) as x_quarantine_reason
where 1 = 0
{%- else %}

with source as (

    select * from {{ source_relation }}

),

fields as (

    select
        {%- for name, path, type_name in fields %}
        {{ mlcost.json_field_text('source.json', path) }} as {{ name }},
        {%- endfor %}
        cast(source.filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

invocation_records as (

    select *
    from fields
    where namespace = 'AWS/SageMaker'
        and metric_name in (
            {%- for metric in metrics %}
            '{{ metric }}'{{ ',' if not loop.last }}
            {%- endfor %}
        )

),

typed as (

    select
        {%- for name, path, type_name in fields if name != 'timestamp_ms' %}
        {%- if type_name == 'string' %}
        invocation_records.{{ name }},
        {%- else %}
        {{ mlcost.safe_cast_to('invocation_records.' ~ name, type_name) }} as {{ name }},
        {%- endif %}
        {%- endfor %}
        {{ mlcost.epoch_ms_to_timestamp(
            mlcost.safe_cast_to('invocation_records.timestamp_ms', 'integer')) }}
            as period_start_at,
        invocation_records.x_source_file
    from invocation_records

),

checked as (

    select
        typed.*,
        case
            when endpoint_name is null then 'missing dimensions.EndpointName'
            when period_start_at is null then 'missing or unparseable timestamp'
            when value_sum is null then 'missing or unparseable value.sum'
            when value_sum < 0 then 'negative value.sum'
        end as x_quarantine_reason
    from typed

),

final as (

    select
        {%- for name, path, type_name in fields if name != 'timestamp_ms' %}
        {{ name }},
        {%- endfor %}
        period_start_at,
        x_source_file,
        coalesce(
            x_quarantine_reason,
            case
                when row_number() over (
                    partition by
                        account_id, region, endpoint_name, variant_name, metric_name,
                        period_start_at, x_quarantine_reason
                    order by x_source_file, value_sum desc
                ) > 1
                    then 'duplicate record of the metric stream: the first file''s is kept'
            end
        ) as x_quarantine_reason
    from checked

)

select * from final
{%- endif %}
