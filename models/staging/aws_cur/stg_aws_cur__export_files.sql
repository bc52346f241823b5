{#- Each AWS CUR export file and when it was written. Empty when no CUR var is set. -#}
{{ mlcost.export_files_staging(
    source_relation=source('aws_cur', 'export_files'),
    export_vars=[
        'mlcost_aws_cur_legacy_csv', 'mlcost_aws_cur_legacy_parquet',
        'mlcost_aws_cur2_parquet',
    ],
) }}
