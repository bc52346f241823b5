{#- Repeated runs: jobs that train a model again the way an earlier job of the same model
    had already trained it with success, which a cache of that result would have saved.
    Two jobs are the same run when both have the platform's config_hash and it is equal;
    else when their first MLflow runs have the same params (but the ignored ones), the
    same git commit and the same dataset digest (or neither has one). The earlier job must
    have succeeded, ending at most mlcost_repeat_window_days before the repeat started; a
    job repeating several is one row, against the latest of them. matched_keys names the
    keys equal on both. The repeat's whole cost (fct_ml_job_costs) is the opportunity. -#}
{#- Incremental by month of the repeat's first start (macros/repeated_runs.sql). -#}
{{ config(**mlcost.by_month_config('mlcost.repeated_run_month_tokens()', 'repeat_month')) }}
{%- set month_tokens = mlcost.repeated_run_month_tokens() %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'repeat_month', grain='month') %}

with job_costs as (

    select * from {{ ref('fct_ml_job_costs') }}

),

repeat_keys as (

    select * from {{ ref('int_ml_job_repeat_keys_derived') }}

),

keyed_jobs as (

    select
        job_costs.job_id,
        job_costs.team,
        job_costs.user_email,
        job_costs.project,
        repeat_keys.model_name,
        job_costs.provider,
        job_costs.final_status,
        job_costs.first_started_at,
        job_costs.last_ended_at,
        job_costs.billing_currency,
        job_costs.billed_cost,
        job_costs.effective_cost,
        job_costs.billed_cost_in_reporting_currency,
        job_costs.effective_cost_in_reporting_currency,
        repeat_keys.config_hash,
        repeat_keys.params_hash,
        repeat_keys.git_commit,
        repeat_keys.dataset_digest
    from job_costs
    inner join repeat_keys
        on job_costs.job_id = repeat_keys.job_id
    where repeat_keys.model_name is not null

),

repeats as (

    select * from keyed_jobs
    where first_started_at is not null
        and {{ mlcost.on_days('first_started_at', months, 'month') }}

),

earlier_successes as (

    select * from keyed_jobs
    where final_status = 'succeeded'
        and last_ended_at is not null

),

{# The platform's config hash decides when both jobs have one; else MLflow's keys. Two
    joins on equal keys, not one on the model alone: a model trained a thousand times a
    month would pair every run with every other. #}
config_hash_pairs as (

    select
        repeats.job_id,
        earlier_successes.job_id as earlier_job_id
    from repeats
    inner join earlier_successes
        on repeats.model_name = earlier_successes.model_name
        and repeats.config_hash = earlier_successes.config_hash
        and repeats.job_id != earlier_successes.job_id
        and repeats.first_started_at >= earlier_successes.last_ended_at
        and {{ dbt.dateadd(
            'day', -1 * var('mlcost_repeat_window_days'), 'repeats.first_started_at'
        ) }} <= earlier_successes.last_ended_at

),

mlflow_key_pairs as (

    select
        repeats.job_id,
        earlier_successes.job_id as earlier_job_id
    from repeats
    inner join earlier_successes
        on repeats.model_name = earlier_successes.model_name
        and repeats.params_hash = earlier_successes.params_hash
        and repeats.git_commit = earlier_successes.git_commit
        and coalesce(repeats.dataset_digest, '')
        = coalesce(earlier_successes.dataset_digest, '')
        and repeats.job_id != earlier_successes.job_id
        and repeats.first_started_at >= earlier_successes.last_ended_at
        and {{ dbt.dateadd(
            'day', -1 * var('mlcost_repeat_window_days'), 'repeats.first_started_at'
        ) }} <= earlier_successes.last_ended_at
    where repeats.config_hash is null
        or earlier_successes.config_hash is null

),

pairs as (

    select * from config_hash_pairs
    union all
    select * from mlflow_key_pairs

),

matches as (

    select
        pairs.job_id,
        pairs.earlier_job_id,
        earlier_successes.last_ended_at as earlier_succeeded_at,
        repeats.config_hash = earlier_successes.config_hash as is_config_hash_equal,
        repeats.params_hash = earlier_successes.params_hash as is_params_equal,
        repeats.git_commit = earlier_successes.git_commit as is_git_commit_equal,
        repeats.dataset_digest = earlier_successes.dataset_digest as is_dataset_digest_equal,
        row_number() over (
            partition by pairs.job_id
            order by earlier_successes.last_ended_at desc, pairs.earlier_job_id desc
        ) as earlier_rank
    from pairs
    inner join repeats
        on pairs.job_id = repeats.job_id
    inner join earlier_successes
        on pairs.earlier_job_id = earlier_successes.job_id

),

{# 'config_hash,params,git_commit,dataset_digest' less the keys not equal on both. #}
latest_matches as (

    select
        job_id,
        earlier_job_id,
        earlier_succeeded_at,
        {{ dbt.replace(dbt.concat([
            "case when is_config_hash_equal then 'config_hash,' else '' end",
            "case when is_params_equal then 'params,' else '' end",
            "case when is_git_commit_equal then 'git_commit,' else '' end",
            "case when is_dataset_digest_equal then 'dataset_digest,' else '' end",
            "'#'",
        ]), "',#'", "''") }} as matched_keys
    from matches
    where earlier_rank = 1

),

{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        repeats.job_id,
        latest_matches.earlier_job_id,
        cast({{ dbt.date_trunc('month', 'repeats.first_started_at') }} as date)
            as repeat_month,
        repeats.team,
        repeats.user_email,
        repeats.project,
        repeats.model_name,
        repeats.provider,
        latest_matches.matched_keys,
        repeats.first_started_at as repeat_started_at,
        repeats.final_status as repeat_final_status,
        latest_matches.earlier_succeeded_at,
        cast({{ dbt.datediff(
            'latest_matches.earlier_succeeded_at', 'repeats.first_started_at', 'second'
        ) }} / 86400.0 as {{ mlcost.type_double() }}) as days_since_earlier_success,
        repeats.billing_currency,
        cast(repeats.billed_cost as {{ mlcost.type_money() }}) as repeat_billed_cost,
        cast(repeats.effective_cost as {{ mlcost.type_money() }}) as repeat_effective_cost,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(repeats.billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as repeat_billed_cost_in_reporting_currency,
        cast(repeats.effective_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as repeat_effective_cost_in_reporting_currency,
        month_inputs.x_day_inputs_hash
    from repeats
    inner join latest_matches
        on repeats.job_id = latest_matches.job_id
    left join month_inputs
        on cast({{ dbt.date_trunc('month', 'repeats.first_started_at') }} as date)
        = month_inputs.x_day

)

select * from final
