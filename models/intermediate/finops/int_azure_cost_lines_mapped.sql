{#- Azure cost details in FOCUS terms. BilledCost comes from the actual-cost exports (what
    the invoice says), EffectiveCost from the amortized ones, combined per billing account
    and billing period without a line-by-line join:
    - actual lines are kept with their cost as BilledCost; commitment purchases (and their
      refunds) get EffectiveCost 0, since the amortized export spreads them;
    - covered usage (PricingModel Reservation / SavingsPlan, cost 0 in actual) and the
      unused-commitment rows are taken from the amortized export instead: BilledCost 0,
      EffectiveCost the amortized cost; the actual covered-usage rows are left out, so a
      usage line is there once;
    - where no amortized export covers the account and period, actual lines stand alone
      and EffectiveCost equals BilledCost.
    So per account and period sum(BilledCost) is the actual total and sum(EffectiveCost)
    the amortized total. Dates are days: a line covers [Date, Date + 1 day). Billing
    periods are calendar months, so the period end is its start plus a month. -#}

with ea_actual as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('azure', 'stg_azure_cost__ea_actual_cost_lines') }}

),

mca_actual as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('azure', 'stg_azure_cost__mca_actual_cost_lines') }}

),

ea_amortized as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('azure', 'stg_azure_cost__ea_amortized_cost_lines') }}

),

mca_amortized as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('azure', 'stg_azure_cost__mca_amortized_cost_lines') }}

),

delivery_files as (

    select * from {{ ref('int_billing_delivery_files') }}

),

runs_checked as (

    select * from {{ ref('int_azure_export_runs_checked') }}

),

service_categories as (

    select * from {{ ref('service_categories') }}
    where provider = 'azure'

),

gpu_catalog as (

    select * from {{ ref('gpu_catalog') }}
    where provider = 'azure'

),

regions as (

    select * from {{ ref('regions') }}
    where provider = 'azure'

),

region_aliases as (

    select * from {{ ref('azure_region_aliases') }}

),

