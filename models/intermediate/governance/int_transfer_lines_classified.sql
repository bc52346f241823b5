{#- Every data-transfer line with its route (macros/egress_routes.sql), where its bytes came
    from and went to as far as the bill says, and its volume in GB of 10^9 bytes. Internet
    egress of a resource listed in the egress_destinations seed goes to another cloud or
    on-premises. AWS prices In lines from the billed region's side: on `...-AWS-In-Bytes`
    (InterRegion Inbound) the usage type, fromLocation and fromRegionCode name the region
    the data went to and toLocation / toRegionCode the one it came from (the price list
    reads "US West (Oregon) data transfer from US East (N. Virginia)"). -#}
{#- A table, not the folder's view: the egress mart and this model's tests read it, and a
    filter on the view's output does not reach the scan under its reused CTEs. Incremental
    by day (macros/incremental_days.sql): a nightly run classifies the transfer lines of
    the days of the rebuilt billing periods. -#}
{{ config(**mlcost.usable_line_days_config('charge_date')) }}
{%- set day_tokens = mlcost.usable_line_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'charge_date') %}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and {{ mlcost.on_days('charge_period_start', days) }}

),

day_inputs as (

    {{ mlcost.day_inputs_hashes(day_tokens) }}

),

egress_destinations as (

    select * from {{ ref('egress_destinations') }}

),

regions as (

    select * from {{ ref('regions') }}

),

region_names as (

    select
        provider,
        region_name,
        min(region_id) as region_id
    from regions
    group by provider, region_name

),

transfer_lines as (

    select
        cost_lines.*,
        {{ mlcost.egress_route() }} as native_route
    from cost_lines
    where {{ mlcost.is_data_transfer_line() }}

),

{# The product's from/to region codes, else its from/to location names looked up in the
    regions seed (older CURs name locations only, and the line's own region only as
    product/location). #}
product_ends as (

    select
        transfer_lines.x_line_key,
        coalesce(
            nullif(transfer_lines.x_transfer_from_region, ''), from_regions.region_id
        ) as product_from_region,
        coalesce(
            nullif(transfer_lines.x_transfer_to_region, ''), to_regions.region_id
        ) as product_to_region,
        coalesce(transfer_lines.region_id, line_regions.region_id) as line_region
    from transfer_lines
    left join region_names as from_regions
        on transfer_lines.x_provider = from_regions.provider
        and transfer_lines.x_transfer_from_location = from_regions.region_name
    left join region_names as to_regions
        on transfer_lines.x_provider = to_regions.provider
        and transfer_lines.x_transfer_to_location = to_regions.region_name
    left join region_names as line_regions
        on transfer_lines.x_provider = line_regions.provider
        and transfer_lines.region_name = line_regions.region_name

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
        product_ends.product_to_region,
        case
            when destination_matches.destination is not null then 'inter_cloud'
            else transfer_lines.native_route
        end as egress_route,
        coalesce(
            product_ends.product_from_region, product_ends.line_region
        ) as billed_region
    from transfer_lines
    left join destination_matches
        on transfer_lines.x_line_key = destination_matches.x_line_key
    left join product_ends
        on transfer_lines.x_line_key = product_ends.x_line_key

),

routed as (

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
        {#- Where the bytes came from: the billed region for outbound and in-region
            routes, the other region named on an AWS In line, nothing for the internet. #}
        case
            when egress_route = 'inter_region_inbound' and x_provider = 'aws'
                then product_to_region
            when egress_route in ('inter_region_inbound', 'internet_inbound') then null
            else billed_region
        end as from_region,
        case
            {#- AWS Inbound names the internet as fromLocation and the region as toLocation. #}
            when egress_route = 'internet_inbound'
                then coalesce(product_to_region, billed_region)
            {#- Azure VNet peering within a region; GCP peering leaves for a network the
                bill does not name. #}
            when egress_route in ('same_az', 'inter_az', 'private_link')
                or (egress_route = 'peering' and x_provider = 'azure')
                then billed_region
            when egress_route like '%_inbound' then billed_region
            when egress_route = 'inter_region' then product_to_region
        end as to_region,
        case
            when egress_route = 'internet_inbound'
                then coalesce(product_to_region, billed_region)
            when egress_route in ('same_az', 'inter_az', 'private_link')
                or (egress_route = 'peering' and x_provider = 'azure')
                then billed_region
            when egress_route like '%_inbound' then billed_region
            when egress_route = 'inter_cloud' then destination
            when egress_route in ('internet', 'nat', 'cdn') then 'internet'
            when egress_route = 'inter_region'
                and x_provider = 'gcp'
                and lower(x_usage_type) like '% from % to %'
                then {{ dbt.split_part('x_usage_type', "' to '", 2) }}
            when egress_route = 'inter_region'
                and x_provider = 'gcp'
                and lower(x_usage_type) like '% within %'
                then {{ dbt.split_part('x_usage_type', "' within '", 2) }}
            when egress_route = 'inter_region'
                then coalesce(product_to_region, x_transfer_to_location)
        end as to_location,
        {#- GB means 10^9 bytes: GCP bills transfer in gibibytes (2^30 bytes). AWS and
            Azure bill in what they call GB and are taken as such. #}
        case
            when lower(pricing_unit) in ('bytes', 'byte') then pricing_quantity / 1e9
            when lower(pricing_unit) in ('gibibyte', 'gibibytes', 'gib')
                then pricing_quantity * 1.073741824
            when lower(pricing_unit) in ('mb', 'megabytes') then pricing_quantity / 1e3
            when lower(pricing_unit) in ('tb', 'terabytes') then pricing_quantity * 1e3
            else pricing_quantity
        end as usage_gb,
        billing_currency,
        billed_cost,
        effective_cost
    from classified

),

final as (

    select
        routed.*,
        day_inputs.x_day_inputs_hash
    from routed
    left join day_inputs
        on routed.charge_date = day_inputs.x_day

)

select * from final
