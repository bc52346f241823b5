{#- Each FOCUS export file and when it was written. Empty when no FOCUS var is set. -#}
{{ mlcost.export_files_staging(
    source_relation=source('focus', 'export_files'),
    export_vars=['mlcost_focus_csv', 'mlcost_focus_parquet'],
) }}
