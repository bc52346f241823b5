{#- Transfer routes per month ranked by cost: the top routes, their share of the month's
    transfer cost, and whether they carried data across regions to compute elsewhere.
    A route billed in two currencies has a row per currency; ranks and shares compare the
    reporting-currency amounts. -#}
with routes_daily as (

    select * from {{ ref('fct_egress_routes_daily') }}

),

routes_monthly as (

    select
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as charge_month,
        x_provider,
        egress_route,
        from_region,
        to_region,
        to_location,
        billing_currency,
        {{ mlcost.exact_sum('usage_gb') }} as usage_gb,
        sum(billed_cost) as billed_cost,
        sum(served_compute_billed_cost) as served_compute_billed_cost,
        {{ mlcost.sum_reporting('billed_cost_in_reporting_currency') }}
            as billed_cost_in_reporting_currency,
        sum(served_compute_billed_cost_in_reporting_currency)
            as served_compute_billed_cost_in_reporting_currency,
        max(case when is_cross_region then 1 else 0 end) as crossed_regions,
        max(
            case
                when is_cross_region and served_compute_billed_cost > 0 then 1 else 0
            end
        ) as reached_compute
    from routes_daily
    group by 1, 2, 3, 4, 5, 6, 7

),

ranked as (

    select
        routes_monthly.*,
        row_number() over (
            partition by routes_monthly.charge_month
            order by
                routes_monthly.billed_cost_in_reporting_currency desc nulls last,
                routes_monthly.x_provider asc,
                routes_monthly.egress_route asc,
                routes_monthly.from_region asc,
                routes_monthly.to_location asc,
                routes_monthly.billing_currency asc
        ) as route_rank,
        sum(routes_monthly.billed_cost_in_reporting_currency) over (
            partition by routes_monthly.charge_month
        ) as month_transfer_billed_cost_in_reporting_currency
    from routes_monthly

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(charge_month as " ~ dbt.type_string() ~ ")",
            "'|'", "x_provider", "'|'", "egress_route",
            "'|'", "coalesce(from_region, '')", "'|'", "coalesce(to_region, '')",
            "'|'", "coalesce(to_location, '')", "'|'", "billing_currency",
        ])) }} as egress_route_month_id,
        charge_month,
        cast(route_rank as integer) as route_rank,
        x_provider,
        egress_route,
        from_region,
        to_region,
        to_location,
        cast(usage_gb as {{ mlcost.type_double() }}) as usage_gb,
        billing_currency,
        cast(billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(
            billed_cost_in_reporting_currency
            / nullif(month_transfer_billed_cost_in_reporting_currency, 0)
            as {{ mlcost.type_double() }}
        ) as share_of_transfer_cost,
        cast(
            served_compute_billed_cost as {{ mlcost.type_money() }}
        ) as served_compute_billed_cost,
        cast(
            billed_cost / nullif(served_compute_billed_cost, 0) as {{ mlcost.type_double() }}
        ) as share_of_served_compute,
        crossed_regions = 1 as has_crossed_regions,
        reached_compute = 1 as is_to_remote_compute,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as billed_cost_in_reporting_currency,
        cast(
            served_compute_billed_cost_in_reporting_currency as {{ mlcost.type_money() }}
        ) as served_compute_billed_cost_in_reporting_currency
    from ranked

)

select * from final
