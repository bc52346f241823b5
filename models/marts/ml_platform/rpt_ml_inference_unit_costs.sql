{#- Inference unit costs per serving endpoint (job), model, tenant, UTC day and billing
    currency, from fct_ml_serving_costs_hourly: cost, requests, tokens, errors, cost per
    1k requests and per 1M input and per 1M output tokens (each ratio over the row's whole
    cost: one cost is not split between input and output tokens), and requests per
    GPU-hour (the tenant's share of the endpoint's GPU-hours, split like the cost). Unit
    costs are on effective cost (amortized, what the hour really cost); null, not a
    division by zero, where there is no traffic or no cost yet.

    Autoscaling opportunity: an hour in which the endpoint ran at full capacity (at least
    its job's node_count, the size of one deployment; blue/green hours with two
    deployments count too) while its requests (all tenants) were under
    var mlcost_serving_low_traffic_share of its busiest hour that UTC day. Fewer nodes
    would have served it: nodes needed = max(1, ceil(nodes x requests / peak)), and the
    opportunity is the hour's effective cost x (1 - nodes needed / nodes running), shared
    over the hour's tenants like its cost. An hour with cost and no traffic at full
    capacity counts (one node needed); a day without traffic has no peak and no
    opportunity. -#}
{{ config(**mlcost.by_day_config('mlcost.inference_unit_cost_day_tokens()', 'usage_date')) }}
{%- set day_tokens = mlcost.inference_unit_cost_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'usage_date') %}
{%- set low_traffic_share = mlcost.serving_low_traffic_share() %}

with serving_hours as (

    select * from {{ ref('fct_ml_serving_costs_hourly') }}
    where {{ mlcost.on_days('usage_date', days) }}

),

serving_jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}
    where job_type = 'serving'

),

day_hashes as (

    {{ mlcost.rebuilt_day_hashes(day_tokens, days) }}

),

endpoint_hours as (

    select
        job_id,
        usage_date,
        hour_started_at,
        billing_currency,
        max(endpoint_hour_requests) as hour_requests,
        max(node_count) as node_count,
        sum(effective_cost) as effective_cost
    from serving_hours
    where billing_currency is not null
    group by job_id, usage_date, hour_started_at, billing_currency

),

endpoint_hour_peaks as (

    select
        endpoint_hours.*,
        max(endpoint_hours.hour_requests) over (
            partition by endpoint_hours.job_id, endpoint_hours.usage_date
        ) as day_peak_requests,
        coalesce(
            serving_jobs.node_count,
            max(endpoint_hours.node_count) over (
                partition by endpoint_hours.job_id, endpoint_hours.usage_date
            )
        ) as deployment_node_count
    from endpoint_hours
    left join serving_jobs
        on endpoint_hours.job_id = serving_jobs.job_id

),

endpoint_hour_opportunities as (

    select
        endpoint_hour_peaks.*,
        case
            when day_peak_requests > 0
                and node_count >= deployment_node_count
                and hour_requests < {{ low_traffic_share }} * day_peak_requests
                then 1
            else 0
        end as is_low_traffic_full_capacity
    from endpoint_hour_peaks

),

endpoint_hour_savings as (

    select
        endpoint_hour_opportunities.*,
        case
            when is_low_traffic_full_capacity = 1
                then effective_cost * (
                        1 - cast(
                            greatest(1, ceiling(node_count * hour_requests / day_peak_requests))
                            as {{ mlcost.type_double() }}
                        ) / node_count
                    )
            else 0
        end as autoscaling_opportunity_effective_cost
    from endpoint_hour_opportunities

),

endpoint_hour_shares as (

    select
        endpoint_hour_savings.*,
        case
            when effective_cost = 0 then 0
            else autoscaling_opportunity_effective_cost / effective_cost
        end as autoscaling_opportunity_share
    from endpoint_hour_savings

),

