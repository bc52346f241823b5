{#- Spend per day for each kind of budget scope: team and project from the usage lines'
    resolved owner (int_cost_lines_owners_resolved), sub_account (AWS account, GCP
    project, Azure subscription) from every line of the bill, taxes and credits included;
    usage_billed_cost is the usage lines' part. -#}
{#- A table, not the folder's view: budgets and anomalies both read it. Incremental by day
    (macros/incremental_days.sql): a nightly run sums the days of the rebuilt billing
    periods only. -#}
{{ config(**mlcost.usable_line_days_config('charge_date')) }}
{%- set day_tokens = mlcost.usable_line_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'charge_date') %}

with owned_lines as (

    select * from {{ ref('int_cost_lines_owners_resolved') }}
    where {{ mlcost.on_days('charge_period_start', days) }}

),

cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and {{ mlcost.on_days('charge_period_start', days) }}

),

day_inputs as (

    {{ mlcost.day_inputs_hashes(day_tokens) }}

),

team_spend as (

    select
        'team' as budget_scope,
        owner_team as scope_value,
        charge_date,
        billing_currency,
        sum(billed_cost) as billed_cost,
        sum(billed_cost) as usage_billed_cost
    from owned_lines
    where owner_team is not null
    group by owner_team, charge_date, billing_currency

),

project_spend as (

    select
        'project' as budget_scope,
        owner_project as scope_value,
        charge_date,
        billing_currency,
        sum(billed_cost) as billed_cost,
        sum(billed_cost) as usage_billed_cost
    from owned_lines
    where owner_project is not null
    group by owner_project, charge_date, billing_currency

),

sub_account_spend as (

    select
        'sub_account' as budget_scope,
        sub_account_id as scope_value,
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as charge_date,
        billing_currency,
        sum(billed_cost) as billed_cost,
        sum(
            case when charge_category = 'Usage' then billed_cost else 0 end
        ) as usage_billed_cost
    from cost_lines
    where sub_account_id is not null
    group by
        sub_account_id,
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date),
        billing_currency

),

scope_spend as (

    select * from team_spend
    union all
    select * from project_spend
    union all
    select * from sub_account_spend

),

final as (

    select
        scope_spend.*,
        day_inputs.x_day_inputs_hash
    from scope_spend
    left join day_inputs
        on scope_spend.charge_date = day_inputs.x_day

)

select * from final
