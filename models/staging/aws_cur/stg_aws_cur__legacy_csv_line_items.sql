{#- Legacy CUR delivered as (gzip) CSV: `lineItem/UnblendedCost` names, one
    `resourceTags/user:<key>` column per tag. -#}
{{ config(**mlcost.export_staging_config('mlcost_aws_cur_legacy_csv')) }}
{{ mlcost.with_source_file_times('mlcost_aws_cur_legacy_csv', mlcost.aws_cur_staging(
    var_name='mlcost_aws_cur_legacy_csv',
    source_format='aws_cur_legacy_csv',
    source_relation=source('aws_cur', 'cur_legacy_csv'),
    tag_column_prefix='resourceTags/',
)) }}
