-- An ML cost review, read top to bottom: for each team, in the latest month, what each
-- lever of training efficiency would recover, in the order the dollars were assigned
-- (a dollar counts once: failures, repeats, plateau, utilization, spot, then idle
-- machines and checkpoint storage), with its share of what the team spent. One select
-- from the efficiency summary mart.
with efficiency as (

    select * from {{ mlcost.unqualified_ref('rpt_ml_efficiency_monthly') }}

),

latest_month as (

    select max(usage_month) as usage_month
    from efficiency

)

select
    efficiency.team,
    efficiency.lever_order,
    efficiency.lever,
    efficiency.item_count,
    efficiency.billing_currency,
    efficiency.lever_billed_cost,
    efficiency.spend_billed_cost,
    efficiency.share_of_spend_ratio,
    efficiency.reporting_currency,
    efficiency.lever_billed_cost_in_reporting_currency
from efficiency
inner join latest_month
    on efficiency.usage_month = latest_month.usage_month
where efficiency.lever_billed_cost > 0
order by
    efficiency.team,
    efficiency.billing_currency,
    efficiency.lever_order
