{#- Runs past their plateau: one row per job attempt that logged its project's watched
    metric (int_ml_run_plateaus_detected has the rule), whether and where it plateaued,
    and what it cost after that. An attempt that logged no watched metric is not here:
    nothing is guessed for it. The waste is the attempt's attributed cost "by time": its
    billed (effective) cost x the share of its run time after plateau_at, run time being
    started_at to ended_at, or for a running attempt to the end fct_ml_job_attempt_costs
    counts (its duration_hours). The reporting amounts take the same share of the
    attempt's converted cost. -#}
{#- Incremental by month of the attempt's start (macros/incremental_months.sql): a month
    is rebuilt when an attempt's evaluations, plateau, cost or job context changes, or
    when a plateau var or the reporting currency does. -#}
{{ config(**mlcost.by_month_config('mlcost.plateau_waste_month_tokens()', 'attempt_start_month')) }}
{%- set month_tokens = mlcost.plateau_waste_month_tokens() %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'attempt_start_month', grain='month') %}

with plateaus as (

    select * from {{ ref('int_ml_run_plateaus_detected') }}
    where {{ mlcost.on_days('started_at', months, 'month') }}

),

attempt_costs as (

    select * from {{ ref('fct_ml_job_attempt_costs') }}
    where {{ mlcost.on_days('started_at', months, 'month') }}

),

timed as (

    select
        plateaus.*,
        attempt_costs.job_id,
        attempt_costs.attempt_number,
        attempt_costs.attempt_status,
        attempt_costs.is_running,
        attempt_costs.ended_at,
        attempt_costs.job_name,
        attempt_costs.job_type,
        attempt_costs.user_email,
        attempt_costs.team,
        attempt_costs.project,
        attempt_costs.model_name,
        attempt_costs.provider,
        attempt_costs.duration_hours,
        attempt_costs.billing_currency,
        attempt_costs.billed_cost,
        attempt_costs.effective_cost,
        attempt_costs.reporting_currency,
        attempt_costs.billed_cost_in_reporting_currency,
        attempt_costs.effective_cost_in_reporting_currency,
        {{ dbt.datediff('attempt_costs.started_at', 'plateaus.plateau_at', 'second') }}
        / 3600.0 as hours_to_plateau
    from plateaus
    inner join attempt_costs
        on plateaus.attempt_id = attempt_costs.attempt_id

),

{# The run time after the plateau, within the attempt's run time. -#}
after_plateau as (

    select
        timed.*,
        case
            when not timed.is_plateaued then 0
            when timed.hours_to_plateau <= 0 then timed.duration_hours
            when timed.hours_to_plateau >= timed.duration_hours then 0
            else timed.duration_hours - timed.hours_to_plateau
        end as hours_after_plateau
    from timed

),

shared as (

    select
        after_plateau.*,
        case
            when after_plateau.duration_hours > 0
                then after_plateau.hours_after_plateau / after_plateau.duration_hours
            else 0
        end as share_after_plateau
    from after_plateau

),

month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        shared.attempt_id,
        cast({{ dbt.date_trunc('month', 'shared.started_at') }} as date)
            as attempt_start_month,
        shared.job_id,
        shared.attempt_number,
        shared.attempt_status,
        shared.job_name,
        shared.job_type,
        shared.user_email,
        shared.team,
        shared.project,
        shared.model_name,
        shared.provider,
        shared.started_at,
        shared.ended_at,
        shared.is_running,
        shared.metric_name,
        shared.direction,
        cast(shared.evaluation_count as {{ dbt.type_bigint() }}) as evaluation_count,
        cast(shared.best_value as {{ mlcost.type_double() }}) as best_value,
        shared.is_plateaued,
        cast(shared.plateau_step as {{ dbt.type_bigint() }}) as plateau_step,
        shared.plateau_at,
        cast(shared.plateau_best_value as {{ mlcost.type_double() }}) as plateau_best_value,
        cast(shared.duration_hours as {{ mlcost.type_double() }}) as duration_hours,
        cast(shared.hours_after_plateau as {{ mlcost.type_double() }}) as hours_after_plateau,
        cast(shared.share_after_plateau as {{ mlcost.type_double() }})
            as share_after_plateau,
        shared.billing_currency,
        cast(shared.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(shared.effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        cast(shared.billed_cost * shared.share_after_plateau as {{ mlcost.type_money() }})
            as plateau_waste_billed_cost,
        cast(
            shared.effective_cost * shared.share_after_plateau as {{ mlcost.type_money() }}
        ) as plateau_waste_effective_cost,
        shared.reporting_currency,
        cast(
            shared.billed_cost_in_reporting_currency * shared.share_after_plateau
            as {{ mlcost.type_money() }}
        ) as plateau_waste_billed_cost_in_reporting_currency,
        cast(
            shared.effective_cost_in_reporting_currency * shared.share_after_plateau
            as {{ mlcost.type_money() }}
        ) as plateau_waste_effective_cost_in_reporting_currency,
        month_inputs.x_day_inputs_hash
    from shared
    left join month_inputs
        on cast({{ dbt.date_trunc('month', 'shared.started_at') }} as date)
        = month_inputs.x_day

)

select * from final
