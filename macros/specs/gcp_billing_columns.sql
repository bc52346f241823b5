{#- GCP billing export fields mlcost reads, flattened (`service.description` ->
    service_description). Source: Google Cloud "Structure of Detailed data export" (the
    standard export is the same without `resource` and `price`). The NDJSON sources name
    the nested fields; this spec types them. Aliases are the dotted headers of the export
    flattened to CSV (`service.description`), which the flat CSV staging model matches.
    `price` is in the detailed export only; its fields stay out of the row hash
    (`hashed: false`), so adding them left the keys of existing lines as they were. -#}
{% macro gcp_billing_columns() %}
{{ return([
    {'name': 'billing_account_id', 'type': 'string', 'required': true},
    {'name': 'service_id', 'type': 'string', 'aliases': ['service.id']},
    {'name': 'service_description', 'type': 'string', 'aliases': ['service.description']},
    {'name': 'sku_id', 'type': 'string', 'aliases': ['sku.id']},
    {'name': 'sku_description', 'type': 'string', 'aliases': ['sku.description']},
    {'name': 'usage_start_time', 'type': 'timestamp', 'required': true},
    {'name': 'usage_end_time', 'type': 'timestamp', 'required': true},
    {'name': 'project_id', 'type': 'string', 'aliases': ['project.id']},
    {'name': 'project_number', 'type': 'string', 'aliases': ['project.number']},
    {'name': 'project_name', 'type': 'string', 'aliases': ['project.name']},
    {'name': 'location_location', 'type': 'string', 'aliases': ['location.location']},
    {'name': 'location_country', 'type': 'string', 'aliases': ['location.country']},
    {'name': 'location_region', 'type': 'string', 'aliases': ['location.region']},
    {'name': 'location_zone', 'type': 'string', 'aliases': ['location.zone']},
    {'name': 'resource_name', 'type': 'string', 'aliases': ['resource.name']},
    {'name': 'resource_global_name', 'type': 'string', 'aliases': ['resource.global_name']},
    {'name': 'export_time', 'type': 'timestamp'},
    {'name': 'cost', 'type': 'money', 'required': true},
    {'name': 'cost_at_list', 'type': 'money'},
    {'name': 'currency', 'type': 'string', 'required': true},
    {'name': 'currency_conversion_rate', 'type': 'number'},
    {'name': 'usage_amount', 'type': 'number', 'aliases': ['usage.amount']},
    {'name': 'usage_unit', 'type': 'string', 'aliases': ['usage.unit']},
    {'name': 'usage_amount_in_pricing_units', 'type': 'number', 'aliases': ['usage.amount_in_pricing_units']},
    {'name': 'usage_pricing_unit', 'type': 'string', 'aliases': ['usage.pricing_unit']},
    {'name': 'price_effective_price', 'type': 'number', 'aliases': ['price.effective_price'], 'hashed': false},
    {'name': 'price_tier_start_amount', 'type': 'number', 'aliases': ['price.tier_start_amount'], 'hashed': false},
    {'name': 'price_unit', 'type': 'string', 'aliases': ['price.unit'], 'hashed': false},
    {'name': 'price_pricing_unit_quantity', 'type': 'number', 'aliases': ['price.pricing_unit_quantity'], 'hashed': false},
    {'name': 'invoice_month', 'type': 'string', 'required': true, 'aliases': ['invoice.month']},
    {'name': 'cost_type', 'type': 'string'},
    {'name': 'transaction_type', 'type': 'string'},
    {'name': 'seller_name', 'type': 'string'},
    {'name': 'adjustment_description', 'type': 'string', 'aliases': ['adjustment_info.description']},
]) }}
{% endmacro %}
