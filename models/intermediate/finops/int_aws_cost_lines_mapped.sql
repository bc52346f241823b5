{#- AWS CUR lines in FOCUS terms. Cost semantics follow the CUR data dictionary:
    BilledCost is the unblended cost (what the invoice sums). EffectiveCost amortizes
    commitments: Savings Plan covered usage costs its SavingsPlanEffectiveCost and its
    negation line nothing; RI discounted usage costs its reservation EffectiveCost; the
    recurring fee lines keep only the unused part of the commitment. -#}

with line_items as (

    select * from {{ ref('int_aws_cur_line_items_unioned') }}

),

service_categories as (

    select * from {{ ref('service_categories') }}
    where provider = 'aws'

),

gpu_catalog as (

    select * from {{ ref('gpu_catalog') }}
    where provider = 'aws'

),

regions as (

    select * from {{ ref('regions') }}
    where provider = 'aws'

),

categorized as (

    select
        line_items.*,
        case
            when line_item_line_item_type in (
                    'Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage', 'SavingsPlanNegation'
                ) then 'Usage'
            when line_item_line_item_type in (
                    'Fee', 'RIFee', 'SavingsPlanRecurringFee', 'SavingsPlanUpfrontFee'
                ) then 'Purchase'
            when line_item_line_item_type = 'Tax' then 'Tax'
            when line_item_line_item_type in (
                    'Credit', 'BundledDiscount', 'EdpDiscount', 'PrivateRateDiscount',
                    'DistributorDiscount', 'SppDiscount'
                ) then 'Credit'
            when line_item_line_item_type = 'Refund' then 'Adjustment'
            else 'Adjustment'
        end as charge_category,
        case
            when line_item_line_item_type in ('DiscountedUsage', 'RIFee')
                or (
                    line_item_line_item_type = 'Fee'
                    and reservation_reservation_a_r_n is not null
                )
                then reservation_reservation_a_r_n
            when line_item_line_item_type like 'SavingsPlan%'
                then savings_plan_savings_plan_a_r_n
        end as commitment_discount_id,
        {#- Spot shows in the usage type (SpotUsage:...) and, in newer CURs, pricing term. #}
        (
            line_item_usage_type like '%SpotUsage%'
            or lower(coalesce(pricing_term, '')) = 'spot'
        ) as x_is_spot,
        coalesce(
            product_instance_type,
            case
                when line_item_usage_type like '%Usage:%'
                    or line_item_usage_type like '%Train:%'
                    or line_item_usage_type like '%Notebk:%'
                    or line_item_usage_type like '%Host:%'
                    then {{ dbt.split_part('line_item_usage_type', "':'", -1) }}
            end
        ) as x_instance_type,
        {#- Older CURs name the location only, and write EU for Europe. #}
        replace(product_location, 'EU (', 'Europe (') as x_location_name
    from line_items

),

{# FOCUS prices every Usage and Purchase line: PricingQuantity x unit price = cost. The
    CUR gives the metered quantity and its rates; a fee with no metered quantity (support,
    one-off fees) is one unit of its charge. Tax lines have no quantity; other credits and
    adjustments keep theirs only with a unit. #}
quantified as (

    select
        categorized.*,
        case
            when categorized.charge_category = 'Tax' then null
            when categorized.charge_category = 'Purchase'
                and coalesce(categorized.line_item_usage_amount, 0) = 0
                then 1
            when categorized.charge_category in ('Usage', 'Purchase')
                or categorized.pricing_unit is not null
                then categorized.line_item_usage_amount
        end as x_pricing_quantity
    from categorized

),

{# Where a line has no rate (Savings Plan and support fees have no public on-demand rate,
    some fees no unblended rate), or is a fee counted as one unit, the price is the line's
    cost over its quantity. The SavingsPlanNegation line costs nothing at list or
    contract (its on-demand cost is on the covered usage line), so its prices are 0, not
    the negated rates. #}
classified as (

    select
        quantified.*,
        case
            when quantified.charge_category = 'Tax' then null
            when quantified.line_item_line_item_type = 'SavingsPlanNegation' then 0
            when quantified.pricing_public_on_demand_rate is not null
                and quantified.x_pricing_quantity = quantified.line_item_usage_amount
                then quantified.pricing_public_on_demand_rate
            when quantified.x_pricing_quantity != 0
                then coalesce(
                        quantified.pricing_public_on_demand_cost,
                        quantified.line_item_unblended_cost
                    ) / quantified.x_pricing_quantity
        end as x_list_unit_price,
        case
            when quantified.charge_category = 'Tax' then null
            when quantified.line_item_line_item_type = 'SavingsPlanNegation' then 0
            when quantified.line_item_unblended_rate is not null
                and quantified.x_pricing_quantity = quantified.line_item_usage_amount
                then quantified.line_item_unblended_rate
            when quantified.x_pricing_quantity != 0
                then quantified.line_item_unblended_cost / quantified.x_pricing_quantity
        end as x_contracted_unit_price,
        {#- Savings Plan and support fees have no product/sku: the product code and usage
            type name the offering (ComputeSP:1yrPartialUpfront), as AWS's price list
            keys its SKUs. #}
        case
            when quantified.charge_category = 'Tax' then null
            when quantified.product_sku is not null then quantified.product_sku
            when quantified.charge_category in ('Usage', 'Purchase')
                then {{ dbt.concat([
                    'quantified.line_item_product_code', "':'",
                    "coalesce(quantified.line_item_usage_type, '')",
                ]) }}
        end as x_sku_id
    from quantified

),

final as (

    select
        classified.x_line_key,
        'aws' as x_provider,
        classified.x_source_format,
        classified.x_source_file,
        classified.x_quarantine_reason,
        classified.bill_payer_account_id as billing_account_id,
        classified.bill_payer_account_name as billing_account_name,
        classified.line_item_usage_account_id as sub_account_id,
        {#- Only CUR 2.0 names accounts; elsewhere the id is the name AWS shows. #}
        coalesce(
            classified.line_item_usage_account_name, classified.line_item_usage_account_id
        ) as sub_account_name,
        classified.bill_billing_period_start_date as billing_period_start,
        classified.bill_billing_period_end_date as billing_period_end,
        classified.line_item_usage_start_date as charge_period_start,
        classified.line_item_usage_end_date as charge_period_end,
        classified.charge_category,
        cast(null as {{ dbt.type_string() }}) as charge_class,
        classified.line_item_line_item_description as charge_description,
        case
            when classified.line_item_line_item_type
                in ('RIFee', 'SavingsPlanRecurringFee') then 'Recurring'
            when classified.charge_category = 'Usage' then 'Usage-Based'
            else 'One-Time'
        end as charge_frequency,
        classified.line_item_unblended_cost as billed_cost,
        cast(case classified.line_item_line_item_type
            when 'SavingsPlanCoveredUsage'
                then classified.savings_plan_savings_plan_effective_cost
            when 'SavingsPlanNegation' then 0
            when 'SavingsPlanUpfrontFee' then 0
            when 'SavingsPlanRecurringFee'
                then coalesce(classified.savings_plan_total_commitment_to_date, 0)
                    - coalesce(classified.savings_plan_used_commitment, 0)
            when 'DiscountedUsage' then classified.reservation_effective_cost
            when 'RIFee'
                then coalesce(
                        classified.reservation_unused_amortized_upfront_fee_for_billing_period, 0
                    )
                    + coalesce(classified.reservation_unused_recurring_fee, 0)
            when 'Fee'
                then
                    case
                        when classified.reservation_reservation_a_r_n is not null then 0
                        else classified.line_item_unblended_cost
                    end
            else classified.line_item_unblended_cost
        end as {{ mlcost.type_money() }}) as effective_cost,
        cast(case
            when classified.line_item_line_item_type = 'SavingsPlanNegation' then 0
            when classified.charge_category = 'Usage'
                then coalesce(
                        classified.pricing_public_on_demand_cost,
                        classified.line_item_unblended_cost
                    )
            else classified.line_item_unblended_cost
        end as {{ mlcost.type_money() }}) as list_cost,
        cast(case
            when classified.line_item_line_item_type = 'SavingsPlanNegation' then 0
            else classified.line_item_unblended_cost
        end as {{ mlcost.type_money() }}) as contracted_cost,
        classified.x_list_unit_price as list_unit_price,
        classified.line_item_currency_code as billing_currency,
        {#- A commitment or support fee is bought at its agreed price: Standard. #}
        case
            when classified.charge_category = 'Purchase' then 'Standard'
            when classified.charge_category != 'Usage' then null
            when classified.x_is_spot then 'Dynamic'
            when classified.commitment_discount_id is not null
                or classified.line_item_line_item_type like 'SavingsPlan%'
                then 'Committed'
            else 'Standard'
        end as pricing_category,
        classified.x_pricing_quantity as pricing_quantity,
        case
            when classified.x_pricing_quantity is not null
                then coalesce(classified.pricing_unit, 'Units')
        end as pricing_unit,
        case
            when classified.charge_category = 'Usage'
                and classified.line_item_line_item_type != 'SavingsPlanNegation'
                then classified.line_item_usage_amount
        end as consumed_quantity,
        case
            when classified.charge_category = 'Usage'
                and classified.line_item_line_item_type != 'SavingsPlanNegation'
                then classified.pricing_unit
        end as consumed_unit,
        'AWS' as provider_name,
        coalesce(classified.bill_billing_entity, 'AWS') as publisher_name,
        {#- Older CURs have neither column on some lines; AWS issues those invoices. #}
        coalesce(
            classified.bill_invoicing_entity,
            classified.line_item_legal_entity,
            'Amazon Web Services, Inc.'
        ) as invoice_issuer_name,
        classified.bill_invoice_id as invoice_id,
        coalesce(
            classified.product_region_code, classified.product_region,
            location_regions.region_id
        ) as region_id,
        coalesce(id_regions.region_name, classified.product_location) as region_name,
        classified.line_item_availability_zone as availability_zone,
        nullif(classified.line_item_resource_id, '') as resource_id,
        cast(null as {{ dbt.type_string() }}) as resource_name,
        {#- FOCUS: a resource type only where there is a resource. #}
        case
            when nullif(classified.line_item_resource_id, '') is not null
                then coalesce(
                        classified.product_product_family, classified.line_item_product_code
                    )
        end as resource_type,
        {#- One category per service, whatever the line: S3's transfer and tax lines are
            Storage like its storage lines, EBS volumes Compute like EC2. #}
        coalesce(service_categories.service_category, 'Other') as service_category,
        coalesce(service_categories.service_subcategory, 'Other (Other)')
            as service_subcategory,
        coalesce(
            classified.product_product_name, service_categories.service_name,
            classified.line_item_product_code
        ) as service_name,
        classified.x_sku_id as sku_id,
        {#- FOCUS allows the price id to equal the SKU id: used where the CUR has no rate. #}
        case
            when classified.x_sku_id is not null
                then coalesce(
                        classified.pricing_rate_id,
                        classified.pricing_rate_code,
                        classified.x_sku_id
                    )
        end as sku_price_id,
        classified.commitment_discount_id,
        case
            when classified.commitment_discount_id is null then null
            when classified.line_item_line_item_type like 'SavingsPlan%' then 'Spend'
            else 'Usage'
        end as commitment_discount_category,
        case
            when classified.commitment_discount_id is null then null
            when classified.line_item_line_item_type like 'SavingsPlan%' then 'Savings Plan'
            else 'Reserved Instance'
        end as commitment_discount_type,
        {#- The negation line is the covered usage's discount: the plan was used. #}
        case
            when classified.commitment_discount_id is not null
                and classified.line_item_line_item_type in (
                    'SavingsPlanCoveredUsage', 'SavingsPlanNegation', 'DiscountedUsage'
                ) then 'Used'
        end as commitment_discount_status,
        {#- FOCUS 1.2 columns CUR has no direct source for: account types are the
            provider's names for them; the pricing currency is the billing currency. #}
        'Management Account' as billing_account_type,
        'Member Account' as sub_account_type,
        classified.x_contracted_unit_price as contracted_unit_price,
        classified.line_item_currency_code as pricing_currency,
        classified.x_contracted_unit_price as pricing_currency_contracted_unit_price,
        classified.x_list_unit_price as pricing_currency_list_unit_price,
        'AWS' as service_provider_name,
        'AWS' as host_provider_name,
        case when classified.x_sku_id is not null then classified.line_item_usage_type end
            as sku_meter,
        case
            when classified.line_item_line_item_type = 'DiscountedUsage'
                then classified.line_item_usage_amount
            when classified.line_item_line_item_type = 'SavingsPlanCoveredUsage'
                then classified.savings_plan_savings_plan_effective_cost
            {#- The fee line carries the whole commitment of its hour: recurring plus the
                amortized upfront part of a partial or all upfront plan. #}
            when classified.line_item_line_item_type = 'SavingsPlanRecurringFee'
                then classified.savings_plan_total_commitment_to_date
        end as commitment_discount_quantity,
        case
            when classified.line_item_line_item_type = 'DiscountedUsage'
                then classified.pricing_unit
            when classified.line_item_line_item_type in (
                    'SavingsPlanCoveredUsage', 'SavingsPlanRecurringFee'
                )
                then classified.line_item_currency_code
        end as commitment_discount_unit,
        classified.tags,
        classified.line_item_line_item_type as x_line_type,
        classified.line_item_usage_type as x_usage_type,
        classified.line_item_operation as x_operation,
        classified.line_item_product_code as x_service_code,
        classified.x_instance_type,
        gpu_catalog.gpu_model as x_gpu_model,
        gpu_catalog.gpu_count as x_gpu_count,
        classified.x_is_spot,
        classified.product_from_region_code as x_transfer_from_region,
        classified.product_to_region_code as x_transfer_to_region,
        classified.product_from_location as x_transfer_from_location,
        classified.product_to_location as x_transfer_to_location,
        classified.product_transfer_type as x_transfer_type,
        {#- Seconds the resource ran in the hour: what the hourly split of a line divides by. #}
        case
            when classified.charge_category = 'Usage'
                and classified.pricing_unit in ('Hrs', 'Hours', 'hours', 'Hour')
                then classified.line_item_usage_amount * 3600
        end as x_consumed_seconds
    from classified
    left join service_categories
        on classified.line_item_product_code = service_categories.service_code
    left join gpu_catalog
        on classified.x_instance_type = gpu_catalog.instance_type
    left join regions as location_regions
        on classified.x_location_name = location_regions.region_name
    left join regions as id_regions
        on coalesce(
            classified.product_region_code, classified.product_region,
            location_regions.region_id
        ) = id_regions.region_id

)

select * from final
