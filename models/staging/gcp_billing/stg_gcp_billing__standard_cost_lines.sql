{#- GCP standard usage cost export rows (no resource columns: the standard export sums
    a SKU's usage over resources), flattened and typed; the body is shared with the
    detailed export (macros/gcp_billing_staging.sql). -#}
{{ config(**mlcost.export_staging_config('mlcost_gcp_billing_standard')) }}
{{ mlcost.with_source_file_times('mlcost_gcp_billing_standard', mlcost.gcp_billing_json_staging(
    var_name='mlcost_gcp_billing_standard',
    source_format='gcp_billing_standard',
    source_relation=source('gcp_billing', 'billing_export_standard'),
    has_resource=false,
)) }}
