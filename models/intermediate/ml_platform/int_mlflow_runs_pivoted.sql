{#- One row per MLflow run with the tags and params mlcost reads as columns, times as UTC
    timestamps, the experiment's name, the run's mean GPU utilization and peak GPU memory,
    and what makes two runs the same (rpt_ml_repeated_runs): a hash of its params, its
    git commit (tag mlflow.source.git.commit, else the run's source_version) and a
    dataset digest, read from the tag var mlcost_repeat_dataset_digest_tag names (MLflow
    2.4+ logs dataset inputs in its datasets and inputs tables, which mlcost does not
    read). MLflow's status maps onto the job contract: FINISHED succeeded, FAILED failed,
    KILLED killed, RUNNING and SCHEDULED running (a preempted run that never reported back stays RUNNING).
    A run without the mlcost.job_id / mlcost.attempt_id tags (launched by hand) is matched
    to the platform's attempt of the same user that started within a minute of it; a run
    that matches nothing is its own job (job id 'mlflow-' and the run id). -#}
{%- set ignored_params = [] %}
{%- for param in var('mlcost_repeat_ignored_params') %}
{%- do ignored_params.append(dbt.string_literal(param)) %}
{%- endfor %}

with runs as (

    select * from {{ ref('stg_mlflow__runs') }}
    where x_quarantine_reason is null
        and coalesce(lifecycle_stage, 'active') != 'deleted'

),

tags as (

    select * from {{ ref('stg_mlflow__tags') }}
    where x_quarantine_reason is null

),

params as (

    select * from {{ ref('stg_mlflow__params') }}
    where x_quarantine_reason is null

),

metrics as (

    select * from {{ ref('stg_mlflow__metrics') }}
    where x_quarantine_reason is null

),

experiments as (

    select * from {{ ref('stg_mlflow__experiments') }}
    where x_quarantine_reason is null

),

contract_jobs as (

    select * from {{ ref('stg_ml_jobs__jobs') }}
    where x_quarantine_reason is null

),

contract_attempts as (

    select * from {{ ref('stg_ml_jobs__job_attempts') }}
    where x_quarantine_reason is null

),

run_tags as (

    select
        run_uuid,
        max(case when key = 'mlcost.job_id' then value end) as tag_job_id,
        max(case when key = 'mlcost.attempt_id' then value end) as tag_attempt_id,
        max(case when key = 'team' then value end) as tag_team,
        max(case when key = 'project' then value end) as tag_project,
        max(case when key = 'cloud' then value end) as tag_cloud,
        max(case when key = 'instance_type' then value end) as tag_instance_type,
        max(case when key = 'mlflow.user' then value end) as tag_user,
        max(case when key = 'mlflow.source.git.commit' then value end) as tag_git_commit,
        max(case
            when key = {{ dbt.string_literal(var('mlcost_repeat_dataset_digest_tag')) }}
                then value
        end) as tag_dataset_digest
    from tags
    group by 1

),

run_params as (

    select
        run_uuid,
        max(case when key = 'model_name' then value end) as model_name,
        max(case when key = 'num_nodes' then value end) as num_nodes,
        max(case when key = 'gpus_per_node' then value end) as gpus_per_node
    from params
    group by 1

),

{# MLflow's system metrics (MLflow >= 2.8, mlflow/system_metrics/metrics/gpu_monitor.py):
    system/gpu_<i>_utilization_percentage per GPU and sample (percent), and
    system/gpu_<i>_memory_usage_megabytes (memory in use, MB of 10^6 bytes: NVML's bytes
    / 1e6), so GB = MB / 1000. Utilization is the mean over GPUs and samples, peak memory
    the max over GPUs and samples; a run without system metrics falls back to its
    gpu_utilization metric, and has no peak memory. #}
run_metrics as (

    select
        run_uuid,
        value,
        case
            when key like 'system/gpu\_%\_utilization\_percentage' escape '\'
                then 'system_utilization'
            when key like 'system/gpu\_%\_memory\_usage\_megabytes' escape '\'
                then 'system_memory_mb'
            when key = 'gpu_utilization' then 'logged_utilization'
        end as metric_kind
    from metrics
    where not coalesce(is_nan, false)

),

{# What the run was given, as one hash: every param but the ignored ones
    (var mlcost_repeat_ignored_params), sorted by key. #}
run_params_hashed as (

    select
        run_uuid,
        {{ dbt.hash(dbt.listagg(
            dbt.concat(['key', "'='", "coalesce(value, '')"]), "'&'", 'order by key'
        )) }} as params_hash
    from params
    {%- if ignored_params %}
    where key not in ({{ ignored_params | join(', ') }})
    {%- endif %}
    group by 1

),

run_utilization as (

    select
        run_uuid,
        coalesce(
            {{ mlcost.exact_avg(
                "case when metric_kind = 'system_utilization' then value end") }},
            {{ mlcost.exact_avg(
                "case when metric_kind = 'logged_utilization' then value end") }}
        ) as gpu_utilization_pct,
        max(case when metric_kind = 'system_memory_mb' then value end) / 1000.0
            as gpu_memory_peak_gb
    from run_metrics
    where metric_kind is not null
    group by 1

),

runs_timed as (

    select
        runs.*,
        {{ mlcost.epoch_ms_to_timestamp('runs.start_time') }} as started_at,
        {{ mlcost.epoch_ms_to_timestamp('runs.end_time') }} as ended_at
    from runs

),

untagged_matches as (

    select
        runs_timed.run_uuid,
        min(contract_attempts.job_id) as job_id,
        min(contract_attempts.attempt_id) as attempt_id
    from runs_timed
    inner join run_tags
        on runs_timed.run_uuid = run_tags.run_uuid
    inner join contract_jobs
        on coalesce(run_tags.tag_user, runs_timed.user_id) = contract_jobs.user_email
    inner join contract_attempts
        on contract_jobs.job_id = contract_attempts.job_id
        and contract_attempts.started_at
        >= {{ dbt.dateadd('second', -60, 'runs_timed.started_at') }}
        and contract_attempts.started_at
        <= {{ dbt.dateadd('second', 60, 'runs_timed.started_at') }}
    where run_tags.tag_job_id is null
    group by 1
    having count(*) = 1

),

final as (

    select
        runs.run_uuid,
        runs.name as run_name,
        run_tags.tag_team as team,
        run_tags.tag_instance_type as instance_type,
        run_params.model_name,
        run_utilization.gpu_utilization_pct,
        cast(run_utilization.gpu_memory_peak_gb as {{ mlcost.type_double() }})
            as gpu_memory_peak_gb,
        run_params_hashed.params_hash,
        coalesce(run_tags.tag_git_commit, runs.source_version) as git_commit,
        run_tags.tag_dataset_digest as dataset_digest,
        runs.started_at,
        runs.ended_at,
        coalesce(
            run_tags.tag_job_id,
            untagged_matches.job_id,
            {{ dbt.concat(["'mlflow-'", "runs.run_uuid"]) }}
        ) as job_id,
        coalesce(
            run_tags.tag_attempt_id, untagged_matches.attempt_id, runs.run_uuid
        ) as attempt_id,
        coalesce(run_tags.tag_user, runs.user_id) as user_email,
        coalesce(
            run_tags.tag_project,
            {{ dbt.split_part('experiments.name', "'/'", 3) }},
            experiments.name
        ) as project,
        lower(run_tags.tag_cloud) as provider,  -- noqa: RF04
        {{ mlcost.try_cast('run_params.num_nodes', dbt.type_bigint()) }} as node_count,
        {{ mlcost.try_cast('run_params.gpus_per_node', dbt.type_bigint()) }}
            as gpus_per_node,
        case runs.status
            when 'FINISHED' then 'succeeded'
            when 'FAILED' then 'failed'
            when 'KILLED' then 'killed'
            else 'running'
        end as status
    from runs_timed as runs
    left join run_tags
        on runs.run_uuid = run_tags.run_uuid
    left join run_params
        on runs.run_uuid = run_params.run_uuid
    left join run_params_hashed
        on runs.run_uuid = run_params_hashed.run_uuid
    left join run_utilization
        on runs.run_uuid = run_utilization.run_uuid
    left join experiments
        on runs.experiment_id = experiments.experiment_id
    left join untagged_matches
        on runs.run_uuid = untagged_matches.run_uuid

)

select * from final
