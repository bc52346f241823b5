{{ mlcost.focus_export_staging(
    var_name='mlcost_focus_parquet',
    source_format='focus_parquet',
    source_relation=source('focus', 'focus_parquet'),
) }}
