{#- The GCP billing export staging models (detailed and standard NDJSON, flattened CSV)
    share one body: each builds a `raw` CTE of the spec's columns (untyped) plus the
    nested values below, and gcp_billing_keyed_lines types, keys and checks them. The
    exports have no line id, so a row is keyed by a hash of its values plus an occurrence
    number (identical rows are real and must both count). Credits stay on their row as a
    total (credits_amount, negative): cost + credits_amount is what the invoice charges. -#}

{#- Columns every GCP staging model adds to the spec's, in this order. -#}
{% macro gcp_billing_staging_extra_columns() %}
    {{ return([
        ('credits_amount', 'money'), ('committed_use_credits_amount', 'money'),
        ('credits_json', 'string'), ('tags', 'string'), ('x_machine_type', 'string'),
        ('x_source_format', 'string'), ('x_source_file', 'string'), ('x_line_key', 'string'),
        ('x_quarantine_reason', 'string'),
    ]) }}
{% endmacro %}


{#- A staging model over the BigQuery table extracted as NDJSON: the detailed export
    (`gcp_billing_export_resource_v1_<account>`, with `resource` and `price`) or the
    standard one (`gcp_billing_export_v1_<account>`, without: those columns are null). -#}
{% macro gcp_billing_json_staging(var_name, source_format, source_relation, has_resource) %}
{%- set spec = mlcost.gcp_billing_columns() %}
{%- set source_relation = mlcost.export_relation_to_stage(var_name, source_relation) %}
{%- set stand_in = mlcost.stand_in_staging_select(
    spec, mlcost.gcp_billing_staging_extra_columns(), var_name, source_format, source_relation) %}
{%- if stand_in %}
{{ stand_in }}
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
        {%- if has_resource %}
        resource.name as resource_name,
        resource.global_name as resource_global_name,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as resource_name,
        cast(null as {{ dbt.type_string() }}) as resource_global_name,
        {%- endif %}
        export_time,
        cost,
        cost_at_list,
        currency,
        currency_conversion_rate,
        usage.amount as usage_amount,
        usage.unit as usage_unit,
        usage.amount_in_pricing_units as usage_amount_in_pricing_units,
        usage.pricing_unit as usage_pricing_unit,
        {%- if has_resource %}
        price.effective_price as price_effective_price,
        price.tier_start_amount as price_tier_start_amount,
        price.unit as price_unit,
        price.pricing_unit_quantity as price_pricing_unit_quantity,
        {%- else %}
        cast(null as {{ dbt.type_string() }}) as price_effective_price,
        cast(null as {{ dbt.type_string() }}) as price_tier_start_amount,
        cast(null as {{ dbt.type_string() }}) as price_unit,
        cast(null as {{ dbt.type_string() }}) as price_pricing_unit_quantity,
        {%- endif %}
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
        cast(null as {{ dbt.type_string() }}) as x_parse_reason,
        cast(filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

{{ mlcost.gcp_billing_keyed_lines(spec, source_format) }}
{%- endif %}
{% endmacro %}


{#- The tail of every GCP staging model, given a `raw` CTE with the spec's columns and
    credits (array of {name, amount, full_name, id, type}), tags (JSON object text),
    x_machine_type, credits_json and labels_json (as delivered, for the hash),
    x_parse_reason (why a nested value did not parse, or null) and x_source_file. -#}
{% macro gcp_billing_keyed_lines(spec, source_format) %}
hashed as (

    select
        raw.*,
        {{ mlcost.row_values_hash(spec, source_format, extra_values=[
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
        '{{ source_format }}' as x_source_format,
        hashed.x_source_file,
        {{ mlcost.occurrence_line_key('hashed') }} as x_line_key,
        coalesce(
            {{ mlcost.quarantine_reason(spec, 'hashed') }},
            hashed.x_parse_reason
        ) as x_quarantine_reason
    from hashed

)

select * from final
{%- endmacro %}


{#- The flattened CSV export (stg_gcp_billing__flat_csv_cost_lines): nested values arrive
    as text, JSON or a Python repr and are parsed into the NDJSON exports' arrays first. -#}
{% macro gcp_billing_flat_csv_staging(var_name, source_format, source_relation) %}
{%- set source_relation = mlcost.export_relation_to_stage(var_name, source_relation) %}
{%- set spec = mlcost.gcp_billing_columns() %}
{%- set nested_spec = [
    {'name': 'credits', 'type': 'string'},
    {'name': 'labels', 'type': 'string'},
    {'name': 'project_labels', 'type': 'string', 'aliases': ['project.labels']},
    {'name': 'system_labels', 'type': 'string'},
] %}
{%- set credit_fields = ['name', 'amount', 'full_name', 'id', 'type'] %}
{%- set label_fields = ['key', 'value'] %}
{%- set stand_in = mlcost.stand_in_staging_select(
    spec, mlcost.gcp_billing_staging_extra_columns(), var_name, source_format, source_relation) %}
{%- if stand_in %}
{{ stand_in }}
{%- else %}
{%- set source_columns = mlcost.get_source_columns(source_relation) %}

with source as (

    select * from {{ source_relation }}

),

delivered as (

    select
        {{ mlcost.select_raw_columns(source_columns, spec + nested_spec,
            source_format ~ " export at " ~ var(var_name)) }},
        cast(filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

parsed as (

    select
        delivered.*,
        {{ mlcost.gcp_nested_array('delivered.credits', credit_fields) }} as credits_array,
        {{ mlcost.gcp_nested_array('delivered.labels', label_fields) }} as labels_array,
        {{ mlcost.gcp_nested_array('delivered.project_labels', label_fields) }}
            as project_labels_array,
        {{ mlcost.gcp_nested_array('delivered.system_labels', label_fields) }}
            as system_labels_array
    from delivered

),

raw as (

    select
        {%- for column_spec in spec %}
        parsed.{{ column_spec.name }},
        {%- endfor %}
        parsed.credits_array as credits,
        {{ mlcost.gcp_labels_json('parsed.project_labels_array', 'parsed.labels_array') }}
            as tags,
        {{ mlcost.gcp_label_value('parsed.system_labels_array',
            'compute.googleapis.com/machine_spec') }} as x_machine_type,
        cast(parsed.credits as {{ dbt.type_string() }}) as credits_json,
        cast(parsed.labels as {{ dbt.type_string() }}) as labels_json,
        coalesce(
            {{ mlcost.gcp_nested_parse_reason('parsed.credits', 'parsed.credits_array',
                'credits') }},
            {{ mlcost.gcp_nested_parse_reason('parsed.labels', 'parsed.labels_array',
                'labels') }},
            {{ mlcost.gcp_nested_parse_reason('parsed.project_labels',
                'parsed.project_labels_array', 'project.labels') }},
            {{ mlcost.gcp_nested_parse_reason('parsed.system_labels',
                'parsed.system_labels_array', 'system_labels') }}
        ) as x_parse_reason,
        parsed.x_source_file
    from parsed

),

{{ mlcost.gcp_billing_keyed_lines(spec, source_format) }}
{%- endif %}
{% endmacro %}
