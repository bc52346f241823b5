{#- GCP billing export fields mlcost reads, flattened (`service.description` ->
    service_description). Source: Google Cloud "Structure of Detailed data export". The
    read in the source names the nested fields; this spec types them. -#}
{% macro gcp_billing_columns() %}
{{ return([
    {'name': 'billing_account_id', 'type': 'string', 'required': true},
    {'name': 'service_id', 'type': 'string'},
    {'name': 'service_description', 'type': 'string'},
    {'name': 'sku_id', 'type': 'string'},
    {'name': 'sku_description', 'type': 'string'},
    {'name': 'usage_start_time', 'type': 'timestamp', 'required': true},
    {'name': 'usage_end_time', 'type': 'timestamp', 'required': true},
    {'name': 'project_id', 'type': 'string'},
    {'name': 'project_number', 'type': 'string'},
    {'name': 'project_name', 'type': 'string'},
    {'name': 'location_location', 'type': 'string'},
    {'name': 'location_country', 'type': 'string'},
    {'name': 'location_region', 'type': 'string'},
    {'name': 'location_zone', 'type': 'string'},
    {'name': 'resource_name', 'type': 'string'},
    {'name': 'resource_global_name', 'type': 'string'},
    {'name': 'export_time', 'type': 'timestamp'},
    {'name': 'cost', 'type': 'money', 'required': true},
    {'name': 'cost_at_list', 'type': 'money'},
    {'name': 'currency', 'type': 'string', 'required': true},
    {'name': 'currency_conversion_rate', 'type': 'number'},
    {'name': 'usage_amount', 'type': 'number'},
    {'name': 'usage_unit', 'type': 'string'},
    {'name': 'usage_amount_in_pricing_units', 'type': 'number'},
    {'name': 'usage_pricing_unit', 'type': 'string'},
    {'name': 'invoice_month', 'type': 'string', 'required': true},
    {'name': 'cost_type', 'type': 'string'},
    {'name': 'transaction_type', 'type': 'string'},
    {'name': 'seller_name', 'type': 'string'},
    {'name': 'adjustment_description', 'type': 'string'},
]) }}
{% endmacro %}
