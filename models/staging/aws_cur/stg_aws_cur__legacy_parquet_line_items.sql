{#- Legacy CUR delivered as Athena-style parquet: `line_item_unblended_cost` names, one
    `resource_tags_user_<key>` column per tag. -#}
{{ config(**mlcost.export_staging_config('mlcost_aws_cur_legacy_parquet')) }}
{{ mlcost.with_source_file_times('mlcost_aws_cur_legacy_parquet', mlcost.aws_cur_staging(
    var_name='mlcost_aws_cur_legacy_parquet',
    source_format='aws_cur_legacy_parquet',
    source_relation=source('aws_cur', 'cur_legacy_parquet'),
    tag_column_prefix='resource_tags_',
)) }}
