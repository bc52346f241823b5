{#- The costliest jobs of each week (top var mlcost_top_jobs by billed cost in the week),
    with why each is on the list: its percentile among the week's jobs, its cost against
    the median of its team's jobs that week, spot or not, failed or not. Cost in a week is
    the job's attributed compute in the week's charge periods. -#}
{%- set top_jobs = var('mlcost_top_jobs') %}

with attributed as (

    select * from {{ ref('int_attempt_node_days_costed') }}

),

jobs as (

    select * from {{ ref('fct_ml_job_costs') }}

),

job_weeks as (

    select
        job_id,
        cast({{ dbt.date_trunc('week', 'usage_date') }} as date) as week_start,
        sum(attributed_billed_cost) as billed_cost,
        sum(attributed_effective_cost) as effective_cost
    from attributed
    group by 1, 2

),

ranked as (

    select
        job_weeks.*,
        jobs.team,
        row_number() over (
            partition by job_weeks.week_start
            order by job_weeks.billed_cost desc, job_weeks.job_id asc
        ) as rank_in_week,
        percent_rank() over (
            partition by job_weeks.week_start order by job_weeks.billed_cost
        ) as cost_percentile
    from job_weeks
    inner join jobs
        on job_weeks.job_id = jobs.job_id

),

team_medians as (

    select
        week_start,
        team,
        count(*) as team_job_count,
        {{ mlcost.percentile_cont('billed_cost', 0.5) }} as team_median_billed_cost
    from ranked
    group by 1, 2

),

final as (

    select
        {{ dbt.concat([
            "cast(ranked.week_start as " ~ dbt.type_string() ~ ")", "'|'", "ranked.job_id",
        ]) }} as high_cost_job_id,
        ranked.week_start,
        ranked.rank_in_week,
        ranked.job_id,
        jobs.job_name,
        jobs.user_email,
        ranked.team,
        jobs.project,
        jobs.model_name,
        jobs.job_type,
        jobs.provider,
        jobs.instance_type,
        jobs.is_spot,
        jobs.checkpoint_enabled,
        jobs.final_status,
        jobs.unsuccessful_attempt_count,
        jobs.attempt_count,
        jobs.gpu_hours as job_gpu_hours,
        jobs.billed_cost as job_billed_cost,
        team_medians.team_job_count,
        jobs.final_status in ('failed', 'killed', 'preempted') as is_failed,
        jobs.unsuccessful_attempt_count > 0 as has_unsuccessful_attempts,
        cast(ranked.cost_percentile as {{ mlcost.type_double() }}) as cost_percentile,
        cast(ranked.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(ranked.effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        cast(team_medians.team_median_billed_cost as {{ mlcost.type_money() }})
            as team_median_billed_cost,
        cast(case
            when team_medians.team_median_billed_cost > 0
                then ranked.billed_cost / team_medians.team_median_billed_cost
        end as {{ mlcost.type_double() }}) as times_team_median
    from ranked
    inner join jobs
        on ranked.job_id = jobs.job_id
    inner join team_medians
        on ranked.week_start = team_medians.week_start
        and ranked.team = team_medians.team
    where ranked.rank_in_week <= {{ top_jobs }}

)

select * from final
