{{ config(**mlcost.export_staging_config('mlcost_focus_csv')) }}
{{ mlcost.with_source_file_times('mlcost_focus_csv', mlcost.focus_export_staging(
    var_name='mlcost_focus_csv',
    source_format='focus_csv',
    source_relation=source('focus', 'focus_csv'),
)) }}
