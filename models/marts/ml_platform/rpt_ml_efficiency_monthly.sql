{#- The ML cost review in one table: per month, team and lever, the dollars each lever of
    training efficiency would recover. A dollar is assigned to one lever only, in this
    order (lever_order):
    1. failures: a failed, killed or preempted attempt's whole cost (its result was lost);
    2. repeats: what is left of an attempt of a job that repeated an earlier success
       (rpt_ml_repeated_runs): all of it, a cached result would have served;
    3. plateau: of what is left, the cost after the run's watched metric plateaued
       (fct_ml_plateau_waste), at most what is left;
    4. utilization: of what is left, the unused share of the GPUs (1 - utilization), for
       attempts whose utilization is known;
    5. spot: of what is left, the saving at the observed spot discount for checkpointing
       jobs that ran on demand (rpt_ml_spot_opportunities);
    6. idle: machine hours no attempt ran on (rpt_idle_and_orphaned_resources), dollars
       no attempt was charged, so disjoint from 1-5;
    7. checkpoints: the monthly storage cost of checkpoints past retention
       (rpt_checkpoint_retention_savings), storage dollars, disjoint from 1-6, in the month of
       the billing data's end.
    Levers 1-5 take an attempt's dollars in the month it started. spend_billed_cost is what
    the levers draw from (attempt costs, idle hours, the retained checkpoints' storage) and
    repeats on each lever row of the team and month (teams compared lowercased: a tag's
    'NLP' and a job record's 'nlp' are one team): the levers add up to no more than it
    (test assert_efficiency_levers_within_spend). Billed cost, as invoices state it; the
    reporting-currency amounts keep each attempt's own conversion. -#}
{#- Rebuilt by month (macros/incremental_months.sql): the months of the lever rows whose
    inputs changed. -#}
{{ config(**mlcost.by_month_config('mlcost.efficiency_month_tokens()', 'usage_month')) }}
{%- set month_tokens = mlcost.efficiency_month_tokens() %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'usage_month', grain='month') %}

with attempt_costs as (

    select * from {{ ref('fct_ml_job_attempt_costs') }}
    where {{ mlcost.on_days('started_at', months, 'month') }}

),

failed_attempts as (

    select * from {{ ref('fct_ml_failed_attempt_costs') }}

),

repeated_runs as (

    select * from {{ ref('rpt_ml_repeated_runs') }}

),

plateau_waste as (

    select * from {{ ref('fct_ml_plateau_waste') }}

),

spot_opportunities as (

    select * from {{ ref('rpt_ml_spot_opportunities') }}

),

idle_findings as (

    select * from {{ ref('rpt_idle_and_orphaned_resources') }}
    where finding = 'idle_machine'
        and {{ mlcost.on_days('usage_month', months, 'month') }}

),

checkpoint_savings as (

    select * from {{ ref('rpt_checkpoint_retention_savings') }}
    where {{ mlcost.on_days('as_of_at', months, 'month') }}

),

{# Each attempt's billed cost handed down the levers 1-5: each takes its part of what the
    previous ones left. -#}
attempt_levers as (

    select
        attempt_costs.attempt_id,
        lower(trim(attempt_costs.team)) as team,
        attempt_costs.billing_currency,
        cast({{ dbt.date_trunc('month', 'attempt_costs.started_at') }} as date)
            as usage_month,
        attempt_costs.billed_cost,
        attempt_costs.billed_cost_in_reporting_currency,
        failed_attempts.attempt_id is not null as is_failure,
        repeated_runs.job_id is not null as is_repeat,
        coalesce(plateau_waste.plateau_waste_billed_cost, 0) as plateau_billed_cost,
        attempt_costs.gpu_utilization_pct,
        coalesce(spot_opportunities.spot_discount, 0) as spot_discount
    from attempt_costs
    left join failed_attempts
        on attempt_costs.attempt_id = failed_attempts.attempt_id
    left join repeated_runs
        on attempt_costs.job_id = repeated_runs.job_id
    left join plateau_waste
        on attempt_costs.attempt_id = plateau_waste.attempt_id
    left join spot_opportunities
        on attempt_costs.job_id = spot_opportunities.job_id

),

after_failures as (

    select
        *,
        case when is_failure then billed_cost else 0 end as failures_billed_cost,
        case when is_failure then 0 else billed_cost end as left_after_failures
    from attempt_levers

),

after_repeats as (

    select
        *,
        case when is_repeat then left_after_failures else 0 end as repeats_billed_cost,
        case when is_repeat then 0 else left_after_failures end as left_after_repeats
    from after_failures

),

after_plateau as (

    select
        *,
        least(greatest(plateau_billed_cost, 0), left_after_repeats)
            as plateau_lever_billed_cost
    from after_repeats

),

after_utilization as (

    select
        *,
        left_after_repeats - plateau_lever_billed_cost as left_after_plateau,
        case
            when gpu_utilization_pct is null then 0
            else (left_after_repeats - plateau_lever_billed_cost)
                * least(greatest(1 - gpu_utilization_pct / 100.0, 0), 1)
        end as utilization_billed_cost
    from after_plateau

),

attempt_lever_amounts as (

    select
        *,
        (left_after_plateau - utilization_billed_cost)
        * least(greatest(spot_discount, 0), 1) as spot_billed_cost,
        {#- an attempt without cost has no lever dollars to convert -#}
        case
            when billed_cost = 0 then 0
            else billed_cost_in_reporting_currency / billed_cost
        end as reporting_per_billed
    from after_utilization

),

{# One row per attempt and lever 1-5 (an attempt has all five, most of them 0). -#}
attempt_lever_rows as (

    {%- for lever, column in [
        ('failures', 'failures_billed_cost'),
        ('repeats', 'repeats_billed_cost'),
        ('plateau', 'plateau_lever_billed_cost'),
        ('utilization', 'utilization_billed_cost'),
        ('spot', 'spot_billed_cost'),
    ] %}
    select
        usage_month,
        team,
        billing_currency,
        {{ dbt.string_literal(lever) }} as lever,
        {#- as money before summing: a sum of floats depends on the order of its rows -#}
        cast({{ column }} as {{ mlcost.type_money() }}) as lever_billed_cost,
        cast({{ column }} * reporting_per_billed as {{ mlcost.type_money() }})
            as lever_billed_cost_in_reporting_currency,
        case when {{ column }} != 0 then 1 else 0 end as is_counted,
        0 as is_spend_only
    from attempt_lever_amounts
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

spend_rows as (

    select
        usage_month,
        team,
        billing_currency,
        'spend' as lever,
        billed_cost as lever_billed_cost,
        billed_cost_in_reporting_currency as lever_billed_cost_in_reporting_currency,
        0 as is_counted,
        1 as is_spend_only
    from attempt_lever_amounts

),

idle_rows as (

    select
        usage_month,
        lower(trim(owner_team)) as team,
        billing_currency,
        'idle' as lever,
        finding_billed_cost as lever_billed_cost,
        finding_billed_cost_in_reporting_currency as lever_billed_cost_in_reporting_currency,
        1 as is_counted,
        0 as is_spend_only
    from idle_findings

),

checkpoint_rows as (

    select
        cast({{ dbt.date_trunc('month', 'as_of_at') }} as date) as usage_month,
        lower(trim(team)) as team,
        billing_currency,
        'checkpoints' as lever,
        monthly_delete_saving as lever_billed_cost,
        monthly_delete_saving_in_reporting_currency as lever_billed_cost_in_reporting_currency,
        candidate_checkpoint_count as is_counted,
        0 as is_spend_only
    from checkpoint_savings

),

all_rows as (

    select * from attempt_lever_rows
    union all
    select * from spend_rows
    union all
    select * from idle_rows
    union all
    select * from checkpoint_rows

),

levers as (

    select
        usage_month,
        team,
        billing_currency,
        lever,
        sum(is_counted) as item_count,
        sum(lever_billed_cost) as lever_billed_cost,
        {{ mlcost.sum_reporting('lever_billed_cost_in_reporting_currency') }}
            as lever_billed_cost_in_reporting_currency
    from all_rows
    where lever != 'spend'
    group by 1, 2, 3, 4

),

{# What the levers draw from: attempt costs, idle hours and the storage of the checkpoints
    past retention (the last two are each their whole lever). -#}
{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

spend as (

    select
        usage_month,
        team,
        billing_currency,
        sum(lever_billed_cost) as spend_billed_cost,
        {{ mlcost.sum_reporting('lever_billed_cost_in_reporting_currency') }}
            as spend_billed_cost_in_reporting_currency
    from all_rows
    where lever in ('spend', 'idle', 'checkpoints')
    group by 1, 2, 3

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(levers.usage_month as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(levers.team, '')", "'|'",
            "coalesce(levers.billing_currency, '')", "'|'",
            "levers.lever",
        ])) }} as efficiency_row_id,
        levers.usage_month,
        levers.team,
        levers.lever,
        cast(case levers.lever
            when 'failures' then 1
            when 'repeats' then 2
            when 'plateau' then 3
            when 'utilization' then 4
            when 'spot' then 5
            when 'idle' then 6
            when 'checkpoints' then 7
        end as {{ dbt.type_bigint() }}) as lever_order,
        cast(levers.item_count as {{ dbt.type_bigint() }}) as item_count,
        levers.billing_currency,
        cast(levers.lever_billed_cost as {{ mlcost.type_money() }}) as lever_billed_cost,
        cast(spend.spend_billed_cost as {{ mlcost.type_money() }}) as spend_billed_cost,
        cast(case
            when spend.spend_billed_cost > 0
                then levers.lever_billed_cost / spend.spend_billed_cost
        end as {{ mlcost.type_double() }}) as share_of_spend_ratio,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(levers.lever_billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as lever_billed_cost_in_reporting_currency,
        cast(spend.spend_billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as spend_billed_cost_in_reporting_currency,
        month_inputs.x_day_inputs_hash
    from levers
    inner join spend
        on levers.usage_month = spend.usage_month
        and levers.billing_currency = spend.billing_currency
        and coalesce(levers.team, '') = coalesce(spend.team, '')
    left join month_inputs
        on levers.usage_month = month_inputs.x_day

)

select * from final
