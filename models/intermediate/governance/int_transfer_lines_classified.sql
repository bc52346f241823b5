{#- Every data-transfer line with its route (macros/egress_routes.sql), its source and
    destination as far as the bill says, and its volume in GB. Internet egress of a resource
    listed in the egress_destinations seed goes to another cloud or on-premises. -#}
with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null

),

egress_destinations as (

    select * from {{ ref('egress_destinations') }}

),

transfer_lines as (

    select
        cost_lines.*,
        {{ mlcost.egress_route() }} as native_route
    from cost_lines
    where {{ mlcost.is_data_transfer_line() }}

),

destination_matches as (

    select
        transfer_lines.x_line_key,
        min(egress_destinations.destination) as destination
    from transfer_lines
    inner join egress_destinations
        on transfer_lines.x_provider = egress_destinations.provider
        and transfer_lines.resource_id like egress_destinations.resource_id_pattern
    where transfer_lines.native_route = 'internet'
    group by transfer_lines.x_line_key

),

classified as (

    select
        transfer_lines.*,
        destination_matches.destination,
        case
            when destination_matches.destination is not null then 'inter_cloud'
            else transfer_lines.native_route
        end as egress_route,
        coalesce(
            transfer_lines.x_transfer_from_region, transfer_lines.region_id
        ) as from_region
    from transfer_lines
    left join destination_matches
        on transfer_lines.x_line_key = destination_matches.x_line_key

),

final as (

    select
        x_line_key,
        x_provider,
        billing_account_id,
        sub_account_id,
        charge_period_start,
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as charge_date,
        service_category,
        service_name,
        x_usage_type,
        resource_id,
        x_tag_team,
        egress_route,
        from_region,
        case
            when egress_route in ('same_az', 'inter_az') then from_region
            when egress_route = 'inter_region' then x_transfer_to_region
        end as to_region,
        case
            when egress_route in ('same_az', 'inter_az') then from_region
            when egress_route = 'inter_cloud' then destination
            when egress_route in ('internet', 'nat', 'cdn') then 'internet'
            when egress_route = 'inter_region'
                and x_provider = 'gcp'
                and lower(x_usage_type) like '% from % to %'
                then {{ dbt.split_part('x_usage_type', "' to '", 2) }}
            when egress_route = 'inter_region'
                then coalesce(x_transfer_to_region, x_transfer_to_location)
        end as to_location,
        case
            when lower(pricing_unit) in ('bytes', 'byte') then pricing_quantity / 1e9
            when lower(pricing_unit) in ('mb', 'megabytes') then pricing_quantity / 1e3
            when lower(pricing_unit) in ('tb', 'terabytes') then pricing_quantity * 1e3
            else pricing_quantity
        end as usage_gb,
        billed_cost,
        effective_cost
    from classified

)

select * from final
