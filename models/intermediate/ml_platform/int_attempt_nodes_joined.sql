{#- Where and when each attempt ran: one row per attempt and node, with the job's context.
    last_checkpoint_at is the attempt's last saved checkpoint (null when it saved none).
    resource_key is the key the job join matches billing lines by (macro resource_key, so
    an EC2 ARN, a Kubernetes providerID or a GCE self-link finds the machine's lines); a
    GCE instance named rather than numbered takes the key of the billed instance of that
    project, zone and name, the one billed during the attempt if the name was reused.
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

billed_resources as (

    select * from {{ ref('int_compute_resources_keyed') }}

),

last_checkpoints as (

    select
        attempt_id,
        max(saved_at) as last_checkpoint_at
    from checkpoints
    group by 1

),

joined as (

    select
        {{ dbt.concat(["attempt_nodes.attempt_id", "'|'",
                       "cast(attempt_nodes.node_index as " ~ dbt.type_string() ~ ")"]) }}
            as attempt_node_id,
        attempt_nodes.attempt_id,
        attempts.job_id,
        attempt_nodes.node_index,
        attempt_nodes.resource_id,
        {{ mlcost.resource_id_form('attempt_nodes.resource_id') }} as resource_id_form,
        {{ mlcost.resource_key('attempt_nodes.resource_id') }} as node_key,
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

),

{# The billed resource a node's key names, preferring one billed during the attempt. -#}
key_candidates as (

    select
        joined.attempt_node_id,
        billed_resources.resource_key,
        row_number() over (
            partition by joined.attempt_node_id
            order by
                case
                    when billed_resources.first_charge_period_start
                        < coalesce(joined.ended_at, billed_resources.last_charge_period_end)
                        and billed_resources.last_charge_period_end > joined.started_at
                        then 0
                    else 1
                end,
                billed_resources.resource_key
        ) as candidate_rank
    from joined
    inner join billed_resources
        on joined.node_key = billed_resources.match_key

),

final as (

    select
        joined.attempt_node_id,
        joined.attempt_id,
        joined.job_id,
        joined.node_index,
        joined.resource_id,
        joined.resource_id_form,
        joined.instance_type,
        joined.gpus_used,
        joined.attempt_number,
        joined.attempt_status,
        joined.started_at,
        joined.ended_at,
        joined.is_running,
        joined.last_checkpoint_at,
        joined.provider,
        joined.team,
        joined.user_email,
        joined.project,
        joined.model_name,
        joined.job_type,
        joined.is_spot,
        coalesce(key_candidates.resource_key, joined.node_key) as resource_key
    from joined
    left join key_candidates
        on joined.attempt_node_id = key_candidates.attempt_node_id
        and key_candidates.candidate_rank = 1

)

select * from final
