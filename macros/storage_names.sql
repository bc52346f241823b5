{#- The one mapping of checkpoint and dataset URIs to the storage resources a bill names:
    both sides reduced to the bucket or storage account name, lowercased
    (rpt_idle_and_orphaned_resources through int_storage_resource_days_checked,
    rpt_checkpoint_retention_savings). -#}

{#- The bucket or storage account of a checkpoint's or a job's dataset URI: s3://bucket/...,
    gs://bucket/...,
    abfss://container@account.dfs.core.windows.net/...,
    https://account.blob.core.windows.net/container/.... -#}
{% macro checkpoint_storage_name(uri) %}
    {%- set host = 'lower(' ~ dbt.split_part(uri, "'/'", 3) ~ ')' %}
    case
        when {{ host }} like '%@%.core.windows.net'
            then {{ dbt.split_part(dbt.split_part(host, "'@'", 2), "'.'", 1) }}
        when {{ host }} like '%.core.windows.net'
            then {{ dbt.split_part(host, "'.'", 1) }}
        else {{ host }}
    end
{%- endmacro %}


{#- What a billed storage resource (or machine) is called: its resource name, else the last
    part of its id (an S3 bucket's id is its name; Azure ids end in the resource name). -#}
{% macro billed_storage_name(resource_name, resource_id) %}
    lower(coalesce({{ resource_name }}, {{ dbt.split_part(resource_id, "'/'", -1) }}))
{%- endmacro %}


{#- Stored GB-months of a storage line from its pricing quantity and unit (GB of 10^9
    bytes; a gibibyte is 1.073741824 GB): AWS GB-Mo, Azure 1 GB/Month or 1 TB/Month, Google
    gibibyte month. Null in any other unit (requests, transfer, disks priced per disk). -#}
{% macro storage_gb_months(quantity, unit) %}
    case
        when lower({{ unit }}) in ('gb-mo', 'gb-month', 'gb month', '1 gb/month', 'gb/month')
            then {{ quantity }}
        when lower({{ unit }}) in (
            'gibibyte month', 'gibibyte-month', 'gib-mo', 'gib-month', 'gib month'
        )
            then {{ quantity }} * 1.073741824
        when lower({{ unit }}) in ('tb-mo', 'tb-month', '1 tb/month', 'tb/month')
            then {{ quantity }} * 1000
        when lower({{ unit }}) in ('10 gb/month')
            then {{ quantity }} * 10
        when lower({{ unit }}) in ('100 gb/month')
            then {{ quantity }} * 100
    end
{%- endmacro %}
