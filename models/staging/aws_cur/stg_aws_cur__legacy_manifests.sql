{#- One row per legacy CUR period manifest: the billing period folder it sits in and the
    assembly folder it names as current. Empty when var mlcost_aws_cur_legacy_manifests is
    unset (then every delivered assembly counts). -#}
{%- set source_relation = source('aws_cur', 'cur_legacy_manifests') %}
{%- if not mlcost.source_is_configured('mlcost_aws_cur_legacy_manifests') %}

select
    cast(null as {{ dbt.type_string() }}) as manifest_file,
    cast(null as {{ dbt.type_string() }}) as period_folder,
    cast(null as {{ dbt.type_string() }}) as assembly_id,
    cast(null as {{ dbt.type_string() }}) as assembly_folder,
    cast(null as {{ dbt.type_string() }}) as report_name,
    cast(null as {{ dbt.type_string() }}) as payer_account_id
where 1 = 0
{%- else %}

with source as (

    select * from {{ source_relation }}

),

final as (

    select
        cast(filename as {{ dbt.type_string() }}) as manifest_file,
        {{ mlcost.path_dirname('filename') }} as period_folder,
        cast(assemblyid as {{ dbt.type_string() }}) as assembly_id,
        {{ dbt.concat([mlcost.path_dirname('filename'), "'/'", 'assemblyid']) }}
            as assembly_folder,
        cast(reportname as {{ dbt.type_string() }}) as report_name,
        cast(account as {{ dbt.type_string() }}) as payer_account_id
    from source

)

select * from final
{%- endif %}
