{#- The levers of rpt_ml_efficiency_monthly never count a dollar twice: per team, month and
    currency they add up to no more than the spend they draw from, and none is negative
    beyond a cent. -#}

with efficiency as (

    select * from {{ ref('rpt_ml_efficiency_monthly') }}

),

team_months as (

    select
        usage_month,
        team,
        billing_currency,
        sum(lever_billed_cost) as levers_billed_cost,
        max(spend_billed_cost) as spend_billed_cost,
        min(lever_billed_cost) as smallest_lever_billed_cost
    from efficiency
    group by 1, 2, 3

)

select * from team_months
where levers_billed_cost > spend_billed_cost + 0.01
    or smallest_lever_billed_cost < -0.01
