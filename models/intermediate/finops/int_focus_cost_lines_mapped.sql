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
    delivery (int_billing_delivery_files). -#}
{%- set overrides = {
    'x_provider': mlcost.focus_provider('unioned.provider_name'),
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
    'x_quarantine_reason':
        'coalesce(unioned.x_quarantine_reason, unioned.x_delivery_quarantine_reason)',
} %}

with delivered as {{ mlcost.not_materialized() }} (

    {{ mlcost.union_focus_relations([
        ref('stg_focus__csv_cost_lines'),
        ref('stg_focus__parquet_cost_lines'),
    ]) }}

),

{# On an incremental build, the periods it rebuilds (macros/incremental_periods.sql). #}
delivered_to_map as {{ mlcost.not_materialized() }} (

    {%- set keys = mlcost.delivery_keys('focus', 'delivered') %}
    select * from delivered
    where {{ mlcost.outside_kept_cost_periods(keys.provider, keys.period) }}

),

delivery_files as (

    select * from {{ ref('int_billing_delivery_files') }}

),

{# A period a newer delivery holds again is read from that one only. #}
unioned as {{ mlcost.not_materialized() }} (

    {{ mlcost.delivery_selected_lines('focus', 'delivered_to_map', 'delivery_files') }}

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
