{#- Job duration and failure-rate statistics per job type and team: how long jobs run
    and wait, and how often they and their attempts fail. Jobs still running count in the
    job totals but not in the finished-job failure rate or durations. The statistics are
    per job type and team whatever the clouds' currencies: billed cost is summed in the
    billing currency only when the group's jobs share one (else null: read the reporting
    currency column). -#}

with jobs as (

    select * from {{ ref('fct_ml_job_costs') }}

),

finished_jobs as (

    select
        jobs.*,
        final_status in ('failed', 'killed', 'preempted') as is_unsuccessful
    from jobs
    where final_status != 'running'

),

job_counts as (

    select
        job_type,
        team,
        count(*) as job_count,
        sum(case when final_status = 'running' then 1 else 0 end) as running_job_count,
        sum(attempt_count) as attempt_count,
        sum(unsuccessful_attempt_count) as unsuccessful_attempt_count,
        {{ mlcost.exact_avg('queue_hours') }} as avg_queue_hours,
        {{ mlcost.exact_sum('gpu_hours') }} as gpu_hours,
        count(distinct billing_currency) as billing_currency_count,
        max(billing_currency) as billing_currency,
        sum(billed_cost) as billed_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency
    from jobs
    group by 1, 2

),

finished_stats as (

    select
        job_type,
        team,
        count(*) as finished_job_count,
        sum(case when is_unsuccessful then 1 else 0 end) as unsuccessful_job_count,
        {{ mlcost.exact_avg('run_hours') }} as avg_run_hours,
        {{ mlcost.percentile_cont('run_hours', 0.5) }} as median_run_hours,
        {{ mlcost.percentile_cont('run_hours', 0.9) }} as p90_run_hours,
        max(run_hours) as max_run_hours
    from finished_jobs
    group by 1, 2

),

final as (

    select
        {#- A job without a team still has statistics: its key must not be null. #}
        {{ dbt.concat(["coalesce(job_counts.job_type, '')", "'|'",
                       "coalesce(job_counts.team, '')"]) }} as job_stats_id,
        job_counts.job_type,
        job_counts.team,
        job_counts.job_count,
        cast(job_counts.running_job_count as {{ dbt.type_bigint() }}) as running_job_count,
        cast(job_counts.attempt_count as {{ dbt.type_bigint() }}) as attempt_count,
        cast(job_counts.unsuccessful_attempt_count as {{ dbt.type_bigint() }})
            as unsuccessful_attempt_count,
        coalesce(finished_stats.finished_job_count, 0) as finished_job_count,
        cast(coalesce(finished_stats.unsuccessful_job_count, 0) as {{ dbt.type_bigint() }})
            as unsuccessful_job_count,
        cast(case
            when finished_stats.finished_job_count > 0
                then cast(finished_stats.unsuccessful_job_count as {{ mlcost.type_double() }})
                    / finished_stats.finished_job_count
        end as {{ mlcost.type_double() }}) as job_failure_rate,
        cast(case
            when job_counts.attempt_count > 0
                then cast(job_counts.unsuccessful_attempt_count as {{ mlcost.type_double() }})
                    / job_counts.attempt_count
        end as {{ mlcost.type_double() }}) as attempt_failure_rate,
        cast(finished_stats.avg_run_hours as {{ mlcost.type_double() }}) as avg_run_hours,
        cast(finished_stats.median_run_hours as {{ mlcost.type_double() }})
            as median_run_hours,
        cast(finished_stats.p90_run_hours as {{ mlcost.type_double() }}) as p90_run_hours,
        cast(finished_stats.max_run_hours as {{ mlcost.type_double() }}) as max_run_hours,
        cast(job_counts.avg_queue_hours as {{ mlcost.type_double() }}) as avg_queue_hours,
        cast(job_counts.gpu_hours as {{ mlcost.type_double() }}) as gpu_hours,
        case
            when job_counts.billing_currency_count = 1 then job_counts.billing_currency
        end as billing_currency,
        cast(case
            when job_counts.billing_currency_count <= 1 then job_counts.billed_cost
        end as {{ mlcost.type_money() }}) as billed_cost,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(job_counts.billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as billed_cost_in_reporting_currency
    from job_counts
    left join finished_stats
        on job_counts.job_type = finished_stats.job_type
        and job_counts.team = finished_stats.team

)

select * from final
