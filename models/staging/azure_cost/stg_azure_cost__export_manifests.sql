{#- One row per manifest of a partitioned Azure export run: the run folder it sits in and
    what the run wrote (part files, data rows). Empty when var
    mlcost_azure_export_manifests is unset (then runs are taken as delivered). -#}
{%- set source_relation = source('azure_cost', 'export_manifests') %}
{%- if not mlcost.source_is_configured('mlcost_azure_export_manifests') %}

select
    cast(null as {{ dbt.type_string() }}) as manifest_file,
    cast(null as {{ dbt.type_string() }}) as x_export_run,
    cast(null as {{ dbt.type_string() }}) as run_id,
    cast(null as {{ dbt.type_timestamp() }}) as run_submitted_at,
    cast(null as {{ dbt.type_bigint() }}) as manifest_part_count,
    cast(null as {{ dbt.type_bigint() }}) as manifest_row_count
where 1 = 0
{%- else %}

with source as (

    select * from {{ source_relation }}

),

final as (

    select
        cast(filename as {{ dbt.type_string() }}) as manifest_file,
        {{ mlcost.path_dirname('filename') }} as x_export_run,
        cast(runinfo.runid as {{ dbt.type_string() }}) as run_id,
        {{ mlcost.parse_utc_timestamp('runinfo.submittedtime') }} as run_submitted_at,
        cast(blobcount as {{ dbt.type_bigint() }}) as manifest_part_count,
        cast(datarowcount as {{ dbt.type_bigint() }}) as manifest_row_count
    from source

)

select * from final
{%- endif %}
