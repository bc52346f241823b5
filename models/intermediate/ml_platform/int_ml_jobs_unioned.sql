{#- Every job mlcost knows, on the job contract's columns, from the platform's contract
    tables, SageMaker training jobs and MLflow runs. A job in several sources counts once,
    taken whole (job, attempts, nodes) from the first source that has it: the contract
    tables (the platform's own record), then SageMaker (the billing resource's own record),
    then MLflow (tracking, often without resource ids). job_source says which. SageMaker
    training jobs of one job_id tag are its attempts; an untagged one is its own job. An
    MLflow run is an attempt of its mlcost.job_id tag, or its own job without one. -#}
{#- A table, not the folder's view: the job marts, attribution and their tests all read it;
    as a view each would read the platform's exports and deduplicate the sources again. -#}
{{ config(materialized='table') }}

with contract_jobs as (

    select * from {{ ref('stg_ml_jobs__jobs') }}
    where x_quarantine_reason is null

),

training_jobs as (

    select * from {{ ref('stg_sagemaker__training_jobs') }}
    where x_quarantine_reason is null

),

mlflow_runs as (

    select * from {{ ref('int_mlflow_runs_pivoted') }}

),

gpu_catalog as (

    select * from {{ ref('gpu_catalog') }}

),

sagemaker_attempts as (

    select
        training_jobs.*,
        coalesce(training_jobs.x_tag_job_id, training_jobs.training_job_name) as job_id,
        row_number() over (
            partition by coalesce(training_jobs.x_tag_job_id, training_jobs.training_job_name)
            order by training_jobs.training_started_at desc, training_jobs.training_job_arn desc
        ) as recency
    from training_jobs

),

sagemaker_jobs as (

    select
        sagemaker_attempts.job_id,
        sagemaker_attempts.training_job_name as job_name,
        'training' as job_type,
        sagemaker_attempts.x_tag_owner as user_email,
        sagemaker_attempts.x_tag_team as team,
        sagemaker_attempts.x_tag_project as project,
        cast(null as {{ dbt.type_string() }}) as model_name,
        'aws' as provider,  -- noqa: RF04
        {{ dbt.split_part('sagemaker_attempts.training_job_arn', "':'", 4) }} as region,
        sagemaker_attempts.instance_type,
        sagemaker_attempts.instance_count as node_count,
        gpu_catalog.gpu_model,
        cast(gpu_catalog.gpu_count as {{ dbt.type_bigint() }}) as gpus_per_node,
        coalesce(sagemaker_attempts.is_managed_spot_training, false) as is_spot,
        sagemaker_attempts.checkpoint_s3_uri is not null as checkpoint_enabled,
        sagemaker_attempts.created_at as submitted_at,
        case sagemaker_attempts.training_job_status
            when 'Completed' then 'succeeded'
            when 'Failed' then 'failed'
            when 'Stopped' then 'killed'
            else 'running'
        end as status,
        cast(null as {{ dbt.type_string() }}) as config_hash,
        2 as source_precedence,
        'sagemaker' as job_source
    from sagemaker_attempts
    left join gpu_catalog
        on gpu_catalog.provider = 'aws'
        and sagemaker_attempts.instance_type = gpu_catalog.instance_type
    where sagemaker_attempts.recency = 1

),

mlflow_latest as (

    select
        mlflow_runs.*,
        row_number() over (
            partition by mlflow_runs.job_id
            order by mlflow_runs.started_at desc, mlflow_runs.run_uuid desc
        ) as recency,
        min(mlflow_runs.started_at) over (partition by mlflow_runs.job_id) as first_started_at
    from mlflow_runs

),

mlflow_jobs as (

    select
        job_id,
        run_name as job_name,
        'training' as job_type,
        user_email,
        team,
        project,
        model_name,
        provider,
        cast(null as {{ dbt.type_string() }}) as region,
        instance_type,
        node_count,
        cast(null as {{ dbt.type_string() }}) as gpu_model,
        gpus_per_node,
        false as is_spot,
        cast(null as {{ dbt.type_boolean() }}) as checkpoint_enabled,
        first_started_at as submitted_at,
        status,
        cast(null as {{ dbt.type_string() }}) as config_hash,
        3 as source_precedence,
        'mlflow' as job_source
    from mlflow_latest
    where recency = 1

),

unioned as (

    select
        job_id,
        job_name,
        job_type,
        user_email,
        team,
        project,
        model_name,
        provider,
        region,
        instance_type,
        node_count,
        gpu_model,
        gpus_per_node,
        is_spot,
        checkpoint_enabled,
        submitted_at,
        status,
        config_hash,
        1 as source_precedence,
        'ml_jobs' as job_source
    from contract_jobs
    union all
    select * from sagemaker_jobs
    union all
    select * from mlflow_jobs

),

ranked as (

    select
        unioned.*,
        row_number() over (
            partition by job_id order by source_precedence
        ) as source_rank
    from unioned

),

final as (

    select
        job_id,
        job_name,
        job_type,
        user_email,
        team,
        project,
        model_name,
        provider,
        region,
        instance_type,
        node_count,
        gpu_model,
        gpus_per_node,
        is_spot,
        checkpoint_enabled,
        submitted_at,
        status,
        config_hash,
        job_source
    from ranked
    where source_rank = 1

)

select * from final
