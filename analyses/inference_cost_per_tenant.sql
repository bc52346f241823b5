-- Which tenants cost the most per 1k requests last week? One select from the inference
-- unit cost mart: per endpoint, model and tenant, the last seven days with serving traffic
-- (the latest day in the mart and the six before it), cost over requests summed first (a
-- ratio of sums, never an average of daily ratios), in the reporting currency, with the
-- autoscaling opportunity beside it. Hours with cost and no traffic (tenant null) are left
-- out: they have no requests to divide by. (`dbt compile` renders it; run it in any SQL
-- client, on the build database or the published BI file.)
with inference_unit_costs as (

    select * from {{ mlcost.unqualified_ref('rpt_ml_inference_unit_costs') }}

),

last_day as (

    select max(usage_date) as usage_date
    from inference_unit_costs
    where requests > 0

),

last_week as (

    select inference_unit_costs.*
    from inference_unit_costs
    cross join last_day
    where inference_unit_costs.tenant is not null
        and inference_unit_costs.usage_date > {{ dbt.dateadd('day', -7, 'last_day.usage_date') }}
        and inference_unit_costs.usage_date <= last_day.usage_date

),

per_tenant as (

    select
        endpoint_name,
        model_name,
        tenant,
        team,
        reporting_currency,
        sum(requests) as requests,
        sum(effective_cost_in_reporting_currency) as effective_cost_in_reporting_currency,
        sum(autoscaling_opportunity_in_reporting_currency)
            as autoscaling_opportunity_in_reporting_currency
    from last_week
    group by endpoint_name, model_name, tenant, team, reporting_currency

)

select
    endpoint_name,
    model_name,
    tenant,
    team,
    requests,
    reporting_currency,
    effective_cost_in_reporting_currency,
    autoscaling_opportunity_in_reporting_currency,
    effective_cost_in_reporting_currency * 1000 / nullif(requests, 0)
        as effective_cost_per_1k_requests_in_reporting_currency
from per_tenant
order by effective_cost_per_1k_requests_in_reporting_currency desc nulls last, tenant asc
