{#- CUR 2.0 (Data Exports) parquet: snake_case names, tags in the `resource_tags` map. -#}
{{ config(**mlcost.export_staging_config('mlcost_aws_cur2_parquet')) }}
{{ mlcost.with_source_file_times('mlcost_aws_cur2_parquet', mlcost.aws_cur_staging(
    var_name='mlcost_aws_cur2_parquet',
    source_format='aws_cur2_parquet',
    source_relation=source('aws_cur', 'cur2_parquet'),
    tag_map_column='resource_tags',
)) }}
