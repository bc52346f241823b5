{#- GPU utilization waste per month of the jobs' first start, team, job type, GPU model and
    billing currency: GPU-hours (and those whose utilization is known), the GPU-hour-
    weighted utilization, the cost of GPU time left unused (fct_ml_job_costs: over the
    attempts with known utilization), the cost whose utilization is unknown (reported as
    such, never as zero waste), and what right-sizing the finished jobs would save
    (rpt_ml_rightsizing_opportunities). Every job with a start counts, running ones too
    (right-sizing counts finished jobs only). -#}
{#- Incremental by month of the job's first start (macros/gpu_rightsizing.sql). -#}
{{ config(**mlcost.by_month_config('mlcost.gpu_rightsizing_month_tokens()', 'job_month')) }}
{%- set month_tokens = mlcost.gpu_rightsizing_month_tokens() %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'job_month', grain='month') %}

with jobs as (

    select * from {{ ref('fct_ml_job_costs') }}
    where first_started_at is not null
        and {{ mlcost.on_days('first_started_at', months, 'month') }}

),

rightsizing as (

    select * from {{ ref('rpt_ml_rightsizing_opportunities') }}
    where {{ mlcost.on_days('job_month', months, 'month') }}

),

jobs_rightsized as (

    select
        jobs.*,
        cast({{ dbt.date_trunc('month', 'jobs.first_started_at') }} as date) as job_month,
        rightsizing.rightsizing_status,
        rightsizing.rightsizing_saving,
        rightsizing.rightsizing_saving_in_reporting_currency
    from jobs
    left join rightsizing
        on jobs.job_id = rightsizing.job_id

),

monthly as (

    select
        job_month,
        team,
        job_type,
        gpu_model,
        billing_currency,
        count(*) as job_count,
        {{ mlcost.exact_sum('gpu_hours') }} as gpu_hours,
        {{ mlcost.exact_sum('utilization_known_gpu_hours') }} as utilization_known_gpu_hours,
        {{ mlcost.exact_sum('gpu_utilization_pct * utilization_known_gpu_hours') }}
            as utilization_x_gpu_hours,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(unused_gpu_billed_cost) as unused_gpu_billed_cost,
        sum(unused_gpu_effective_cost) as unused_gpu_effective_cost,
        sum(utilization_unknown_billed_cost) as utilization_unknown_billed_cost,
        cast(
            sum(case when rightsizing_status = 'candidate' then 1 else 0 end)
            as {{ dbt.type_bigint() }}
        ) as rightsizing_candidate_job_count,
        sum(case when rightsizing_status = 'candidate' then rightsizing_saving else 0 end)
            as rightsizing_saving,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('effective_cost_in_reporting_currency') }}
            as effective_cost_in_reporting_currency,
        {{ mlcost.sum_reporting_of_known(
            'unused_gpu_billed_cost', 'unused_gpu_billed_cost_in_reporting_currency') }}
            as unused_gpu_billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting_of_known(
            'unused_gpu_effective_cost', 'unused_gpu_effective_cost_in_reporting_currency') }}
            as unused_gpu_effective_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('utilization_unknown_billed_cost_in_reporting_currency') }}
            as utilization_unknown_billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting(
            "case when rightsizing_status = 'candidate'"
            ~ " then rightsizing_saving_in_reporting_currency else 0 end") }}
            as rightsizing_saving_in_reporting_currency
    from jobs_rightsized
    group by 1, 2, 3, 4, 5

),

{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(monthly.job_month as " ~ dbt.type_string() ~ ")",
            "'|'", "coalesce(monthly.team, '')", "'|'", "monthly.job_type",
            "'|'", "coalesce(monthly.gpu_model, '')",
            "'|'", "coalesce(monthly.billing_currency, '')",
        ])) }} as gpu_waste_month_id,
        monthly.job_month,
        monthly.team,
        monthly.job_type,
        monthly.gpu_model,
        monthly.billing_currency,
        cast(monthly.job_count as {{ dbt.type_bigint() }}) as job_count,
        cast(monthly.gpu_hours as {{ mlcost.type_double() }}) as gpu_hours,
        cast(monthly.utilization_known_gpu_hours as {{ mlcost.type_double() }})
            as utilization_known_gpu_hours,
        cast(
            monthly.utilization_x_gpu_hours / nullif(monthly.utilization_known_gpu_hours, 0)
            as {{ mlcost.type_double() }}
        ) as gpu_utilization_pct,
        cast(monthly.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(monthly.effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        cast(monthly.unused_gpu_billed_cost as {{ mlcost.type_money() }})
            as unused_gpu_billed_cost,
        cast(monthly.unused_gpu_effective_cost as {{ mlcost.type_money() }})
            as unused_gpu_effective_cost,
        cast(monthly.utilization_unknown_billed_cost as {{ mlcost.type_money() }})
            as utilization_unknown_billed_cost,
        monthly.rightsizing_candidate_job_count,
        cast(monthly.rightsizing_saving as {{ mlcost.type_money() }}) as rightsizing_saving,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(monthly.billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as billed_cost_in_reporting_currency,
        cast(monthly.effective_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as effective_cost_in_reporting_currency,
        cast(monthly.unused_gpu_billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as unused_gpu_billed_cost_in_reporting_currency,
        cast(
            monthly.unused_gpu_effective_cost_in_reporting_currency
            as {{ mlcost.type_money() }}
        ) as unused_gpu_effective_cost_in_reporting_currency,
        cast(
            monthly.utilization_unknown_billed_cost_in_reporting_currency
            as {{ mlcost.type_money() }}
        ) as utilization_unknown_billed_cost_in_reporting_currency,
        cast(monthly.rightsizing_saving_in_reporting_currency as {{ mlcost.type_money() }})
            as rightsizing_saving_in_reporting_currency,
        month_inputs.x_day_inputs_hash
    from monthly
    left join month_inputs
        on monthly.job_month = month_inputs.x_day

)

select * from final
