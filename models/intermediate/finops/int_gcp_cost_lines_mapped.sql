{#- GCP billing export rows (detailed, standard or flattened CSV, one per month: see
    int_gcp_billing_lines_unioned) in FOCUS terms. The invoice charges cost plus credits, so
    BilledCost nets each row's credits (sustained use, committed use, promotions) into it;
    ListCost is cost at list. Commitment fees are Purchases; spot and preemptible SKUs are
    Dynamic, rows with committed use credits Committed. The invoice month is the billing
    period. EffectiveCost equals BilledCost until CUD fees are amortized (spend-based CUD
    fees already land on the covered usage as credits). Quantities keep Google's units:
    PricingQuantity is in the pricing unit (`gibibyte`, `gibibyte month`: GiB, not GB),
    ConsumedQuantity in the usage unit (bytes, byte-seconds). -#}

with cost_lines as (

    select * from {{ ref('int_gcp_billing_lines_unioned') }}

),

service_categories as (

    select * from {{ ref('service_categories') }}
    where provider = 'gcp'

),

gpu_catalog as (

    select * from {{ ref('gpu_catalog') }}
    where provider = 'gcp'

),

regions as (

    select * from {{ ref('regions') }}
    where provider = 'gcp'

),

categorized as (

    select
        cost_lines.*,
        case
            when cost_type = 'tax' then 'Tax'
            when cost_type in ('adjustment', 'rounding_error') then 'Adjustment'
            when lower(sku_description) like 'commitment%' then 'Purchase'
            else 'Usage'
        end as charge_category,
        (
            lower(sku_description) like '%spot%'
            or lower(sku_description) like '%preemptible%'
        ) as x_is_spot,
        {#- A multi-region (us, eu), dual-region or global location has no region: its
            location is where the service is provided. #}
        coalesce(location_region, location_location) as x_region_id,
        {#- As Google's FOCUS view: service and collection of the resource's full name,
            //compute.googleapis.com/projects/p/zones/z/disks/d is compute.disks. #}
        case
            when resource_global_name like '//%/%/%'
                then {{ dbt.concat([
                    dbt.split_part(dbt.split_part('resource_global_name', "'/'", 3), "'.'", 1),
                    "'.'",
                    dbt.split_part('resource_global_name', "'/'", -2),
                ]) }}
            when resource_global_name is not null then service_description
        end as resource_type
    from cost_lines

),

{# Unit prices per pricing unit, so that PricingQuantity x price = cost as FOCUS asks. The
    detailed export's price.effective_price (contract price, else list) is per
    price.pricing_unit_quantity units; the standard export and its CSV carry no price, so
    the contracted price is cost over the quantity there. No export carries a list unit
    price: it is the list cost over the quantity. Tax lines have neither. #}
classified as (

    select
        categorized.*,
        case
            when categorized.charge_category != 'Tax'
                then categorized.usage_amount_in_pricing_units
        end as x_pricing_quantity,
        case
            when categorized.charge_category = 'Tax' then null
            when categorized.price_effective_price is not null
                then categorized.price_effective_price
                    / coalesce(nullif(categorized.price_pricing_unit_quantity, 0), 1)
            when categorized.usage_amount_in_pricing_units != 0
                then categorized.cost / categorized.usage_amount_in_pricing_units
            when categorized.cost = 0 then 0
        end as x_contracted_unit_price,
        case
            when categorized.charge_category = 'Tax' then null
            when categorized.usage_amount_in_pricing_units != 0
                then coalesce(categorized.cost_at_list, categorized.cost)
                    / categorized.usage_amount_in_pricing_units
            when coalesce(categorized.cost_at_list, categorized.cost) = 0 then 0
        end as x_list_unit_price
    from categorized

),

final as (

    select
        classified.x_line_key,
        'gcp' as x_provider,
        classified.x_source_format,
        classified.x_source_file,
        classified.x_quarantine_reason,
        classified.billing_account_id,
        cast(null as {{ dbt.type_string() }}) as billing_account_name,
        classified.project_id as sub_account_id,
        classified.project_name as sub_account_name,
        {{ mlcost.gcp_invoice_month_start('classified.invoice_month') }}
            as billing_period_start,
        {{ dbt.dateadd(
            'month', 1, mlcost.gcp_invoice_month_start('classified.invoice_month'),
        ) }} as billing_period_end,
        classified.usage_start_time as charge_period_start,
        classified.usage_end_time as charge_period_end,
        classified.charge_category,
        case when classified.cost_type = 'adjustment' then 'Correction' end as charge_class,
        classified.sku_description as charge_description,
        case
            when classified.charge_category = 'Usage' then 'Usage-Based'
            when classified.charge_category = 'Purchase' then 'Recurring'
            else 'One-Time'
        end as charge_frequency,
        cast(classified.cost + classified.credits_amount as {{ mlcost.type_money() }})
            as billed_cost,
        cast(classified.cost + classified.credits_amount as {{ mlcost.type_money() }})
            as effective_cost,
        coalesce(classified.cost_at_list, classified.cost) as list_cost,
        classified.cost as contracted_cost,
        classified.currency as billing_currency,
        {#- A commitment fee is bought at its agreed price: Standard, not Committed. #}
        case
            when classified.charge_category = 'Purchase' then 'Standard'
            when classified.charge_category != 'Usage' then null
            when classified.x_is_spot then 'Dynamic'
            when classified.committed_use_credits_amount != 0 then 'Committed'
            else 'Standard'
        end as pricing_category,
        classified.x_pricing_quantity as pricing_quantity,
        case
            when classified.x_pricing_quantity is not null
                then coalesce(classified.usage_pricing_unit, classified.price_unit)
        end as pricing_unit,
        classified.x_list_unit_price as list_unit_price,
        classified.x_contracted_unit_price as contracted_unit_price,
        case when classified.charge_category = 'Usage' then classified.usage_amount end
            as consumed_quantity,
        case when classified.charge_category = 'Usage' then classified.usage_unit end
            as consumed_unit,
        'Google Cloud' as provider_name,
        coalesce(classified.seller_name, 'Google Cloud') as publisher_name,
        'Google Cloud' as invoice_issuer_name,
        classified.x_region_id as region_id,
        regions.region_name,
        classified.location_zone as availability_zone,
        classified.resource_global_name as resource_id,
        classified.resource_name,
        classified.resource_type,
        {#- One category per service: persistent disks are Compute Engine, so Compute. #}
        coalesce(service_categories.service_category, 'Other') as service_category,
        coalesce(service_categories.service_subcategory, 'Other (Other)')
            as service_subcategory,
        classified.service_description as service_name,
        {#- FOCUS: no SKU on tax. Google prices per SKU (tiers aside), so the SKU id is
            also the price id, as the FOCUS column's provider mappings list it (sku.id). #}
        case when classified.charge_category != 'Tax' then classified.sku_id end as sku_id,
        case when classified.charge_category != 'Tax' then classified.sku_id end
            as sku_price_id,
        'Billing Account' as billing_account_type,
        'Project' as sub_account_type,
        classified.currency as pricing_currency,
        classified.x_contracted_unit_price as pricing_currency_contracted_unit_price,
        classified.x_list_unit_price as pricing_currency_list_unit_price,
        'Google Cloud' as service_provider_name,
        'Google Cloud' as host_provider_name,
        case when classified.charge_category != 'Tax' then classified.sku_description end
            as sku_meter,
        classified.tags,
        classified.cost_type as x_line_type,
        classified.sku_description as x_usage_type,
        classified.service_id as x_service_code,
        classified.x_machine_type as x_instance_type,
        gpu_catalog.gpu_model as x_gpu_model,
        gpu_catalog.gpu_count as x_gpu_count,
        classified.x_is_spot,
        {#- GPU SKUs count GPU-seconds: divided by the machine's GPUs, wall seconds. Core
            and RAM SKUs count vCPU- and byte-seconds; the job split takes their running
            time from the GPU line of the same VM and hour. #}
        case
            when classified.usage_unit = 'seconds'
                and lower(classified.sku_description) like '%gpu%'
                and gpu_catalog.gpu_count > 0
                then classified.usage_amount / gpu_catalog.gpu_count
        end as x_consumed_seconds
    from classified
    left join service_categories
        on classified.service_description = service_categories.service_code
    left join gpu_catalog
        on classified.x_machine_type = gpu_catalog.instance_type
    left join regions
        on classified.x_region_id = regions.region_id

)

select * from final