tenant_hours as (

    select
        serving_hours.*,
        endpoint_hour_savings.day_peak_requests,
        coalesce(endpoint_hour_savings.is_low_traffic_full_capacity, 0)
            as is_low_traffic_full_capacity,
        {#- Money before it is summed: a float sum would depend on row order. #}
        cast(
            endpoint_hour_savings.autoscaling_opportunity_effective_cost
            * serving_hours.cost_share as {{ mlcost.type_money() }}
        ) as autoscaling_opportunity_effective_cost,
        cast(
            serving_hours.effective_cost_in_reporting_currency
            * endpoint_hour_savings.autoscaling_opportunity_share as {{ mlcost.type_money() }}
        ) as autoscaling_opportunity_in_reporting_currency
    from serving_hours
    left join endpoint_hour_shares as endpoint_hour_savings
        on serving_hours.job_id = endpoint_hour_savings.job_id
        and serving_hours.hour_started_at = endpoint_hour_savings.hour_started_at
        and serving_hours.billing_currency = endpoint_hour_savings.billing_currency

),

{# Money is converted per hour row (fct), so days sum amounts already converted. -#}
daily as (

    select
        job_id,
        model_name,
        tenant,
        usage_date,
        billing_currency,
        count(*) as hour_count,
        sum(case when has_traffic then 0 else 1 end) as hours_without_traffic,
        sum(requests) as requests,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(errors) as errors,
        {{ mlcost.exact_sum('gpu_hours') }} as gpu_hours,
        max(day_peak_requests) as endpoint_day_peak_requests,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(case when has_traffic then 0 else effective_cost end)
            as effective_cost_without_traffic,
        sum(is_low_traffic_full_capacity) as low_traffic_full_capacity_hours,
        sum(autoscaling_opportunity_effective_cost) as autoscaling_opportunity_effective_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('effective_cost_in_reporting_currency') }}
            as effective_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('autoscaling_opportunity_in_reporting_currency') }}
            as autoscaling_opportunity_in_reporting_currency
    from tenant_hours
    group by job_id, model_name, tenant, usage_date, billing_currency

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "daily.job_id", "'|'", "coalesce(daily.model_name, '')", "'|'",
            "coalesce(daily.tenant, '')", "'|'",
            "cast(daily.usage_date as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(daily.billing_currency, '')",
        ])) }} as inference_unit_cost_id,
        daily.job_id,
        serving_jobs.job_name as endpoint_name,
        serving_jobs.team,
        serving_jobs.provider,
        daily.model_name,
        daily.tenant,
        daily.usage_date,
        cast(daily.hour_count as {{ dbt.type_bigint() }}) as hour_count,
        cast(daily.hours_without_traffic as {{ dbt.type_bigint() }}) as hours_without_traffic,
        cast(daily.requests as {{ dbt.type_bigint() }}) as requests,
        cast(daily.input_tokens as {{ dbt.type_bigint() }}) as input_tokens,
        cast(daily.output_tokens as {{ dbt.type_bigint() }}) as output_tokens,
        cast(daily.errors as {{ dbt.type_bigint() }}) as errors,
        cast(daily.gpu_hours as {{ mlcost.type_double() }}) as gpu_hours,
        cast(daily.requests / nullif(daily.gpu_hours, 0) as {{ mlcost.type_double() }})
            as requests_per_gpu_hour,
        daily.billing_currency,
        cast(daily.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(daily.effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        cast(daily.effective_cost_without_traffic as {{ mlcost.type_money() }})
            as effective_cost_without_traffic,
        cast(
            daily.effective_cost * 1000 / nullif(daily.requests, 0) as {{ mlcost.type_double() }}
        ) as effective_cost_per_1k_requests,
        cast(
            daily.effective_cost * 1000000 / nullif(daily.input_tokens, 0)
            as {{ mlcost.type_double() }}
        ) as effective_cost_per_1m_input_tokens,
        cast(
            daily.effective_cost * 1000000 / nullif(daily.output_tokens, 0)
            as {{ mlcost.type_double() }}
        ) as effective_cost_per_1m_output_tokens,
        cast(daily.endpoint_day_peak_requests as {{ dbt.type_bigint() }})
            as endpoint_day_peak_requests,
        cast(daily.low_traffic_full_capacity_hours as {{ dbt.type_bigint() }})
            as low_traffic_full_capacity_hours,
        cast(daily.autoscaling_opportunity_effective_cost as {{ mlcost.type_money() }})
            as autoscaling_opportunity_effective_cost,
        cast({{ low_traffic_share }} as {{ mlcost.type_double() }}) as low_traffic_share,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(daily.billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as billed_cost_in_reporting_currency,
        cast(daily.effective_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as effective_cost_in_reporting_currency,
        cast(
            daily.effective_cost_in_reporting_currency * 1000 / nullif(daily.requests, 0)
            as {{ mlcost.type_double() }}
        ) as effective_cost_per_1k_requests_in_reporting_currency,
        cast(daily.autoscaling_opportunity_in_reporting_currency as {{ mlcost.type_money() }})
            as autoscaling_opportunity_in_reporting_currency,
        day_hashes.x_day_inputs_hash
    from daily
    left join serving_jobs
        on daily.job_id = serving_jobs.job_id
    left join day_hashes
        on daily.usage_date = day_hashes.x_day

)

select * from final
