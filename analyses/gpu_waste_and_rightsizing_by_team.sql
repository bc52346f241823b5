-- Which team's jobs waste the most GPU time, and what would right-sizing save? One select
-- from the monthly GPU waste mart, over every month it holds: GPU time billed but left
-- unused (cost x (1 - utilization), only where utilization was measured), the cost whose
-- utilization nobody measured (reported apart: unknown is not "no waste"), and the saving
-- of the finished jobs a smaller GPU count or a cheaper GPU model would have done, in the
-- reporting currency so that bills in several currencies add up. (`dbt compile` renders
-- it; run it in any SQL client, on the build database or the published BI file.)
with gpu_waste as (

    select * from {{ mlcost.unqualified_ref('rpt_ml_gpu_utilization_waste_monthly') }}

)

select
    team,
    reporting_currency,
    sum(gpu_hours) as gpu_hours,
    sum(gpu_utilization_pct * utilization_known_gpu_hours)
    / nullif(sum(utilization_known_gpu_hours), 0) as gpu_utilization_pct,
    sum(unused_gpu_effective_cost_in_reporting_currency) as unused_gpu_cost,
    sum(utilization_unknown_billed_cost_in_reporting_currency)
        as utilization_unknown_cost,
    sum(rightsizing_candidate_job_count) as rightsizing_candidate_jobs,
    sum(rightsizing_saving_in_reporting_currency) as rightsizing_saving
from gpu_waste
group by team, reporting_currency
order by unused_gpu_cost desc nulls last
