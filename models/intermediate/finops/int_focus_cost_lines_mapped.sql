{#- Lines of FOCUS exports: already in FOCUS terms, so mapping is small. x_provider is the
    cloud the ProviderName names (aws, gcp, azure; else other), the line type is the
    ChargeCategory, and a ServiceCategory the export left empty is Other. FOCUS 1.2
    exports have no ServiceProviderName / HostProviderName (1.3): a cloud's own export
    is both, so they default to ProviderName. A period delivered again counts from its
    newest delivery (int_focus_deliveries_ranked). -#}
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
