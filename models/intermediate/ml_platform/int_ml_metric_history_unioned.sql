{#- Every metric evaluation of a known attempt, one row per attempt, metric and step, from
    MLflow's metrics (a run is an attempt, as in int_mlflow_runs_pivoted) and the job
    contract's metric_history. MLflow keeps a NaN as value 0 with is_nan true: left out.
    MLflow may log a step twice: the latest timestamp wins. An attempt whose metric comes
    from both takes it from the contract table only (never a mix of the two). A contract
    row of an attempt no source knows is listed in fct_quarantined_ml_job_records. -#}

with mlflow_metrics as (

    select * from {{ ref('stg_mlflow__metrics') }}
    where x_quarantine_reason is null
        and not coalesce(is_nan, false)

),

mlflow_runs as (

    select * from {{ ref('int_mlflow_runs_pivoted') }}

),

contract_metrics as (

    select * from {{ ref('stg_ml_jobs__metric_history') }}
    where x_quarantine_reason is null

),

attempts as (

    select * from {{ ref('int_ml_job_attempts_unioned') }}

),

mlflow_evaluations as (

    select
        mlflow_runs.attempt_id,
        mlflow_metrics.key as metric_name,
        mlflow_metrics.step,
        mlflow_metrics.value,
        {{ mlcost.epoch_ms_to_timestamp('mlflow_metrics.timestamp') }} as logged_at,
        row_number() over (
            partition by mlflow_runs.attempt_id, mlflow_metrics.key, mlflow_metrics.step
            order by mlflow_metrics.timestamp desc, mlflow_metrics.value desc
        ) as logged_rank
    from mlflow_metrics
    inner join mlflow_runs
        on mlflow_metrics.run_uuid = mlflow_runs.run_uuid
    where mlflow_metrics.step is not null
        and mlflow_metrics.value is not null

),

contract_attempt_metrics as (

    select distinct
        attempt_id,
        metric_name
    from contract_metrics

),

unioned as (

    select
        attempt_id,
        metric_name,
        step,
        value,
        logged_at,
        'ml_jobs' as metric_source
    from contract_metrics
    union all
    select
        mlflow_evaluations.attempt_id,
        mlflow_evaluations.metric_name,
        mlflow_evaluations.step,
        mlflow_evaluations.value,
        mlflow_evaluations.logged_at,
        'mlflow' as metric_source
    from mlflow_evaluations
    left join contract_attempt_metrics
        on mlflow_evaluations.attempt_id = contract_attempt_metrics.attempt_id
        and mlflow_evaluations.metric_name = contract_attempt_metrics.metric_name
    where mlflow_evaluations.logged_rank = 1
        and contract_attempt_metrics.attempt_id is null

),

final as (

    select
        {{ dbt.concat([
            "unioned.attempt_id", "'|'", "unioned.metric_name", "'|'",
            "cast(unioned.step as " ~ dbt.type_string() ~ ")",
        ]) }} as metric_evaluation_id,
        unioned.attempt_id,
        unioned.metric_name,
        unioned.step,
        unioned.value,
        unioned.logged_at,
        unioned.metric_source
    from unioned
    inner join attempts
        on unioned.attempt_id = attempts.attempt_id

)

select * from final
