{{ config(**mlcost.export_staging_config('mlcost_focus_parquet')) }}
{{ mlcost.with_source_file_times('mlcost_focus_parquet', mlcost.focus_export_staging(
    var_name='mlcost_focus_parquet',
    source_format='focus_parquet',
    source_relation=source('focus', 'focus_parquet'),
)) }}
