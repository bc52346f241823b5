{#- Data transfer per day, provider, account, route and region pair: GB and cost, next to
    the compute the transfer served, in any account of the provider (the source region's
    compute for internet, zone and NAT traffic; the destination region's for data pulled
    across regions and for inbound routes). Compute served leaves out the transfer lines
    themselves: AWS and GCP bill transfer under their compute services. One row per
    billing currency (transfer and the compute it served in the same currency), with
    the amounts also in the reporting currency at the day's monthly rate. -#}
{#- Incremental by day (macros/incremental_days.sql): a nightly run rebuilds the days of
    the rebuilt billing periods; the filters on charge_period_start reach the scan of the
    unified cost table under both views. -#}
{{ config(**mlcost.usable_line_days_config('charge_date')) }}
{%- set day_tokens = mlcost.usable_line_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'charge_date') %}

with transfer_lines as (

    select * from {{ ref('int_transfer_lines_classified') }}
    where {{ mlcost.on_days('charge_period_start', days) }}

),

cost_lines as (

    select * from {{ ref('fct_cost_lines') }}
    where {{ mlcost.on_days('charge_period_start', days) }}

),

compute_daily as (

    select
        cost_lines.x_provider,
        cost_lines.region_id,
        cast(
            {{ dbt.date_trunc('day', 'cost_lines.charge_period_start') }} as date
        ) as charge_date,
        cost_lines.billing_currency,
        sum(cost_lines.billed_cost) as compute_billed_cost
    from cost_lines
    left join transfer_lines
        on cost_lines.x_line_key = transfer_lines.x_line_key
    where cost_lines.service_category = 'Compute'
        and cost_lines.charge_category = 'Usage'
        and transfer_lines.x_line_key is null
    group by 1, 2, 3, 4

),

routes_daily as (

    select
        charge_date,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        egress_route,
        from_region,
        to_region,
        to_location,
        case
            when egress_route = 'inter_region' then to_region
            when egress_route like '%_inbound' then to_region
            when egress_route = 'inter_cloud' then null
            else from_region
        end as served_region,
        billing_currency,
        {{ mlcost.exact_sum('usage_gb') }} as usage_gb,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        count(*) as line_count
    from transfer_lines
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11

),

{# The macro names its group by column; this model numbers its own. #}
day_inputs as (

    {{ mlcost.day_inputs_hashes(day_tokens) }} -- noqa: AM06

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(routes_daily.charge_date as " ~ dbt.type_string() ~ ")",
            "'|'", "routes_daily.x_provider",
            "'|'", "coalesce(routes_daily.billing_account_id, '')",
            "'|'", "coalesce(routes_daily.sub_account_id, '')",
            "'|'", "coalesce(routes_daily.service_name, '')",
            "'|'", "routes_daily.egress_route",
            "'|'", "coalesce(routes_daily.from_region, '')",
            "'|'", "coalesce(routes_daily.to_region, '')",
            "'|'", "coalesce(routes_daily.to_location, '')",
            "'|'", "routes_daily.billing_currency",
        ])) }} as egress_route_day_id,
        routes_daily.charge_date,
        routes_daily.x_provider,
        routes_daily.billing_account_id,
        routes_daily.sub_account_id,
        routes_daily.service_name,
        routes_daily.egress_route,
        routes_daily.from_region,
        routes_daily.to_region,
        routes_daily.to_location,
        routes_daily.egress_route in (
            'inter_region', 'inter_region_inbound', 'inter_cloud'
        ) as is_cross_region,
        routes_daily.served_region,
        cast(routes_daily.usage_gb as {{ mlcost.type_double() }}) as usage_gb,
        routes_daily.billing_currency,
        cast(routes_daily.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(routes_daily.effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        cast(
            compute_daily.compute_billed_cost as {{ mlcost.type_money() }}
        ) as served_compute_billed_cost,
        cast(
            routes_daily.billed_cost
            / nullif(compute_daily.compute_billed_cost, 0) as {{ mlcost.type_double() }}
        ) as share_of_served_compute,
        cast(routes_daily.line_count as bigint) as line_count,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        {{ mlcost.to_reporting_currency(
            'routes_daily.billed_cost', 'routes_daily.billing_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'routes_daily.effective_cost', 'routes_daily.billing_currency') }}
            as effective_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'compute_daily.compute_billed_cost', 'routes_daily.billing_currency') }}
            as served_compute_billed_cost_in_reporting_currency,
        day_inputs.x_day_inputs_hash
    from routes_daily
    left join compute_daily
        on routes_daily.x_provider = compute_daily.x_provider
        and routes_daily.served_region = compute_daily.region_id
        and routes_daily.charge_date = compute_daily.charge_date
        and routes_daily.billing_currency = compute_daily.billing_currency
    left join day_inputs
        on routes_daily.charge_date = day_inputs.x_day
    {{ mlcost.join_reporting_rates('routes_daily.billing_currency', 'routes_daily.charge_date') }}

)

select * from final
