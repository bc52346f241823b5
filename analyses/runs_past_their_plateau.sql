-- Which projects burn the most after their runs plateau: per project and billing
-- currency, the runs judged (that logged the watched metric), how many plateaued, the
-- hours they ran after it and what those hours cost, largest waste first. (`dbt compile`
-- renders it; run it in any SQL client, on the build database or the published BI file.)
with plateau_waste as (

    select * from {{ mlcost.unqualified_ref('fct_ml_plateau_waste') }}

)

select
    project,
    team,
    metric_name,
    billing_currency,
    count(*) as runs_judged,
    sum(case when is_plateaued then 1 else 0 end) as runs_plateaued,
    sum(hours_after_plateau) as hours_after_plateau,
    sum(plateau_waste_billed_cost) as plateau_waste_billed_cost,
    sum(plateau_waste_billed_cost_in_reporting_currency)
        as plateau_waste_billed_cost_in_reporting_currency,
    sum(plateau_waste_billed_cost) / nullif(sum(billed_cost), 0) as waste_share_of_cost
from plateau_waste
group by project, team, metric_name, billing_currency
order by plateau_waste_billed_cost_in_reporting_currency desc, project asc
