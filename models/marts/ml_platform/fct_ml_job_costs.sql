{#- One row per ML job: who ran it, what it cost over all its attempts, GPU-hours, queue
    time and how it ended. The answer to "which jobs cost the most, and whose are they". -#}

with jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}

),

attempt_costs as (

    select * from {{ ref('fct_ml_job_attempt_costs') }}

),

per_job as (

    select
        job_id,
        count(*) as attempt_count,
        cast(sum(case
            when attempt_status in ('failed', 'killed', 'preempted') then 1 else 0
        end) as {{ dbt.type_bigint() }}) as unsuccessful_attempt_count,
        min(started_at) as first_started_at,
        max(ended_at) as last_ended_at,
        {{ mlcost.exact_sum('duration_hours') }} as run_hours,
        {{ mlcost.exact_sum('gpu_hours') }} as gpu_hours,
        {#- one currency per job (test assert_job_costs_in_one_billing_currency); an
            attempt without cost is in its cloud's #}
        max(billing_currency) as billing_currency,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('effective_cost_in_reporting_currency') }}
            as effective_cost_in_reporting_currency,
        {#- utilization weighted by GPU-hours, over the attempts that measured it #}
        {{ mlcost.exact_sum(
            'case when unused_gpu_billed_cost is not null'
            ~ ' then gpu_utilization_pct * gpu_hours end') }} as utilization_x_gpu_hours,
        {{ mlcost.exact_sum(
            'case when unused_gpu_billed_cost is not null then gpu_hours else 0 end') }}
            as utilization_known_gpu_hours,
        max(gpu_memory_peak_gb) as gpu_memory_peak_gb,
        {#- sums over the attempts with known utilization: null when there is none #}
        sum(unused_gpu_billed_cost) as unused_gpu_billed_cost,
        sum(unused_gpu_effective_cost) as unused_gpu_effective_cost,
        {{ mlcost.sum_reporting_of_known(
            'unused_gpu_billed_cost', 'unused_gpu_billed_cost_in_reporting_currency') }}
            as unused_gpu_billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting_of_known(
            'unused_gpu_effective_cost', 'unused_gpu_effective_cost_in_reporting_currency') }}
            as unused_gpu_effective_cost_in_reporting_currency,
        sum(case when unused_gpu_billed_cost is null and gpu_count > 0 then billed_cost else 0 end)
            as utilization_unknown_billed_cost,
        {{ mlcost.sum_reporting(
            'case when unused_gpu_billed_cost is null and gpu_count > 0'
            ~ ' then billed_cost_in_reporting_currency else 0 end') }}
            as utilization_unknown_billed_cost_in_reporting_currency
    from attempt_costs
    group by 1

),

final as (

    select
        jobs.job_id,
        jobs.job_name,
        jobs.job_type,
        jobs.user_email,
        jobs.team,
        jobs.project,
        jobs.model_name,
        jobs.provider,
        jobs.region,
        jobs.instance_type,
        jobs.gpu_model,
        jobs.node_count,
        jobs.gpus_per_node,
        jobs.is_spot,
        jobs.checkpoint_enabled,
        jobs.status as final_status,
        jobs.job_source,
        jobs.submitted_at,
        per_job.first_started_at,
        per_job.last_ended_at,
        {{ dbt.datediff('jobs.submitted_at', 'per_job.first_started_at', 'second') }}
        / 3600.0 as queue_hours,
        coalesce(per_job.attempt_count, 0) as attempt_count,
        coalesce(per_job.unsuccessful_attempt_count, 0) as unsuccessful_attempt_count,
        cast(coalesce(per_job.run_hours, 0) as {{ mlcost.type_double() }}) as run_hours,
        cast(coalesce(per_job.gpu_hours, 0) as {{ mlcost.type_double() }}) as gpu_hours,
        per_job.billing_currency,
        cast(coalesce(per_job.billed_cost, 0) as {{ mlcost.type_money() }}) as billed_cost,
        cast(coalesce(per_job.effective_cost, 0) as {{ mlcost.type_money() }}) as effective_cost,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        {{ mlcost.reporting_amount_or_zero(
            'per_job.billed_cost_in_reporting_currency', 'per_job.billed_cost') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.reporting_amount_or_zero(
            'per_job.effective_cost_in_reporting_currency', 'per_job.effective_cost') }}
            as effective_cost_in_reporting_currency,
        cast(case
            when per_job.gpu_hours > 0 then per_job.effective_cost / per_job.gpu_hours
        end as {{ mlcost.type_double() }}) as effective_cost_per_gpu_hour,
        cast(
            per_job.utilization_x_gpu_hours / nullif(per_job.utilization_known_gpu_hours, 0)
            as {{ mlcost.type_double() }}
        ) as gpu_utilization_pct,
        cast(coalesce(per_job.utilization_known_gpu_hours, 0) as {{ mlcost.type_double() }})
            as utilization_known_gpu_hours,
        cast(per_job.gpu_memory_peak_gb as {{ mlcost.type_double() }}) as gpu_memory_peak_gb,
        cast(per_job.unused_gpu_billed_cost as {{ mlcost.type_money() }})
            as unused_gpu_billed_cost,
        cast(per_job.unused_gpu_effective_cost as {{ mlcost.type_money() }})
            as unused_gpu_effective_cost,
        cast(coalesce(per_job.utilization_unknown_billed_cost, 0) as {{ mlcost.type_money() }})
            as utilization_unknown_billed_cost,
        cast(per_job.unused_gpu_billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as unused_gpu_billed_cost_in_reporting_currency,
        cast(
            per_job.unused_gpu_effective_cost_in_reporting_currency
            as {{ mlcost.type_money() }}
        ) as unused_gpu_effective_cost_in_reporting_currency,
        {{ mlcost.reporting_amount_or_zero(
            'per_job.utilization_unknown_billed_cost_in_reporting_currency',
            'per_job.utilization_unknown_billed_cost') }}
            as utilization_unknown_billed_cost_in_reporting_currency
    from jobs
    left join per_job
        on jobs.job_id = per_job.job_id

)

select * from final
