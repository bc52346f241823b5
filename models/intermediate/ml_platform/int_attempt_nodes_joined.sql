{#- Where and when each attempt ran: one row per attempt and node, with the job's context.
    last_checkpoint_at is the attempt's last saved checkpoint (null when it saved none).
    Jobs, attempts and nodes come from the job sources unioned (contract tables, SageMaker,
    MLflow; a job in several counts once). -#}
{#- A table, not the folder's view: attribution, idle and two marts read it. -#}
{{ config(materialized='table') }}

with jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}

),

attempts as (

    select * from {{ ref('int_ml_job_attempts_unioned') }}

),

attempt_nodes as (

    select * from {{ ref('int_ml_attempt_nodes_unioned') }}

),

checkpoints as (

    select * from {{ ref('stg_ml_jobs__checkpoints') }}
    where x_quarantine_reason is null

),

last_checkpoints as (

    select
        attempt_id,
        max(saved_at) as last_checkpoint_at
    from checkpoints
    group by 1

),

final as (

    select
        {{ dbt.concat(["attempt_nodes.attempt_id", "'|'",
                       "cast(attempt_nodes.node_index as " ~ dbt.type_string() ~ ")"]) }}
            as attempt_node_id,
        attempt_nodes.attempt_id,
        attempts.job_id,
        attempt_nodes.node_index,
        attempt_nodes.resource_id,
        coalesce(attempt_nodes.instance_type, jobs.instance_type) as instance_type,
        coalesce(attempt_nodes.gpus_used, jobs.gpus_per_node) as gpus_used,
        attempts.attempt_number,
        attempts.status as attempt_status,
        attempts.started_at,
        attempts.ended_at,
        attempts.ended_at is null as is_running,
        last_checkpoints.last_checkpoint_at,
        jobs.provider,
        jobs.team,
        jobs.user_email,
        jobs.project,
        jobs.model_name,
        jobs.job_type,
        jobs.is_spot
    from attempt_nodes
    inner join attempts
        on attempt_nodes.attempt_id = attempts.attempt_id
    inner join jobs
        on attempts.job_id = jobs.job_id
    left join last_checkpoints
        on attempt_nodes.attempt_id = last_checkpoints.attempt_id

)

select * from final
