{#- One row per job attempt: what it cost (billed and effective), how long it ran on how
    many GPUs, and how it ended. A running attempt counts up to the last billed hour of its
    nodes (or the end of the billing data when none is billed yet). -#}
{#- GPU utilization waste: the share of the attempt's cost its GPUs left idle,
    cost x (1 - utilization / 100), utilization clamped to 0-100. Null, never 0, when the
    attempt's utilization is unknown or it ran on no GPU: unknown is not "no waste". -#}

with attempts as (

    select * from {{ ref('int_ml_job_attempts_unioned') }}

),

jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}

),

attempt_nodes as (

    select * from {{ ref('int_attempt_nodes_joined') }}

),

attributed as (

    select * from {{ ref('int_attempt_node_days_costed') }}

),

compute_costs as (

    select * from {{ ref('int_compute_costs_unattributed') }}

),

cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null

),

billing_data_end as (

    select max(charge_period_end) as billed_until
    from cost_lines

),

{# The currency a cloud bills compute in, when it bills in one: an attempt without cost
    (nothing billed yet, nodes that match no line) is in its cloud's currency. -#}
provider_currencies as (

    select
        x_provider,
        max(billing_currency) as billing_currency
    from compute_costs
    group by 1
    having count(distinct billing_currency) = 1

),

attempt_gpus as (

    select
        attempt_id,
        count(*) as node_count,
        cast(sum(coalesce(gpus_used, 0)) as {{ dbt.type_bigint() }}) as gpu_count
    from attempt_nodes
    group by 1

),

{# Each node-day converted at its month's rate before the attempt's days are summed. An
    attempt's nodes bill in one currency (test assert_job_costs_in_one_billing_currency
    fails the build before this mart otherwise). -#}
attributed_converted as (

    {{ mlcost.attributed_in_reporting_currency('attributed') }}

),

attempt_costs as (

    select
        attempt_id,
        max(billing_currency) as billing_currency,
        sum(attributed_billed_cost) as billed_cost,
        sum(attributed_effective_cost) as effective_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('effective_cost_in_reporting_currency') }}
            as effective_cost_in_reporting_currency,
        max(last_charge_period_end) as last_billed_at
    from attributed_converted
    group by 1

),

durations as (

    select
        attempts.attempt_id,
        {{ dbt.datediff(
            'attempts.started_at',
            'coalesce(attempts.ended_at, attempt_costs.last_billed_at,'
            ~ ' billing_data_end.billed_until, attempts.started_at)',
            'second') }} / 3600.0 as duration_hours
    from attempts
    cross join billing_data_end
    left join attempt_costs
        on attempts.attempt_id = attempt_costs.attempt_id

),

unused_shares as (

    select
        attempts.attempt_id,
        case
            when attempts.gpu_utilization_pct is null
                or coalesce(attempt_gpus.gpu_count, 0) = 0 then null
            when attempts.gpu_utilization_pct >= 100 then 0.0
            when attempts.gpu_utilization_pct <= 0 then 1.0
            else 1 - attempts.gpu_utilization_pct / 100.0
        end as unused_share
    from attempts
    left join attempt_gpus
        on attempts.attempt_id = attempt_gpus.attempt_id

),

final as (

    select
        attempts.attempt_id,
        attempts.job_id,
        attempts.attempt_number,
        attempts.status as attempt_status,
        attempts.failure_reason,
        attempts.started_at,
        attempts.ended_at,
        attempts.ended_at is null as is_running,
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
        jobs.is_spot,
        coalesce(attempt_gpus.node_count, 0) as node_count,
        coalesce(attempt_gpus.gpu_count, 0) as gpu_count,
        durations.duration_hours,
        durations.duration_hours * coalesce(attempt_gpus.gpu_count, 0) as gpu_hours,
        coalesce(attempt_costs.billing_currency, provider_currencies.billing_currency)
            as billing_currency,
        cast(coalesce(attempt_costs.billed_cost, 0) as {{ mlcost.type_money() }}) as billed_cost,
        cast(coalesce(attempt_costs.effective_cost, 0) as {{ mlcost.type_money() }})
            as effective_cost,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        {{ mlcost.reporting_amount_or_zero(
            'attempt_costs.billed_cost_in_reporting_currency', 'attempt_costs.billed_cost') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.reporting_amount_or_zero(
            'attempt_costs.effective_cost_in_reporting_currency',
            'attempt_costs.effective_cost') }} as effective_cost_in_reporting_currency,
        cast(attempts.gpu_utilization_pct as {{ mlcost.type_double() }}) as gpu_utilization_pct,
        cast(attempts.gpu_memory_peak_gb as {{ mlcost.type_double() }}) as gpu_memory_peak_gb,
        cast(
            coalesce(attempt_costs.billed_cost, 0) * unused_shares.unused_share
            as {{ mlcost.type_money() }}
        ) as unused_gpu_billed_cost,
        cast(
            coalesce(attempt_costs.effective_cost, 0) * unused_shares.unused_share
            as {{ mlcost.type_money() }}
        ) as unused_gpu_effective_cost,
        cast(
            {{ mlcost.reporting_amount_or_zero(
                'attempt_costs.billed_cost_in_reporting_currency', 'attempt_costs.billed_cost') }}
            * unused_shares.unused_share as {{ mlcost.type_money() }}
        ) as unused_gpu_billed_cost_in_reporting_currency,
        cast(
            {{ mlcost.reporting_amount_or_zero(
                'attempt_costs.effective_cost_in_reporting_currency',
                'attempt_costs.effective_cost') }}
            * unused_shares.unused_share as {{ mlcost.type_money() }}
        ) as unused_gpu_effective_cost_in_reporting_currency
    from attempts
    inner join jobs
        on attempts.job_id = jobs.job_id
    inner join durations
        on attempts.attempt_id = durations.attempt_id
    left join attempt_gpus
        on attempts.attempt_id = attempt_gpus.attempt_id
    left join attempt_costs
        on attempts.attempt_id = attempt_costs.attempt_id
    left join provider_currencies
        on jobs.provider = provider_currencies.x_provider
    left join unused_shares
        on attempts.attempt_id = unused_shares.attempt_id

)

select * from final
