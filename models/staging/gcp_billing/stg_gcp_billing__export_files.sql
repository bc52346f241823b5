{#- Each GCP billing extract file and when it was written. Empty when no GCP var is set. -#}
{{ mlcost.export_files_staging(
    source_relation=source('gcp_billing', 'export_files'),
    export_vars=[
        'mlcost_gcp_billing_detailed', 'mlcost_gcp_billing_standard',
        'mlcost_gcp_billing_flat_csv',
    ],
) }}
