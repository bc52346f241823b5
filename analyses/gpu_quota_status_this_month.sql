-- Which teams will run out of GPU quota this month, and when? One select from the GPU
-- quota mart for its latest month: each quota's GPU-hours and billed cost used so far,
-- the month-end forecasts at the run rate, the status (over first, then warn), the day a
-- limit was crossed or, at the run rate, will be, and the GPU usage no quota covers
-- (no_quota) last. (`dbt compile` renders it; run it in any SQL client, on the build
-- database or the published BI file.)
with quota_status as (

    select * from {{ mlcost.unqualified_ref('fct_gpu_quota_status_monthly') }}

),

latest_month as (

    select max(quota_month) as quota_month
    from quota_status

),

this_month as (

    select quota_status.*
    from quota_status
    inner join latest_month
        on quota_status.quota_month = latest_month.quota_month

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
    billing_currency,
    billed_cost,
    amount_quota,
    forecast_month_end_billed_cost,
    coalesce(gpu_hours_crossed_on, gpu_hours_forecast_crossing_on) as gpu_hours_crossing_on,
    coalesce(amount_crossed_on, amount_forecast_crossing_on) as amount_crossing_on
from this_month
order by
    case quota_status when 'over' then 1 when 'warn' then 2 when 'ok' then 3 else 4 end,
    forecast_gpu_hours_used_ratio desc nulls last,
    gpu_hours_used desc
