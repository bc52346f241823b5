{#- Lines of FOCUS exports: already in FOCUS terms, so mapping is small. x_provider is the
    cloud the ProviderName names (aws, gcp, azure; else other), the line type is the
    ChargeCategory, and a ServiceCategory the export left empty is Other. FOCUS 1.2
    exports have no ServiceProviderName / HostProviderName (1.3): a cloud's own export
    is both, so they default to ProviderName (a 1.3 export without the deprecated
    ProviderName / PublisherName has them from ServiceProviderName in staging). PricingCurrency
    is present only where it differs from BillingCurrency (FOCUS 1.2; 1.0/1.1 have no
    pricing-currency columns): absent, it is the billing currency and the PricingCurrency
    unit prices are the billing-currency ones. BillingAccountType / SubAccountType have no
    default and stay null when absent. A period delivered again counts from its newest
    delivery (int_focus_deliveries_ranked). -#}
{%- set overrides = {
    'x_provider': "case
            when lower(unioned.provider_name) like '%amazon%'
                or lower(unioned.provider_name) like 'aws%' then 'aws'
            when lower(unioned.provider_name) like '%google%'
                or lower(unioned.provider_name) like 'gcp%' then 'gcp'
            when lower(unioned.provider_name) like '%microsoft%'
                or lower(unioned.provider_name) like '%azure%' then 'azure'
            else 'other'
        end",
    'service_category': "coalesce(unioned.service_category, 'Other')",
    'pricing_currency': 'coalesce(unioned.pricing_currency, unioned.billing_currency)',
    'pricing_currency_list_unit_price': "coalesce(
            unioned.pricing_currency_list_unit_price,
            case when unioned.pricing_currency is null then unioned.list_unit_price end
        )",
    'pricing_currency_contracted_unit_price': "coalesce(
            unioned.pricing_currency_contracted_unit_price,
            case when unioned.pricing_currency is null then unioned.contracted_unit_price end
        )",
    'service_provider_name':
        'coalesce(unioned.service_provider_name, unioned.provider_name)',
    'host_provider_name': 'coalesce(unioned.host_provider_name, unioned.provider_name)',
    'x_line_type': 'unioned.charge_category',
} %}

with delivered as (

    {{ mlcost.union_focus_relations([
        ref('stg_focus__csv_cost_lines'),
        ref('stg_focus__parquet_cost_lines'),
    ]) }}

),

deliveries as (

    select * from {{ ref('int_focus_deliveries_ranked') }}

),

superseded as (

    select
        x_delivery_folder,
        provider_name,
        billing_account_id,
        billing_period_start
    from deliveries
    where recency_rank > 1

),

{# A period a newer delivery holds again is read from that one only. #}
unioned as (

    select delivered.*
    from delivered
    left join superseded
        on {{ mlcost.path_dirname('delivered.x_source_file') }}
        = superseded.x_delivery_folder
        and delivered.provider_name = superseded.provider_name
        and delivered.billing_account_id = superseded.billing_account_id
        and delivered.billing_period_start = superseded.billing_period_start
    where superseded.x_delivery_folder is null

),

final as (

    select
        -- noqa: disable=LT02
        {%- for column_spec in mlcost.focus_columns() %}
        {{ overrides.get(column_spec.name, 'unioned.' ~ column_spec.name) }}
        as {{ column_spec.name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from unioned

)

select * from final
