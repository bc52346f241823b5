-- The 10 costliest ML jobs that ran in the last 7 days of the billing data, and who ran
-- them: one select from the job mart. (`dbt compile` renders it; run it in any SQL client.)
select
    job_id,
    job_name,
    user_email,
    team,
    job_type,
    final_status,
    attempt_count,
    gpu_hours,
    billing_currency,
    billed_cost,
    effective_cost,
    reporting_currency,
    billed_cost_in_reporting_currency
from {{ ref('fct_ml_job_costs') }}
where last_ended_at >= (
        select {{ dbt.dateadd('day', -7, 'max(charge_period_end)') }}
        from {{ ref('fct_cost_lines') }}
    )
    or final_status = 'running'
-- jobs billed in different currencies compare in the reporting currency
order by billed_cost_in_reporting_currency desc
limit 10
