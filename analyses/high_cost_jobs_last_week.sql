-- The costliest ML jobs of the last week the jobs ran in (full or partial; weeks start on
-- Monday), by the cost they ran up in that week, who ran them and why each stands out:
-- one select from the high-cost jobs mart. "Last week" is the jobs' own: the latest week
-- with attributed usage, not the end of the open billing month. (`dbt compile` renders
-- it; run it in any SQL client, on the build database or the published BI file.)
with high_cost_jobs as (

    select * from {{ mlcost.unqualified_ref('rpt_ml_high_cost_jobs') }}

),

last_week as (

    select max(week_start) as week_start
    from high_cost_jobs

)

select
    high_cost_jobs.rank_in_week,
    high_cost_jobs.job_id,
    high_cost_jobs.job_name,
    high_cost_jobs.user_email,
    high_cost_jobs.team,
    high_cost_jobs.job_type,
    high_cost_jobs.final_status,
    high_cost_jobs.is_spot,
    high_cost_jobs.is_failed,
    high_cost_jobs.billing_currency,
    high_cost_jobs.billed_cost,
    high_cost_jobs.billed_cost_in_reporting_currency,
    high_cost_jobs.cost_percentile,
    high_cost_jobs.times_team_median
from high_cost_jobs
inner join last_week
    on high_cost_jobs.week_start = last_week.week_start
order by high_cost_jobs.rank_in_week
