{#- GCP detailed usage cost export rows (with resource), flattened and typed; the body is
    shared with the standard export (macros/gcp_billing_staging.sql). -#}
{{ config(**mlcost.export_staging_config('mlcost_gcp_billing_detailed')) }}
{{ mlcost.with_source_file_times('mlcost_gcp_billing_detailed', mlcost.gcp_billing_json_staging(
    var_name='mlcost_gcp_billing_detailed',
    source_format='gcp_billing_detailed',
    source_relation=source('gcp_billing', 'billing_export_detailed'),
    has_resource=true,
)) }}
