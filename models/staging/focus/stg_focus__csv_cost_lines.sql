{{ mlcost.focus_export_staging(
    var_name='mlcost_focus_csv',
    source_format='focus_csv',
    source_relation=source('focus', 'focus_csv'),
) }}
