{#- The plateau rule, in one place. Per attempt, the evaluations of its project's watched
    metric (vars mlcost_plateau_metric, mlcost_plateau_metric_by_project), ordered by
    step; b_i is the best value up to evaluation i. The run has plateaued at evaluation i,
    the first such, when at least mlcost_plateau_patience evaluations follow it and none of
    the next mlcost_plateau_patience improves on b_i by more than mlcost_plateau_min_delta
    x |b_i| (minimize: value < b_i - min_delta x |b_i|; maximize: value > b_i +
    min_delta x |b_i|). One row per attempt that logged the watched metric at least once:
    an attempt without it is not here (never a guessed plateau). -#}
{#- A table: fct_ml_plateau_waste reads it twice (its month tokens and its rows). -#}
{{ config(materialized='table') }}
{%- set settings = mlcost.plateau_settings() %}

with evaluations as (

    select * from {{ ref('int_ml_metric_history_unioned') }}

),

attempts as (

    select * from {{ ref('int_ml_job_attempts_unioned') }}

),

jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}

),

attempt_watches as (

    select
        attempts.attempt_id,
        attempts.started_at,
        {{ mlcost.plateau_watch_value('jobs.project', 'metric') }} as metric_name,
        {{ mlcost.plateau_watch_value('jobs.project', 'direction') }} as direction
    from attempts
    inner join jobs
        on attempts.job_id = jobs.job_id

),

{# The score is the value with lower better: the value when minimizing, minus it when
    maximizing, so one comparison serves both; |score| = |value|. -#}
watched as (

    select
        evaluations.attempt_id,
        attempt_watches.started_at,
        evaluations.metric_name,
        attempt_watches.direction,
        evaluations.step,
        evaluations.value,
        evaluations.logged_at,
        case
            when attempt_watches.direction = 'maximize' then -evaluations.value
            else evaluations.value
        end as score
    from evaluations
    inner join attempt_watches
        on evaluations.attempt_id = attempt_watches.attempt_id
        and evaluations.metric_name = attempt_watches.metric_name

),

best_so_far as (

    select
        watched.*,
        row_number() over (
            partition by attempt_id order by step
        ) as evaluation_number,
        min(score) over (
            partition by attempt_id order by step
            rows between unbounded preceding and current row
        ) as best_score
    from watched

),

next_evaluations as (

    select
        best_so_far.*,
        min(score) over (
            partition by attempt_id order by step
            rows between 1 following and {{ settings.patience }} following
        ) as next_best_score,
        count(*) over (
            partition by attempt_id order by step
            rows between 1 following and {{ settings.patience }} following
        ) as next_evaluation_count
    from best_so_far

),

flagged as (

    select
        next_evaluations.*,
        next_evaluation_count = {{ settings.patience }}
        and next_best_score
        >= best_score - {{ settings.min_delta }} * abs(best_score) as is_plateau_point
    from next_evaluations

),

plateaus as (

    select
        attempt_id,
        min(evaluation_number) as plateau_evaluation_number
    from flagged
    where is_plateau_point
    group by 1

),

summaries as (

    select
        attempt_id,
        min(started_at) as started_at,
        min(metric_name) as metric_name,
        min(direction) as direction,
        count(*) as evaluation_count,
        min(step) as first_step,
        max(step) as last_step,
        min(score) as best_score
    from watched
    group by 1

),

final as (

    select
        summaries.attempt_id,
        summaries.started_at,
        summaries.metric_name,
        summaries.direction,
        summaries.evaluation_count,
        summaries.first_step,
        summaries.last_step,
        plateaus.plateau_evaluation_number,
        flagged.step as plateau_step,
        flagged.logged_at as plateau_at,
        case
            when summaries.direction = 'maximize' then -summaries.best_score
            else summaries.best_score
        end as best_value,
        plateaus.attempt_id is not null as is_plateaued,
        case
            when summaries.direction = 'maximize' then -flagged.best_score
            else flagged.best_score
        end as plateau_best_value
    from summaries
    left join plateaus
        on summaries.attempt_id = plateaus.attempt_id
    left join flagged
        on plateaus.attempt_id = flagged.attempt_id
        and plateaus.plateau_evaluation_number = flagged.evaluation_number

)

select * from final
