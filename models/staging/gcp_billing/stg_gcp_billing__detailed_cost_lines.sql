{#- GCP detailed billing export rows, flattened and typed. Credits stay on their row as a
    total (credits_amount, negative): cost + credits_amount is what the invoice charges.
    The export has no line id, so a row is keyed by a hash of its values plus an
    occurrence number (identical rows are real and must both count). -#}
{%- set var_name = 'mlcost_gcp_billing_detailed' %}
{#- Referenced even when unset, so lineage always shows the source. #}
{%- set source_relation = source('gcp_billing', 'billing_export_detailed') %}
{%- set spec = mlcost.gcp_billing_columns() %}
{%- set extra_columns = [
    ('credits_amount', 'money'), ('committed_use_credits_amount', 'money'),
    ('credits_json', 'string'), ('tags', 'string'), ('x_machine_type', 'string'),
    ('x_source_format', 'string'), ('x_source_file', 'string'), ('x_line_key', 'string'),
    ('x_quarantine_reason', 'string'),
] %}
{%- if not mlcost.source_is_configured(var_name) %}
{{ mlcost.empty_staging_select(spec, extra_columns) }}
{%- else %}

with source as (

    select * from {{ source_relation }}

),

raw as (

    select
        billing_account_id,
        service.id as service_id,
        service.description as service_description,
        sku.id as sku_id,
        sku.description as sku_description,
        usage_start_time,
        usage_end_time,
        project.id as project_id,
        project.number as project_number,
        project.name as project_name,
        location.location as location_location,
        location.country as location_country,
        location.region as location_region,
        location.zone as location_zone,
        resource.name as resource_name,
        resource.global_name as resource_global_name,
        export_time,
        cost,
        cost_at_list,
        currency,
        currency_conversion_rate,
        usage.amount as usage_amount,
        usage.unit as usage_unit,
        usage.amount_in_pricing_units as usage_amount_in_pricing_units,
        usage.pricing_unit as usage_pricing_unit,
        invoice.month as invoice_month,
        cost_type,
        transaction_type,
        seller_name,
        adjustment_info.description as adjustment_description,
        credits,
        {{ mlcost.gcp_labels_json('project.labels', 'labels') }} as tags,
        {{ mlcost.gcp_label_value('system_labels', 'compute.googleapis.com/machine_spec') }}
            as x_machine_type,
        {{ mlcost.to_json_text('credits') }} as credits_json,
        {{ mlcost.to_json_text('labels') }} as labels_json,
        cast(filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

hashed as (

    select
        raw.*,
        {{ mlcost.row_values_hash(spec, 'gcp_billing_detailed', extra_values=[
            "coalesce(raw.credits_json, '')", "coalesce(raw.labels_json, '')",
        ]) }} as x_row_hash
    from raw

),

final as (

    select
        {{ mlcost.select_typed_columns(spec, 'hashed') }},
        cast({{ mlcost.gcp_credits_total('hashed.credits') }} as {{ mlcost.type_money() }})
            as credits_amount,
        cast({{ mlcost.gcp_credits_total('hashed.credits',
                ['COMMITTED_USAGE_DISCOUNT', 'COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE']) }}
            as {{ mlcost.type_money() }}) as committed_use_credits_amount,
        hashed.credits_json,
        hashed.tags,
        hashed.x_machine_type,
        'gcp_billing_detailed' as x_source_format,
        hashed.x_source_file,
        {{ mlcost.occurrence_line_key('hashed') }} as x_line_key,
        {{ mlcost.quarantine_reason(spec, 'hashed') }} as x_quarantine_reason
    from hashed

)

select * from final
{%- endif %}
