{#- Leaderboards: per month and per user, team, project and model, the compute spend,
    GPU-hours, jobs, failure rate and failure waste, with the change from the month
    before. Spend is attributed compute in the month's charge periods; jobs, GPU-hours,
    failures and waste count attempts by the month they started in. A row holds the jobs of
    one billing currency (a team with jobs billed in EUR and in USD has a row for each);
    ranks and changes compare the reporting-currency spend. -#}
{%- set dimensions = ['user_email', 'team', 'project', 'model_name'] %}

with attributed as (

    select * from {{ ref('int_attempt_node_days_costed') }}

),

attempts as (

    select * from {{ ref('fct_ml_job_attempt_costs') }}

),

jobs as (

    select * from {{ ref('fct_ml_job_costs') }}

),

attributed_converted as (

    {{ mlcost.attributed_in_reporting_currency('attributed') }}

),

spend as (

    select
        job_id,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as period_start,
        sum(attributed_billed_cost) as billed_cost,
        sum(attributed_effective_cost) as effective_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('effective_cost_in_reporting_currency') }}
            as effective_cost_in_reporting_currency,
        0 as gpu_hours,
        0 as attempt_count,
        0 as unsuccessful_attempt_count,
        0 as wasted_billed_cost,
        0 as wasted_billed_cost_in_reporting_currency
    from attributed_converted
    group by 1, 2

),

attempt_activity as (

    select
        job_id,
        cast({{ dbt.date_trunc('month', 'started_at') }} as date) as period_start,
        0 as billed_cost,
        0 as effective_cost,
        0 as billed_cost_in_reporting_currency,
        0 as effective_cost_in_reporting_currency,
        {{ mlcost.exact_sum('gpu_hours') }} as gpu_hours,
        count(*) as attempt_count,
        sum(case
            when attempt_status in ('failed', 'killed', 'preempted') then 1 else 0
        end) as unsuccessful_attempt_count,
        sum(case
            when attempt_status in ('failed', 'killed', 'preempted') then billed_cost else 0
        end) as wasted_billed_cost,
        sum(case
            when attempt_status in ('failed', 'killed', 'preempted')
                then billed_cost_in_reporting_currency
            else 0
        end) as wasted_billed_cost_in_reporting_currency
    from attempts
    group by 1, 2

),

job_months as (

    select
        job_id,
        period_start,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('effective_cost_in_reporting_currency') }}
            as effective_cost_in_reporting_currency,
        {{ mlcost.exact_sum('gpu_hours') }} as gpu_hours,
        sum(attempt_count) as attempt_count,
        sum(unsuccessful_attempt_count) as unsuccessful_attempt_count,
        sum(wasted_billed_cost) as wasted_billed_cost,
        {{ mlcost.sum_reporting('wasted_billed_cost_in_reporting_currency') }}
            as wasted_billed_cost_in_reporting_currency
    from (
        select * from spend
        union all
        select * from attempt_activity
    ) as activity
    group by 1, 2

),

by_dimension as (

    {#- A job's costs are in one billing currency (test
        assert_job_costs_in_one_billing_currency); a job without cost has none. #}
    {% for dimension in dimensions %}
    select
        '{{ dimension }}' as dimension,
        coalesce(jobs.{{ dimension }}, '(none)') as dimension_value,
        job_months.period_start,
        jobs.billing_currency,
        count(distinct job_months.job_id) as job_count,
        sum(job_months.attempt_count) as attempt_count,
        sum(job_months.unsuccessful_attempt_count) as unsuccessful_attempt_count,
        {{ mlcost.exact_sum('job_months.gpu_hours') }} as gpu_hours,
        sum(job_months.billed_cost) as billed_cost,
        sum(job_months.effective_cost) as effective_cost,
        sum(job_months.wasted_billed_cost) as wasted_billed_cost,
        {{ mlcost.sum_reporting('job_months.billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('job_months.effective_cost_in_reporting_currency') }}
            as effective_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('job_months.wasted_billed_cost_in_reporting_currency') }}
            as wasted_billed_cost_in_reporting_currency
    from job_months
    inner join jobs
        on job_months.job_id = jobs.job_id
    group by 1, 2, 3, 4
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

ranked as (

    select
        by_dimension.*,
        rank() over (
            partition by dimension, period_start
            order by billed_cost_in_reporting_currency desc nulls last
        ) as spend_rank
    from by_dimension

),

final as (

    select
        {{ dbt.concat([
            "ranked.dimension", "'|'", "ranked.dimension_value", "'|'",
            "cast(ranked.period_start as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(ranked.billing_currency, '')",
        ]) }} as leaderboard_row_id,
        ranked.dimension,
        ranked.dimension_value,
        ranked.period_start,
        ranked.billing_currency,
        ranked.spend_rank,
        ranked.job_count,
        cast(ranked.attempt_count as {{ dbt.type_bigint() }}) as attempt_count,
        cast(ranked.unsuccessful_attempt_count as {{ dbt.type_bigint() }})
            as unsuccessful_attempt_count,
        cast(ranked.gpu_hours as {{ mlcost.type_double() }}) as gpu_hours,
        cast(ranked.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(ranked.effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        cast(ranked.wasted_billed_cost as {{ mlcost.type_money() }}) as wasted_billed_cost,
        cast(case
            when ranked.attempt_count > 0
                then cast(ranked.unsuccessful_attempt_count as {{ mlcost.type_double() }})
                    / ranked.attempt_count
        end as {{ mlcost.type_double() }}) as failure_rate,
        cast(previous.billed_cost as {{ mlcost.type_money() }}) as previous_billed_cost,
        cast(
            ranked.billed_cost - coalesce(previous.billed_cost, 0)
            as {{ mlcost.type_money() }}
        ) as billed_cost_change,
        cast(
            ranked.gpu_hours - coalesce(previous.gpu_hours, 0)
            as {{ mlcost.type_double() }}
        ) as gpu_hours_change,
        ranked.job_count - coalesce(previous.job_count, 0) as job_count_change,
        cast(
            ranked.wasted_billed_cost - coalesce(previous.wasted_billed_cost, 0)
            as {{ mlcost.type_money() }}
        ) as wasted_billed_cost_change,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(ranked.billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as billed_cost_in_reporting_currency,
        cast(ranked.effective_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as effective_cost_in_reporting_currency,
        cast(ranked.wasted_billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as wasted_billed_cost_in_reporting_currency,
        cast(previous.billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as previous_billed_cost_in_reporting_currency,
        cast(
            ranked.billed_cost_in_reporting_currency
            - coalesce(previous.billed_cost_in_reporting_currency, 0)
            as {{ mlcost.type_money() }}
        ) as billed_cost_change_in_reporting_currency,
        cast(
            ranked.wasted_billed_cost_in_reporting_currency
            - coalesce(previous.wasted_billed_cost_in_reporting_currency, 0)
            as {{ mlcost.type_money() }}
        ) as wasted_billed_cost_change_in_reporting_currency
    from ranked
    left join by_dimension as previous
        on ranked.dimension = previous.dimension
        and ranked.dimension_value = previous.dimension_value
        and coalesce(ranked.billing_currency, '') = coalesce(previous.billing_currency, '')
        and previous.period_start = cast(
            {{ dbt.dateadd('month', -1, 'ranked.period_start') }} as date
        )

)

select * from final
