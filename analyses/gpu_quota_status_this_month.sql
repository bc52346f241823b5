-- Which teams will run out of GPU quota this month, and when? One select from the GPU
-- quota mart for its latest month: each quota's GPU-hours and billed cost used so far,
-- the month-end forecasts at the run rate, the status (over first, then warn), the day a
-- limit was crossed or, at the run rate, will be, and the GPU usage no quota covers
-- (no_quota) last. (`dbt compile` renders it; run it in any SQL client, on the build
-- database or the published BI file.)
with quota_status as (

    select * from {{ mlcost.unqualified_ref('fct_gpu_quota_status_monthly') }}

),

this_month as (

    select * from quota_status
    where quota_month = (select max(quota_month) from quota_status)

)

select
    team,
    gpu_model,
    as_of_date,
    quota_status,
    quota_status_limit,
    gpu_hours_used,
    gpu_hours_quota,
    forecast_month_end_gpu_hours,
    coalesce(gpu_hours_crossed_on, gpu_hours_forecast_crossing_on) as gpu_hours_crossing_on,
    billing_currency,
    billed_cost,
    amount_quota,
    forecast_month_end_billed_cost,
    coalesce(amount_crossed_on, amount_forecast_crossing_on) as amount_crossing_on
from this_month
order by
    case quota_status when 'over' then 1 when 'warn' then 2 when 'ok' then 3 else 4 end,
    forecast_gpu_hours_used_ratio desc nulls last,
    gpu_hours_used desc
