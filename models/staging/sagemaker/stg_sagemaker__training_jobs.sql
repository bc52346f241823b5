{#- SageMaker training jobs from DescribeTrainingJob records, one row per training job:
    the API's fields renamed to snake_case, typed, and the tags mlcost reads lifted out. A
    record without a name or ARN carries x_quarantine_reason. -#}
{%- set fields = [
    ('training_job_name', ['TrainingJobName'], 'string'),
    ('training_job_arn', ['TrainingJobArn'], 'string'),
    ('training_job_status', ['TrainingJobStatus'], 'string'),
    ('secondary_status', ['SecondaryStatus'], 'string'),
    ('failure_reason', ['FailureReason'], 'string'),
    ('role_arn', ['RoleArn'], 'string'),
    ('instance_type', ['ResourceConfig', 'InstanceType'], 'string'),
    ('instance_count', ['ResourceConfig', 'InstanceCount'], 'integer'),
    ('volume_size_gb', ['ResourceConfig', 'VolumeSizeInGB'], 'integer'),
    ('created_at', ['CreationTime'], 'timestamp'),
    ('training_started_at', ['TrainingStartTime'], 'timestamp'),
    ('training_ended_at', ['TrainingEndTime'], 'timestamp'),
    ('training_time_seconds', ['TrainingTimeInSeconds'], 'integer'),
    ('billable_time_seconds', ['BillableTimeInSeconds'], 'integer'),
    ('is_managed_spot_training', ['EnableManagedSpotTraining'], 'boolean'),
    ('checkpoint_s3_uri', ['CheckpointConfig', 'S3Uri'], 'string'),
] %}
{%- set tags = [('job_id', 'job_id'), ('team', 'team'), ('project', 'project'),
                ('owner', 'owner')] %}
{#- Referenced even when unset, so lineage always shows the source. #}
{%- set source_relation = source('sagemaker', 'training_jobs') %}
{%- if not mlcost.source_is_configured('mlcost_sagemaker_training_jobs') %}
select
    {%- for name, path, type_name in fields %}
    cast(null as {{ mlcost.spec_sql_type(type_name) }}) as {{ name }},
    {%- endfor %}
    {%- for name, key in tags %}
    cast(null as {{ dbt.type_string() }}) as x_tag_{{ name }},
    {%- endfor %}
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
        {%- for name, key in tags %}
        {{ mlcost.json_tag_value('source.json', 'Tags', key) }} as x_tag_{{ name }},
        {%- endfor %}
        cast(source.filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

final as (

    select
        {%- for name, path, type_name in fields %}
        {%- if type_name == 'timestamp' %}
        {{ mlcost.parse_utc_timestamp('fields.' ~ name) }} as {{ name }},
        {%- elif type_name == 'string' %}
        fields.{{ name }},
        {%- else %}
        {{ mlcost.safe_cast_to('fields.' ~ name, type_name) }} as {{ name }},
        {%- endif %}
        {%- endfor %}
        {%- for name, key in tags %}
        fields.x_tag_{{ name }},
        {%- endfor %}
        fields.x_source_file,
        case
            when fields.training_job_name is null then 'missing training_job_name'
            when fields.training_job_arn is null then 'missing training_job_arn'
            when fields.training_started_at is not null
                and {{ mlcost.parse_utc_timestamp('fields.training_started_at') }} is null
                then 'unparseable training_started_at: ' || fields.training_started_at
        end as x_quarantine_reason
    from fields

)

select * from final
{%- endif %}
