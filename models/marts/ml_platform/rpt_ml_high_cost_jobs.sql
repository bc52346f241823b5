{#- The costliest jobs of each week (top var mlcost_top_jobs by billed cost in the week),
    with why each is on the list: its percentile among the week's jobs, its cost against
    the median of its team's jobs that week, spot or not, failed or not. Cost in a week is
    the job's attributed compute in the week's charge periods. Jobs billed in different
    currencies are ranked and compared by their cost in the reporting currency; the
    team's median in billing currency is over the team's jobs of the same currency. -#}
{%- set top_jobs = var('mlcost_top_jobs') %}

with attributed as (

    select * from {{ ref('int_attempt_node_days_costed') }}

),

jobs as (

    select * from {{ ref('fct_ml_job_costs') }}

),

attributed_converted as (

    {{ mlcost.attributed_in_reporting_currency('attributed') }}

),

{# A job's costs are in one billing currency (test assert_job_costs_in_one_billing_currency). -#}
job_weeks as (

    select
        job_id,
        cast({{ dbt.date_trunc('week', 'usage_date') }} as date) as week_start,
        max(billing_currency) as billing_currency,
        sum(attributed_billed_cost) as billed_cost,
        sum(attributed_effective_cost) as effective_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.sum_reporting('effective_cost_in_reporting_currency') }}
            as effective_cost_in_reporting_currency
    from attributed_converted
    group by 1, 2

),

ranked as (

    select
        job_weeks.*,
        jobs.team,
        row_number() over (
            partition by job_weeks.week_start
            order by
                job_weeks.billed_cost_in_reporting_currency desc nulls last,
                job_weeks.job_id asc
        ) as rank_in_week,
        percent_rank() over (
            partition by job_weeks.week_start
            order by job_weeks.billed_cost_in_reporting_currency
        ) as cost_percentile
    from job_weeks
    inner join jobs
        on job_weeks.job_id = jobs.job_id

),

team_medians as (

    select
        week_start,
        team,
        count(*) as team_job_count,
        {{ mlcost.percentile_cont('billed_cost_in_reporting_currency', 0.5) }}
            as team_median_billed_cost_in_reporting_currency
    from ranked
    group by 1, 2

),

team_currency_medians as (

    select
        week_start,
        team,
        billing_currency,
        {{ mlcost.percentile_cont('billed_cost', 0.5) }} as team_median_billed_cost
    from ranked
    group by 1, 2, 3

),

final as (

    select
        {{ dbt.concat([
            "cast(ranked.week_start as " ~ dbt.type_string() ~ ")", "'|'", "ranked.job_id",
        ]) }} as high_cost_job_id,
        ranked.week_start,
        ranked.rank_in_week,
        ranked.job_id,
        jobs.job_name,
        jobs.user_email,
        ranked.team,
        jobs.project,
        jobs.model_name,
        jobs.job_type,
        jobs.provider,
        jobs.instance_type,
        jobs.is_spot,
        jobs.checkpoint_enabled,
        jobs.final_status,
        jobs.unsuccessful_attempt_count,
        jobs.attempt_count,
        jobs.gpu_hours as job_gpu_hours,
        ranked.billing_currency,
        jobs.billed_cost as job_billed_cost,
        team_medians.team_job_count,
        jobs.final_status in ('failed', 'killed', 'preempted') as is_failed,
        jobs.unsuccessful_attempt_count > 0 as has_unsuccessful_attempts,
        cast(ranked.cost_percentile as {{ mlcost.type_double() }}) as cost_percentile,
        cast(ranked.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(ranked.effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        cast(team_currency_medians.team_median_billed_cost as {{ mlcost.type_money() }})
            as team_median_billed_cost,
        cast(case
            when team_medians.team_median_billed_cost_in_reporting_currency > 0
                then ranked.billed_cost_in_reporting_currency
                    / team_medians.team_median_billed_cost_in_reporting_currency
        end as {{ mlcost.type_double() }}) as times_team_median,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        jobs.billed_cost_in_reporting_currency as job_billed_cost_in_reporting_currency,
        cast(ranked.billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as billed_cost_in_reporting_currency,
        cast(ranked.effective_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as effective_cost_in_reporting_currency,
        cast(
            team_medians.team_median_billed_cost_in_reporting_currency
            as {{ mlcost.type_money() }}
        ) as team_median_billed_cost_in_reporting_currency
    from ranked
    inner join jobs
        on ranked.job_id = jobs.job_id
    inner join team_medians
        on ranked.week_start = team_medians.week_start
        and ranked.team = team_medians.team
    inner join team_currency_medians
        on ranked.week_start = team_currency_medians.week_start
        and ranked.team = team_currency_medians.team
        and ranked.billing_currency = team_currency_medians.billing_currency
    where ranked.rank_in_week <= {{ top_jobs }}

)

select * from final
