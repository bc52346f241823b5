{#- One row per job: what makes two runs of a model the same run, for rpt_ml_repeated_runs.
    The platform's config_hash (job contract), and from the MLflow run of the job's first
    attempt (its earliest run): a hash of its params (but var mlcost_repeat_ignored_params),
    its git commit and its dataset digest (int_mlflow_runs_pivoted). Null where unknown. -#}
{#- A table, not the folder's view: the repeated-runs mart reads it for its month tokens
    before its build and again in its build. -#}
{{ config(materialized='table') }}

with jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}

),

mlflow_runs as (

    select * from {{ ref('int_mlflow_runs_pivoted') }}

),

first_runs as (

    select
        job_id,
        run_uuid,
        model_name,
        params_hash,
        git_commit,
        dataset_digest,
        row_number() over (
            partition by job_id
            order by started_at asc, run_uuid asc
        ) as run_order
    from mlflow_runs

),

final as (

    select
        jobs.job_id,
        jobs.config_hash,
        first_runs.run_uuid as first_run_uuid,
        first_runs.params_hash,
        first_runs.git_commit,
        first_runs.dataset_digest,
        coalesce(jobs.model_name, first_runs.model_name) as model_name
    from jobs
    left join first_runs
        on jobs.job_id = first_runs.job_id
        and first_runs.run_order = 1

)

select * from final
