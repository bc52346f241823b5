{#- A GCP billing export (standard or detailed) flattened to CSV with dotted headers
    (`service.description`, `usage.amount`), as BigQuery query results are often saved.
    The nested fields arrive as text, JSON or a Python repr (`[{'amount': -5e-06,
    'full_name': None}]`): they are parsed into the arrays the NDJSON exports carry, and
    a row whose credits or labels do not parse is quarantined with the reason, never
    dropped. Spec columns are matched by their dotted aliases; the rest of the body is
    the NDJSON models' (macros/gcp_billing_staging.sql). -#}
{%- set var_name = 'mlcost_gcp_billing_flat_csv' %}
{%- set source_format = 'gcp_billing_flat_csv' %}
{#- Referenced even when unset, so lineage always shows the source. #}
{{ config(**mlcost.export_staging_config('mlcost_gcp_billing_flat_csv')) }}
{%- set source_relation = source('gcp_billing', 'billing_export_flat_csv') %}
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
{%- set staged_sql %}
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
{%- endset %}
{{ mlcost.with_source_file_times(var_name, staged_sql) }}
