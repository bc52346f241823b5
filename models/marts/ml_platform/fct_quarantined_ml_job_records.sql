{#- Job contract rows mlcost could not use (a timestamp or number that does not parse, a
    required value missing, an attempt ending before it starts, a metric row of an unknown
    attempt or a duplicate key, serving traffic of an unknown endpoint or an hour no
    attempt of it ran), with the reason and the file. They are left out of the job marts; this table says which and why. -#}
with jobs as (

    select * from {{ ref('stg_ml_jobs__jobs') }}

),

attempts as (

    select * from {{ ref('stg_ml_jobs__job_attempts') }}

),

attempt_nodes as (

    select * from {{ ref('stg_ml_jobs__attempt_nodes') }}

),

checkpoints as (

    select * from {{ ref('stg_ml_jobs__checkpoints') }}

),

metric_history as (

    select * from {{ ref('stg_ml_jobs__metric_history') }}

),

serving_traffic as (

    select * from {{ ref('int_ml_serving_traffic_unioned') }}
    where x_quarantine_reason is not null

),

endpoint_metric_records as (

    select * from {{ ref('stg_sagemaker__endpoint_invocation_metrics') }}
    where x_quarantine_reason is not null

),

attempts_known as (

    select * from {{ ref('int_ml_job_attempts_unioned') }}

),

{# A metric row of an attempt no source knows parses, but nothing can use it. -#}
metric_history_checked as (

    select
        metric_history.attempt_id,
        metric_history.metric_name,
        metric_history.step,
        metric_history.x_source_file,
        coalesce(
            metric_history.x_quarantine_reason,
            case when attempts_known.attempt_id is null then 'unknown attempt' end
        ) as x_quarantine_reason
    from metric_history
    left join attempts_known
        on metric_history.attempt_id = attempts_known.attempt_id

),

quarantined as (

    select
        'job' as record_type,
        job_id as record_id,
        job_id,
        x_source_file,
        x_quarantine_reason
    from jobs
    where x_quarantine_reason is not null
    union all
    select
        'attempt' as record_type,
        attempt_id as record_id,
        job_id,
        x_source_file,
        x_quarantine_reason
    from attempts
    where x_quarantine_reason is not null
    union all
    select
        'attempt_node' as record_type,
        {{ dbt.concat([
            "coalesce(attempt_id, '')", "'|'",
            "coalesce(cast(node_index as " ~ dbt.type_string() ~ "), '')",
        ]) }} as record_id,
        cast(null as {{ dbt.type_string() }}) as job_id,
        x_source_file,
        x_quarantine_reason
    from attempt_nodes
    where x_quarantine_reason is not null
    union all
    select
        'checkpoint' as record_type,
        checkpoint_id as record_id,
        job_id,
        x_source_file,
        x_quarantine_reason
    from checkpoints
    where x_quarantine_reason is not null
    union all
    select
        'metric_history' as record_type,
        {{ dbt.concat([
            "coalesce(attempt_id, '')", "'|'", "coalesce(metric_name, '')", "'|'",
            "coalesce(cast(step as " ~ dbt.type_string() ~ "), '')",
        ]) }} as record_id,
        cast(null as {{ dbt.type_string() }}) as job_id,
        x_source_file,
        x_quarantine_reason
    from metric_history_checked
    where x_quarantine_reason is not null
    union all
    {#- Serving traffic: staging's reasons, an unknown endpoint, an hour no attempt of the
        endpoint ran in, a row both sources delivered (int_ml_serving_traffic_unioned). #}
    select
        'serving_traffic' as record_type,
        {{ dbt.concat([
            "coalesce(endpoint_id, '')", "'|'",
            "coalesce(cast(hour_started_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(tenant, '')", "'|'", "coalesce(model_name, '')",
        ]) }} as record_id,
        job_id,
        x_source_file,
        x_quarantine_reason
    from serving_traffic
    union all
    select
        'serving_traffic' as record_type,
        {{ dbt.concat([
            "coalesce(endpoint_name, '')", "'|'", "coalesce(variant_name, '')", "'|'",
            "coalesce(metric_name, '')", "'|'",
            "coalesce(cast(period_start_at as " ~ dbt.type_string() ~ "), '')",
        ]) }} as record_id,
        cast(null as {{ dbt.type_string() }}) as job_id,
        x_source_file,
        x_quarantine_reason
    from endpoint_metric_records

),

final as (

    select
        {#- Rows missing their id share the other parts: numbered apart. #}
        {{ dbt.concat([
            "record_type", "'|'", "coalesce(record_id, '')", "'|'",
            "coalesce(x_source_file, '')", "'|'",
            "cast(row_number() over (partition by record_type, record_id, x_source_file"
            ~ " order by x_quarantine_reason) as " ~ dbt.type_string() ~ ")",
        ]) }} as quarantined_record_id,
        record_type,
        record_id,
        job_id,
        x_source_file,
        x_quarantine_reason
    from quarantined

)

select * from final