actual_lines_delivered as {{ mlcost.not_materialized() }} (

    select
        *,
        {#- Some MCA exports leave the billing period empty; periods are calendar months. #}
        coalesce(
            billing_period_start_date,
            {{ dbt.date_trunc('month', 'charge_date') }}
        ) as billing_period_start,
        charge_type = 'Usage'
        and lower(pricing_model) in ('reservation', 'savingsplan', 'savings plan')
            as is_covered_usage,
        charge_type in ('Purchase', 'Refund')
        and coalesce(benefit_id, reservation_id) is not null
            as is_commitment_purchase
    from ea_actual
    union all
    select
        *,
        coalesce(
            billing_period_start_date,
            {{ dbt.date_trunc('month', 'charge_date') }}
        ) as billing_period_start,
        charge_type = 'Usage'
        and lower(pricing_model) in ('reservation', 'savingsplan', 'savings plan')
            as is_covered_usage,
        charge_type in ('Purchase', 'Refund')
        and coalesce(benefit_id, reservation_id) is not null
            as is_commitment_purchase
    from mca_actual

),

amortized_lines_delivered as {{ mlcost.not_materialized() }} (

    select
        *,
        coalesce(
            billing_period_start_date,
            {{ dbt.date_trunc('month', 'charge_date') }}
        ) as billing_period_start,
        (
            charge_type in ('UnusedReservation', 'UnusedSavingsPlan')
            or (
                charge_type = 'Usage'
                and lower(pricing_model) in ('reservation', 'savingsplan', 'savings plan')
            )
            or (
                charge_type = 'Refund'
                and coalesce(benefit_id, reservation_id) is not null
            )
        ) as is_commitment_effective
    from ea_amortized
    union all
    select
        *,
        coalesce(
            billing_period_start_date,
            {{ dbt.date_trunc('month', 'charge_date') }}
        ) as billing_period_start,
        (
            charge_type in ('UnusedReservation', 'UnusedSavingsPlan')
            or (
                charge_type = 'Usage'
                and lower(pricing_model) in ('reservation', 'savingsplan', 'savings plan')
            )
            or (
                charge_type = 'Refund'
                and coalesce(benefit_id, reservation_id) is not null
            )
        ) as is_commitment_effective
    from mca_amortized

),

{# Per export, account and period only the latest export run counts
    (int_billing_delivery_files); a run short of its manifest carries its quarantine
    reason onto its lines (int_azure_export_runs_checked). #}
actual_lines_counted as {{ mlcost.not_materialized() }} (

    {{ mlcost.delivery_selected_lines('azure', 'actual_lines_delivered', 'delivery_files') }}

),

amortized_lines_counted as {{ mlcost.not_materialized() }} (

    {{ mlcost.delivery_selected_lines('azure', 'amortized_lines_delivered', 'delivery_files') }}

),

actual_lines as {{ mlcost.not_materialized() }} (

    select
        actual_lines_counted.*,
        coalesce(
            actual_lines_counted.x_delivery_quarantine_reason,
            runs_checked.x_run_quarantine_reason
        ) as x_run_quarantine_reason
    from actual_lines_counted
    left join runs_checked
        on {{ mlcost.azure_export_run('actual_lines_counted.x_source_file') }}
        = runs_checked.x_export_run

),

amortized_lines as {{ mlcost.not_materialized() }} (

    select
        amortized_lines_counted.*,
        coalesce(
            amortized_lines_counted.x_delivery_quarantine_reason,
            runs_checked.x_run_quarantine_reason
        ) as x_run_quarantine_reason
    from amortized_lines_counted
    left join runs_checked
        on {{ mlcost.azure_export_run('amortized_lines_counted.x_source_file') }}
        = runs_checked.x_export_run

),

amortized_periods as (

    select distinct
        billing_account_id,
        billing_period_start
    from amortized_lines

),

actual_costed as (

    select
        actual_lines.*,
        actual_lines.cost_in_billing_currency as x_billed_cost,
        case
            when
                amortized_periods.billing_account_id is not null
                and actual_lines.is_commitment_purchase
                then 0
            else actual_lines.cost_in_billing_currency
        end as x_effective_cost,
        amortized_periods.billing_account_id is not null as has_amortized
    from actual_lines
    left join amortized_periods
        on actual_lines.billing_account_id = amortized_periods.billing_account_id
        and actual_lines.billing_period_start = amortized_periods.billing_period_start

),

cost_lines as (

    {%- set line_columns = mlcost.azure_cost_columns() | map(attribute='name') | list
        + ['x_source_format', 'x_source_file', 'x_line_key', 'x_quarantine_reason',
           'billing_period_start'] %}
    select
        {%- for column in line_columns %}
        {%- if column == 'x_quarantine_reason' %}
        coalesce(x_quarantine_reason, x_run_quarantine_reason) as x_quarantine_reason,
        {%- else %}
        {{ column }},
        {%- endif %}
        {%- endfor %}
        x_billed_cost,
        x_effective_cost
    from actual_costed
    where not (has_amortized and is_covered_usage)
    union all
    select
        {%- for column in line_columns %}
        {%- if column == 'x_quarantine_reason' %}
        coalesce(x_quarantine_reason, x_run_quarantine_reason) as x_quarantine_reason,
        {%- else %}
        {{ column }},
        {%- endif %}
        {%- endfor %}
        0 as x_billed_cost,
        cost_in_billing_currency as x_effective_cost
    from amortized_lines
    where is_commitment_effective

),

classified as (

    select
        cost_lines.*,
        case
            {#- Pre-2020 usage exports have no ChargeType: all their lines are usage. #}
            when charge_type is null
                or charge_type in ('Usage', 'UnusedReservation', 'UnusedSavingsPlan')
                then 'Usage'
            when charge_type = 'Purchase' then 'Purchase'
            when charge_type = 'Tax' then 'Tax'
            when charge_type = 'Credit' then 'Credit'
            else 'Adjustment'
        end as charge_category,
        {#- The VM size: AdditionalInfo's ServiceType (or VMSize in older exports), else
            the meter's first size (`D2 v3/D2s v3` -> Standard_D2_v3, `NC6 Spot` ->
            Standard_NC6). Other services write ServiceType too (SQLThreatDetection). #}
        case
            when meter_category = 'Virtual Machines'
                and coalesce(charge_type, 'Usage') != 'Purchase'
                then coalesce(
                        {{ mlcost.json_text('additional_info', 'ServiceType') }},
                        {{ mlcost.json_text('additional_info', 'VMSize') }},
                        {{ dbt.concat(["'Standard_'", "replace(trim(replace(replace("
                            ~ dbt.split_part('meter_name', "'/'", 1)
                            ~ ", ' Low Priority', ''), ' Spot', '')), ' ', '_')"]) }}
                    )
        end as x_instance_type,
        {#- unitOfMeasure carries a multiplier: quantity 2.4 of "10 Hours" is 24 hours. #}
        case
            when lower(unit_of_measure) like '%hour%'
                then coalesce(
                        {{ mlcost.try_cast(
                            dbt.split_part('unit_of_measure', "' '", 1), mlcost.type_double()
                        ) }},
                        1
                    ) * quantity * 3600
        end as x_consumed_seconds
    from cost_lines

),

final as (

    select
        classified.x_line_key,
        'azure' as x_provider,
        classified.x_source_format,
        classified.x_source_file,
        classified.x_quarantine_reason,
        {#- Pre-2020 pay-as-you-go usage exports have no billing account: the
            subscription is what is billed. #}
        coalesce(classified.billing_account_id, classified.subscription_id)
            as billing_account_id,
        classified.billing_account_name,
        classified.subscription_id as sub_account_id,
        {#- Pre-2020 usage exports do not name the subscription: its id stands in. #}
        coalesce(classified.subscription_name, classified.subscription_id) as sub_account_name,
        classified.billing_period_start,
        {{ dbt.dateadd('month', 1, 'classified.billing_period_start') }} as billing_period_end,
        classified.charge_date as charge_period_start,
        {{ dbt.dateadd('day', 1, 'classified.charge_date') }} as charge_period_end,
        classified.charge_category,
        case when classified.charge_type = 'Refund' then 'Correction' end as charge_class,
        coalesce(classified.product_name, classified.meter_name) as charge_description,
        case
            when classified.charge_category = 'Usage' then 'Usage-Based'
            when lower(classified.frequency) = 'recurring' then 'Recurring'
            else 'One-Time'
        end as charge_frequency,
        cast(classified.x_billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(classified.x_effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        coalesce(
            classified.payg_cost_in_billing_currency,
            classified.payg_price * classified.quantity,
            classified.cost_in_billing_currency
        ) as list_cost,
        classified.cost_in_billing_currency as contracted_cost,
        {#- FOCUS: tax lines have no quantity, price or SKU. #}
        {#- Pre-2020 pay-as-you-go exports (no ChargeType) have no PayGPrice: their rate
            is the pay-as-you-go price. #}
        case
            when classified.charge_category != 'Tax'
                then coalesce(
                        classified.payg_price,
                        case when classified.charge_type is null then classified.effective_price end
                    )
        end as list_unit_price,
        classified.billing_currency,
        {#- A reservation or savings plan is bought at its agreed price: Standard. #}
        case
            when classified.charge_category = 'Purchase' then 'Standard'
            when classified.charge_category != 'Usage' then null
            when lower(classified.pricing_model) = 'spot' then 'Dynamic'
            when lower(classified.pricing_model) in ('reservation', 'savingsplan', 'savings plan')
                then 'Committed'
            else 'Standard'
        end as pricing_category,
        case when classified.charge_category != 'Tax' then classified.quantity end
            as pricing_quantity,
        {#- An export that names no unit of measure counts the meter's units. #}
        case
            when classified.charge_category != 'Tax' and classified.quantity is not null
                then coalesce(classified.unit_of_measure, 'Units')
        end as pricing_unit,
        case when classified.charge_category = 'Usage' then classified.quantity end
            as consumed_quantity,
        case
            when classified.charge_category = 'Usage' and classified.quantity is not null
                then coalesce(classified.unit_of_measure, 'Units')
        end as consumed_unit,
        'Microsoft' as provider_name,
        coalesce(classified.publisher_name, 'Microsoft') as publisher_name,
        'Microsoft' as invoice_issuer_name,
        classified.invoice_id,
        coalesce(
            region_aliases.region_id, lower(classified.resource_location)
        ) as region_id,
        regions.region_name,
        classified.availability_zone,
        classified.resource_id,
        classified.resource_name,
        {#- The resource's ARM type (microsoft.compute/virtualmachines), null without a
            resource as FOCUS requires. #}
        case
            when classified.resource_id is not null
                then coalesce(
                        nullif({{ dbt.concat([
                            dbt.split_part(dbt.split_part(
                                'lower(classified.resource_id)', "'/providers/'", 2
                            ), "'/'", 1),
                            "'/'",
                            dbt.split_part(dbt.split_part(
                                'lower(classified.resource_id)', "'/providers/'", 2
                            ), "'/'", 2),
                        ]) }}, '/'),
                        lower(classified.consumed_service)
                    )
        end as resource_type,
        coalesce(service_categories.service_category, 'Other') as service_category,
        {#- The Storage meter category holds managed disks and their snapshots as well as
            blobs: the subcategory tells them apart, under Storage. #}
        case
            when classified.meter_category = 'Storage'
                and classified.meter_name like '%Snapshot%'
                then 'Backup Storage'
            when classified.meter_category = 'Storage'
                and classified.meter_sub_category like '%Managed Disks%'
                then 'Block Storage'
            else coalesce(service_categories.service_subcategory, 'Other (Other)')
        end as service_subcategory,
        classified.meter_category as service_name,
        case when classified.charge_category != 'Tax' then classified.meter_id end as sku_id,
        {#- The price sheet's key of the line's price: EA's PartNumber, MCA's ProductId;
            the meter where an older export has neither (FOCUS lets it equal the SKU). #}
        case
            when classified.charge_category != 'Tax'
                then coalesce(classified.part_number, classified.product_id, classified.meter_id)
        end as sku_price_id,
        coalesce(classified.benefit_id, classified.reservation_id) as commitment_discount_id,
        case
            when coalesce(classified.benefit_id, classified.reservation_id) is null then null
            when lower(classified.pricing_model) like 'savings%' then 'Spend'
            else 'Usage'
        end as commitment_discount_category,
        case
            when coalesce(classified.benefit_id, classified.reservation_id) is null then null
            when lower(classified.pricing_model) like 'savings%' then 'Savings Plan'
            else 'Reservation'
        end as commitment_discount_type,
        case
            when classified.charge_type like 'Unused%' then 'Unused'
            when classified.charge_category = 'Usage'
                and coalesce(classified.benefit_id, classified.reservation_id) is not null
                then 'Used'
        end as commitment_discount_status,
        {#- EA bills an enrollment, MCA a billing profile (its invoices); both bill
            subscriptions. Prices in the pricing currency come from the export as is. #}
        case
            when classified.x_source_format like '%mca%' then 'Billing Profile'
            else 'Billing Account'
        end as billing_account_type,
        'Subscription' as sub_account_type,
        case when classified.charge_category != 'Tax' then classified.effective_price end
            as contracted_unit_price,
        coalesce(classified.pricing_currency, classified.billing_currency) as pricing_currency,
        case when classified.charge_category != 'Tax' then classified.effective_price end
            as pricing_currency_contracted_unit_price,
        case
            when classified.x_effective_cost = 0 then 0
            else coalesce(classified.cost_in_pricing_currency, classified.x_effective_cost)
        end as pricing_currency_effective_cost,
        case
            when classified.charge_category != 'Tax'
                then coalesce(
                        classified.payg_price,
                        case when classified.charge_type is null then classified.effective_price end
                    )
        end as pricing_currency_list_unit_price,
        'Microsoft' as service_provider_name,
        'Microsoft' as host_provider_name,
        case
            when classified.charge_category != 'Tax' and classified.meter_id is not null
                then classified.meter_name
        end as sku_meter,
        coalesce(classified.benefit_name, classified.reservation_name)
            as commitment_discount_name,
        classified.tags,
        coalesce(classified.charge_type, 'Usage') as x_line_type,
        classified.meter_name as x_usage_type,
        classified.meter_sub_category as x_operation,
        classified.meter_category as x_service_code,
        classified.x_instance_type,
        gpu_catalog.gpu_model as x_gpu_model,
        gpu_catalog.gpu_count as x_gpu_count,
        lower(classified.pricing_model) = 'spot' as x_is_spot,
        classified.x_consumed_seconds
    from classified
    left join service_categories
        on classified.meter_category = service_categories.service_code
    left join gpu_catalog
        on lower(classified.x_instance_type) = lower(gpu_catalog.instance_type)
    left join region_aliases
        on lower(classified.resource_location) = region_aliases.location
    left join regions
        on coalesce(
            region_aliases.region_id, lower(classified.resource_location)
        ) = regions.region_id

)

select * from final
