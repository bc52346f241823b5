{#- Daily usage spend per team (resolved owner) and per sub-account (AWS account, GCP
    project, Azure subscription; monthly fees, taxes and credits left out) against its trailing baseline: the mean and standard deviation of its previous
    billed days (var mlcost_anomaly_baseline_days). A day is an anomaly when it is above
    mean + k standard deviations (var mlcost_anomaly_stddevs) and above the mean by at least
    mlcost_anomaly_min_increase (in the reporting currency, so one threshold fits every
    billing currency), so a quiet scope's small wobble is not flagged. Baselines are per
    billing currency; the reporting amounts convert the day and its baseline at the day's
    monthly rate. -#}
{%- set baseline_days = var('mlcost_anomaly_baseline_days', 7) | int %}
with spend_daily as (

    select * from {{ ref('int_budget_spend_daily') }}
    where budget_scope in ('team', 'sub_account')

),

scope_days as (

    select
        budget_scope as scope_type,
        scope_value,
        charge_date,
        billing_currency,
        sum(usage_billed_cost) as billed_cost
    from spend_daily
    group by 1, 2, 3, 4

),

baselines as (

    select
        scope_days.*,
        avg(billed_cost) over (
            partition by scope_type, scope_value, billing_currency
            order by charge_date
            rows between {{ baseline_days }} preceding and 1 preceding
        ) as baseline_mean,
        stddev_samp(billed_cost) over (
            partition by scope_type, scope_value, billing_currency
            order by charge_date
            rows between {{ baseline_days }} preceding and 1 preceding
        ) as baseline_stddev,
        count(*) over (
            partition by scope_type, scope_value, billing_currency
            order by charge_date
            rows between {{ baseline_days }} preceding and 1 preceding
        ) as baseline_day_count
    from scope_days

),

baselines_converted as (

    select
        baselines.*,
        {{ mlcost.to_reporting_currency('baselines.billed_cost', 'baselines.billing_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'baselines.baseline_mean', 'baselines.billing_currency') }}
            as baseline_mean_in_reporting_currency
    from baselines
    {{ mlcost.join_reporting_rates('baselines.billing_currency', 'baselines.charge_date') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "scope_type", "'|'", "scope_value", "'|'", "billing_currency",
            "'|'", "cast(charge_date as " ~ dbt.type_string() ~ ")",
        ])) }} as spend_anomaly_day_id,
        charge_date,
        scope_type,
        scope_value,
        billing_currency,
        cast(billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(baseline_mean as {{ mlcost.type_money() }}) as baseline_mean,
        cast(baseline_stddev as {{ mlcost.type_double() }}) as baseline_stddev,
        cast(baseline_day_count as integer) as baseline_day_count,
        cast(
            (billed_cost - baseline_mean) / nullif(baseline_stddev, 0)
            as {{ mlcost.type_double() }}
        ) as z_score,
        coalesce(
            baseline_day_count >= {{ baseline_days }}
            and billed_cost > baseline_mean
            + {{ var('mlcost_anomaly_stddevs', 3) }} * coalesce(baseline_stddev, 0)
            and billed_cost_in_reporting_currency - baseline_mean_in_reporting_currency
            >= {{ var('mlcost_anomaly_min_increase', 100) }},
            false
        ) as is_anomaly,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        billed_cost_in_reporting_currency,
        baseline_mean_in_reporting_currency
    from baselines_converted

)

select * from final
