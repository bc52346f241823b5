{#- Every attempt of the jobs in int_ml_jobs_unioned, from the job's source only (a job in
    several sources counts once). A SageMaker training job is one attempt (its name is the
    attempt id); an MLflow run is one attempt (its mlcost.attempt_id tag, else its run id). -#}
{#- A table, not the folder's view: the job marts, attribution and their tests all read it;
    as a view each would read the platform's exports and deduplicate the sources again. -#}
{{ config(materialized='table') }}

with jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}

),

contract_attempts as (

    select * from {{ ref('stg_ml_jobs__job_attempts') }}
    where x_quarantine_reason is null

),

training_jobs as (

    select * from {{ ref('stg_sagemaker__training_jobs') }}
    where x_quarantine_reason is null

),

mlflow_runs as (

    select * from {{ ref('int_mlflow_runs_pivoted') }}

),

sagemaker_attempts as (

    select
        training_job_name as attempt_id,
        coalesce(x_tag_job_id, training_job_name) as job_id,
        row_number() over (
            partition by coalesce(x_tag_job_id, training_job_name)
            order by training_started_at, training_job_arn
        ) as attempt_number,
        case training_job_status
            when 'Completed' then 'succeeded'
            when 'Failed' then 'failed'
            when 'Stopped' then 'killed'
            else 'running'
        end as status,
        training_started_at as started_at,
        training_ended_at as ended_at,
        failure_reason,
        {#- DescribeTrainingJob reports neither GPU utilization nor GPU memory #}
        cast(null as {{ mlcost.type_double() }}) as gpu_utilization_pct,
        cast(null as {{ mlcost.type_double() }}) as gpu_memory_peak_gb,
        'sagemaker' as job_source
    from training_jobs
    where training_started_at is not null

),

mlflow_attempts as (

    select
        attempt_id,
        job_id,
        row_number() over (
            partition by job_id order by started_at, run_uuid
        ) as attempt_number,
        status,
        started_at,
        ended_at,
        cast(null as {{ dbt.type_string() }}) as failure_reason,
        gpu_utilization_pct,
        gpu_memory_peak_gb,
        'mlflow' as job_source
    from mlflow_runs
    where started_at is not null

),

unioned as (

    select
        attempt_id,
        job_id,
        attempt_number,
        status,
        started_at,
        ended_at,
        failure_reason,
        gpu_utilization_pct,
        gpu_memory_peak_gb,
        'ml_jobs' as job_source
    from contract_attempts
    union all
    select * from sagemaker_attempts
    union all
    select * from mlflow_attempts

),

final as (

    select
        unioned.attempt_id,
        unioned.job_id,
        unioned.attempt_number,
        unioned.status,
        unioned.started_at,
        unioned.ended_at,
        unioned.failure_reason,
        unioned.gpu_utilization_pct,
        unioned.gpu_memory_peak_gb,
        unioned.job_source
    from unioned
    inner join jobs
        on unioned.job_id = jobs.job_id
        and unioned.job_source = jobs.job_source

)

select * from final
