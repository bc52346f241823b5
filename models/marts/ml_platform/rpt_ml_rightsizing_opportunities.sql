{#- GPU right-sizing: one row per finished job that ran on GPUs, with what a smaller GPU
    count or a cheaper GPU model would have cost. A job whose utilization is unknown keeps
    its row with rightsizing_status 'utilization_unknown' (never a candidate, never "no
    waste"); a job whose utilization fits nothing cheaper is 'no_cheaper_fit'.
    The rule, with T = var mlcost_rightsizing_target_utilization_pct (default 80) and
    H = var mlcost_rightsizing_memory_headroom_pct (default 10):
    - GPUs now: gpus_per_node x node_count. Utilization: the job's GPU-hour-weighted
      utilization over its attempts that measured it.
    - needed GPUs = max(1, ceil(GPUs now x utilization / T)).
    - a candidate is an instance type of seeds/gpu_catalog of the same provider (SageMaker
      ml.* types for SageMaker types, EC2 for EC2), on ceil(needed / its GPUs) nodes:
      'fewer_gpus' when it has the job's GPU model and fewer GPUs in all than now (data
      parallel: each GPU keeps the same memory footprint, so the job's peak fits as it did);
      'cheaper_gpu_model' when it has another GPU model and the job's known peak memory
      <= its memory per GPU x (1 - H / 100) (unknown peak memory: no such candidate; the
      utilization is assumed to carry over, the analyst checks the model's throughput).
    - its price per instance-hour: 'bill', the effective cost per instance-hour of the
      instance-hours billed wholly on demand (FOCUS pricing category Standard) for that type
      in the same provider, region and billing currency, in the job's month or the nearest
      month that has one (ties: the later); else 'reference', seeds/gpu_reference_prices
      (USD, converted into the billing currency at the job's month's rates).
    - estimated cost = price x nodes x the job's run hours; a candidate must cost less than
      the job's effective cost. A 'fewer_gpus' candidate wins over any 'cheaper_gpu_model'
      one (it changes nothing but the count); among one kind, the cheapest wins.
    Saving = effective cost - estimated cost, in the billing currency; in the reporting
    currency the estimate converts at the rate of the job's month. -#}
{#- Incremental by month of the job's first start (macros/gpu_rightsizing.sql). -#}
{{ config(**mlcost.by_month_config('mlcost.gpu_rightsizing_month_tokens()', 'job_month')) }}
{%- set month_tokens = mlcost.gpu_rightsizing_month_tokens() %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'job_month', grain='month') %}
{%- set target_pct = mlcost.rightsizing_target_utilization_pct() %}
{%- set headroom_pct = mlcost.rightsizing_memory_headroom_pct() %}

with jobs as (

    select * from {{ ref('fct_ml_job_costs') }}
    where final_status != 'running'
        and gpu_hours > 0
        and {{ mlcost.on_days('first_started_at', months, 'month') }}

),

gpu_catalog as (

    select * from {{ ref('gpu_catalog') }}

),

reference_prices as (

    select * from {{ ref('gpu_reference_prices') }}

),

jobs_sized as (

    select
        jobs.*,
        cast({{ dbt.date_trunc('month', 'jobs.first_started_at') }} as date) as job_month,
        coalesce(jobs.gpus_per_node, 0) * coalesce(jobs.node_count, 1) as current_gpu_count,
        coalesce(jobs.gpus_per_node, 0) * coalesce(jobs.node_count, 1)
        * jobs.gpu_utilization_pct / {{ target_pct }} as gpus_at_target
    from jobs

),

{# GPUs at the target utilization, rounded to 6 decimals first: 4 x 20 / 80 is 1, not
    1.0000000001 (which would need 2). -#}
job_needs as (

    select
        jobs_sized.*,
        cast(
            case
                when gpus_at_target is not null
                    then greatest(1, ceil(round(gpus_at_target, 6)))
            end as {{ dbt.type_bigint() }}
        ) as needed_gpu_count
    from jobs_sized

),

candidates as (

    select
        job_needs.job_id,
        job_needs.job_month,
        job_needs.provider,
        job_needs.region,
        job_needs.billing_currency,
        job_needs.effective_cost,
        job_needs.run_hours,
        gpu_catalog.instance_type,
        gpu_catalog.gpu_model,
        gpu_catalog.gpu_count as gpus_per_node,
        cast(
            ceil(job_needs.needed_gpu_count * 1.0 / gpu_catalog.gpu_count)
            as {{ dbt.type_bigint() }}
        ) as node_count,
        case
            when gpu_catalog.gpu_model = job_needs.gpu_model
                then 'fewer_gpus'
            else 'cheaper_gpu_model'
        end as rightsizing_kind
    from job_needs
    inner join gpu_catalog
        on job_needs.provider = gpu_catalog.provider
        and (job_needs.instance_type like 'ml.%') = (gpu_catalog.instance_type like 'ml.%')
    where job_needs.needed_gpu_count is not null
        and gpu_catalog.gpu_count > 0
        and (
            (
                gpu_catalog.gpu_model = job_needs.gpu_model
                and ceil(job_needs.needed_gpu_count * 1.0 / gpu_catalog.gpu_count)
                * gpu_catalog.gpu_count < job_needs.current_gpu_count
            )
            or (
                gpu_catalog.gpu_model != job_needs.gpu_model
                and job_needs.gpu_memory_peak_gb
                <= gpu_catalog.gpu_memory_gb * (1 - {{ headroom_pct }} / 100.0)
            )
        )

),

job_months as (

    select distinct job_month from job_needs

),

{# Per job month, the bill's price of each instance type in the nearest month. -#}
bill_prices_nearest as (

    {{ mlcost.rightsizing_bill_prices_sql('select job_month from job_months') }}

),

reference_instance_prices as (

    select
        provider,
        instance_type,
        min(price_per_gpu_hour * gpus_per_instance) as price_per_instance_hour
    from reference_prices
    group by 1, 2

),

candidates_priced as (

    select
        candidates.*,
        case
            when bill_prices_nearest.price_per_instance_hour is not null then 'bill'
            when reference_instance_prices.price_per_instance_hour is not null then 'reference'
        end as price_basis,
        coalesce(
            bill_prices_nearest.price_per_instance_hour,
            case
                when candidates.billing_currency = 'USD'
                    then reference_instance_prices.price_per_instance_hour
                else reference_instance_prices.price_per_instance_hour
                    * usd_rates.rate_to_reporting / reporting_rates.rate_to_reporting
            end
        ) as price_per_instance_hour
    from candidates
    left join bill_prices_nearest
        on candidates.job_month = bill_prices_nearest.job_month
        and candidates.provider = bill_prices_nearest.x_provider
        and candidates.region = bill_prices_nearest.region_id
        and candidates.instance_type = bill_prices_nearest.instance_type
        and candidates.billing_currency = bill_prices_nearest.billing_currency
        and bill_prices_nearest.price_rank = 1
    left join reference_instance_prices
        on candidates.instance_type = reference_instance_prices.instance_type
    {{ mlcost.join_reporting_rates('candidates.billing_currency', 'candidates.job_month') }}
    {#- the reference prices' currency (seed gpu_reference_prices) #}
    {{ mlcost.join_reporting_rates("'USD'", 'candidates.job_month', 'usd_rates') }}

),

candidates_ranked as (

    select
        candidates_priced.*,
        price_per_instance_hour * node_count * run_hours as estimated_effective_cost,
        row_number() over (
            partition by job_id
            order by
                case rightsizing_kind when 'fewer_gpus' then 0 else 1 end,
                price_per_instance_hour * node_count * run_hours,
                instance_type
        ) as candidate_rank
    from candidates_priced
    where price_per_instance_hour is not null
        and price_per_instance_hour * node_count * run_hours < effective_cost

),

{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        job_needs.job_id,
        job_needs.job_month,
        job_needs.job_name,
        job_needs.job_type,
        job_needs.team,
        job_needs.project,
        job_needs.user_email,
        job_needs.final_status,
        job_needs.provider,
        job_needs.region,
        job_needs.instance_type,
        job_needs.gpu_model,
        job_needs.gpus_per_node,
        job_needs.node_count,
        cast(job_needs.current_gpu_count as {{ dbt.type_bigint() }}) as gpu_count,
        job_needs.run_hours,
        job_needs.gpu_hours,
        job_needs.utilization_known_gpu_hours,
        job_needs.gpu_utilization_pct,
        job_needs.gpu_memory_peak_gb,
        cast({{ target_pct }} as {{ mlcost.type_double() }}) as target_utilization_pct,
        cast({{ headroom_pct }} as {{ mlcost.type_double() }}) as memory_headroom_pct,
        job_needs.needed_gpu_count,
        case
            when job_needs.gpu_utilization_pct is null then 'utilization_unknown'
            when candidates_ranked.instance_type is not null then 'candidate'
            else 'no_cheaper_fit'
        end as rightsizing_status,
        candidates_ranked.rightsizing_kind,
        candidates_ranked.instance_type as recommended_instance_type,
        candidates_ranked.gpu_model as recommended_gpu_model,
        cast(candidates_ranked.gpus_per_node as {{ dbt.type_bigint() }})
            as recommended_gpus_per_node,
        candidates_ranked.node_count as recommended_node_count,
        cast(
            candidates_ranked.gpus_per_node * candidates_ranked.node_count
            as {{ dbt.type_bigint() }}
        ) as recommended_gpu_count,
        candidates_ranked.price_basis,
        cast(candidates_ranked.price_per_instance_hour as {{ mlcost.type_double() }})
            as recommended_price_per_instance_hour,
        job_needs.billing_currency,
        job_needs.billed_cost,
        job_needs.effective_cost,
        cast(candidates_ranked.estimated_effective_cost as {{ mlcost.type_money() }})
            as estimated_effective_cost,
        cast(
            job_needs.effective_cost - candidates_ranked.estimated_effective_cost
            as {{ mlcost.type_money() }}
        ) as rightsizing_saving,
        job_needs.reporting_currency,
        job_needs.effective_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'candidates_ranked.estimated_effective_cost', 'job_needs.billing_currency') }}
            as estimated_effective_cost_in_reporting_currency,
        cast(
            job_needs.effective_cost_in_reporting_currency
            - {{ mlcost.to_reporting_currency(
                'candidates_ranked.estimated_effective_cost', 'job_needs.billing_currency') }}
            as {{ mlcost.type_money() }}
        ) as rightsizing_saving_in_reporting_currency,
        month_inputs.x_day_inputs_hash
    from job_needs
    left join candidates_ranked
        on job_needs.job_id = candidates_ranked.job_id
        and candidates_ranked.candidate_rank = 1
    left join month_inputs
        on job_needs.job_month = month_inputs.x_day
    {{ mlcost.join_reporting_rates('job_needs.billing_currency', 'job_needs.job_month') }}

)

select * from final
