{#- Azure export runs checked against their manifest. Cost Management writes a
    partitioned run's part files and a manifest.json listing how many parts and data rows
    it wrote; where the manifest is read, a run that delivered fewer (or more) part files
    or data rows gets a quarantine reason for all its lines: a missing part is never a
    silent undercount. Which run of a period counts is the delivery rule of every
    provider (int_billing_delivery_files); this model only checks completeness. -#}
with ea_actual as (

    select * from {{ ref('stg_azure_cost__ea_actual_cost_lines') }}

),

mca_actual as (

    select * from {{ ref('stg_azure_cost__mca_actual_cost_lines') }}

),

ea_amortized as (

    select * from {{ ref('stg_azure_cost__ea_amortized_cost_lines') }}

),

mca_amortized as (

    select * from {{ ref('stg_azure_cost__mca_amortized_cost_lines') }}

),

export_files as (

    select * from {{ ref('stg_azure_cost__export_files') }}

),

export_manifests as (

    select * from {{ ref('stg_azure_cost__export_manifests') }}

),

files_delivered as (

    select x_source_file from ea_actual
    union all
    select x_source_file from mca_actual
    union all
    select x_source_file from ea_amortized
    union all
    select x_source_file from mca_amortized

),

run_rows_delivered as (

    select
        {{ mlcost.azure_export_run('x_source_file') }} as x_export_run,
        count(*) as row_count
    from files_delivered
    group by 1

),

run_files as (

    {#- Every delivered file, with or without rows (an empty part still counts as
        delivered). #}
    select
        x_source_file,
        {{ mlcost.azure_export_run('x_source_file') }} as x_export_run
    from export_files

),

run_parts_delivered as (

    select
        x_export_run,
        count(*) as part_count
    from run_files
    group by 1

),

run_checks as (

    select
        export_manifests.x_export_run,
        case
            when coalesce(run_parts_delivered.part_count, 0)
                != export_manifests.manifest_part_count
                or coalesce(run_rows_delivered.row_count, 0)
                != export_manifests.manifest_row_count
                then {{ dbt.concat([
                    "'incomplete export run: manifest lists '",
                    "cast(export_manifests.manifest_part_count as " ~ dbt.type_string() ~ ")",
                    "' parts and '",
                    "cast(export_manifests.manifest_row_count as " ~ dbt.type_string() ~ ")",
                    "' rows, delivered '",
                    "cast(coalesce(run_parts_delivered.part_count, 0) as "
                        ~ dbt.type_string() ~ ")",
                    "' parts and '",
                    "cast(coalesce(run_rows_delivered.row_count, 0) as "
                        ~ dbt.type_string() ~ ")",
                    "' rows'",
                ]) }}
        end as x_run_quarantine_reason
    from export_manifests
    left join run_parts_delivered
        on export_manifests.x_export_run = run_parts_delivered.x_export_run
    left join run_rows_delivered
        on export_manifests.x_export_run = run_rows_delivered.x_export_run

),

final as (

    select
        x_export_run,
        x_run_quarantine_reason
    from run_checks
    where x_run_quarantine_reason is not null

)

select * from final
