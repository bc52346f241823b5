-- What could a result cache have saved last month? Repeated training runs per team and
-- model (a job that ran again what an earlier job had run with success within
-- mlcost_repeat_window_days), with the keys that matched and the repeats' cost in the
-- reporting currency: one select from the repeated-runs mart. (`dbt compile` renders
-- it; run it in any SQL client, on the build database or the published BI file.)
with repeated_runs as (

    select * from {{ mlcost.unqualified_ref('rpt_ml_repeated_runs') }}

),

last_month as (

    select max(repeat_month) as repeat_month
    from repeated_runs

)

select
    repeated_runs.team,
    repeated_runs.model_name,
    repeated_runs.matched_keys,
    repeated_runs.reporting_currency,
    count(*) as repeat_count,
    sum(repeated_runs.repeat_billed_cost_in_reporting_currency)
        as repeat_billed_cost_in_reporting_currency,
    min(repeated_runs.days_since_earlier_success) as min_days_since_earlier_success
from repeated_runs
inner join last_month
    on repeated_runs.repeat_month = last_month.repeat_month
group by
    repeated_runs.team,
    repeated_runs.model_name,
    repeated_runs.matched_keys,
    repeated_runs.reporting_currency
order by repeat_billed_cost_in_reporting_currency desc
