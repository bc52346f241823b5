{#- Every dollar of serving cost appears exactly once in fct_ml_serving_costs_hourly: per
    serving job and billing currency, its rows' billed and effective cost equal the job's
    attributed cost (int_attempt_node_days_costed), to the cent. A failing row is a job
    whose cost was lost or counted twice when spread over hours or split over tenants. -#}
with serving_jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}
    where job_type = 'serving'

),

attributed as (

    select * from {{ ref('int_attempt_node_days_costed') }}

),

serving_hours as (

    select * from {{ ref('fct_ml_serving_costs_hourly') }}
    where billing_currency is not null

),

attributed_per_job as (

    select
        attributed.job_id,
        attributed.billing_currency,
        sum(attributed.attributed_billed_cost) as billed_cost,
        sum(attributed.attributed_effective_cost) as effective_cost
    from attributed
    inner join serving_jobs
        on attributed.job_id = serving_jobs.job_id
    group by 1, 2

),

mart_per_job as (

    select
        job_id,
        billing_currency,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from serving_hours
    group by 1, 2

),

final as (

    select
        attributed_per_job.billed_cost as attributed_billed_cost,
        mart_per_job.billed_cost as mart_billed_cost,
        attributed_per_job.effective_cost as attributed_effective_cost,
        mart_per_job.effective_cost as mart_effective_cost,
        coalesce(attributed_per_job.job_id, mart_per_job.job_id) as job_id,
        coalesce(attributed_per_job.billing_currency, mart_per_job.billing_currency)
            as billing_currency
    from attributed_per_job
    full outer join mart_per_job
        on attributed_per_job.job_id = mart_per_job.job_id
        and attributed_per_job.billing_currency = mart_per_job.billing_currency
    where abs(coalesce(attributed_per_job.billed_cost, 0) - coalesce(mart_per_job.billed_cost, 0))
        >= 0.01
        or abs(
            coalesce(attributed_per_job.effective_cost, 0)
            - coalesce(mart_per_job.effective_cost, 0)
        ) >= 0.01

)

select * from final
