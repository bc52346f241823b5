{#- A GCP billing export (standard or detailed) flattened to CSV with dotted headers
    (`service.description`, `usage.amount`), as BigQuery query results are often saved.
    The nested fields arrive as text, JSON or a Python repr (`[{'amount': -5e-06,
    'full_name': None}]`): they are parsed into the arrays the NDJSON exports carry, and
    a row whose credits or labels do not parse is quarantined with the reason, never
    dropped. Spec columns are matched by their dotted aliases; the rest of the body is
    the NDJSON models' (macro gcp_billing_flat_csv_staging). -#}
{{ config(**mlcost.export_staging_config('mlcost_gcp_billing_flat_csv')) }}
{{ mlcost.with_source_file_times('mlcost_gcp_billing_flat_csv', mlcost.gcp_billing_flat_csv_staging(
    var_name='mlcost_gcp_billing_flat_csv',
    source_format='gcp_billing_flat_csv',
    source_relation=source('gcp_billing', 'billing_export_flat_csv'),
)) }}
