-- What does each team leave running outside working hours, and what would deferring its
-- peak-time on-demand jobs to spot save? One select from the scheduling mart: per month
-- and team, the off-hours machines and hours, the peak-time jobs, and both savings in the
-- reporting currency, largest total first.
-- (`dbt compile` renders it; run it in any SQL client, on the build database or the
-- published BI file.)
with opportunities as (

    select * from {{ mlcost.unqualified_ref('rpt_ml_scheduling_opportunities') }}

)

select
    opportunity_month,
    team,
    reporting_currency,
    count(distinct case
        when opportunity_type = 'off_hours_machine' then resource_id
    end) as off_hours_machines,
    sum(off_hours) as off_hours,
    sum(case
        when opportunity_type = 'off_hours_machine' then saving_in_reporting_currency
        else 0
    end) as off_hours_saving,
    count(job_id) as peak_on_demand_jobs,
    sum(case
        when opportunity_type = 'peak_on_demand_job' then saving_in_reporting_currency
        else 0
    end) as peak_deferral_saving,
    sum(saving_in_reporting_currency) as total_saving
from opportunities
group by opportunity_month, team, reporting_currency
order by opportunity_month asc, total_saving desc, team asc
