{#- Which delivered Azure export files count. Azure exports a period again (a scheduled
    re-run, a manual export) beside the old delivery; per export format, billing account
    and billing period only the latest run counts: all its part files, no file of an older
    run. A run is the run folder of a partitioned export (part_<n>_<nnnn>.csv files) or,
    in the classic layout, the file itself; its time is when its last file was written
    (the later run name on a tie).
    Where the run's manifest.json is read, a run that delivered fewer (or more) part files
    or data rows than its manifest lists gets a quarantine reason for all its lines: a
    missing part is never a silent undercount. -#}

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

lines_delivered as (

    select
        x_source_format,
        x_source_file,
        billing_account_id,
        billing_period_start_date,
        charge_date
    from ea_actual
    union all
    select
        x_source_format,
        x_source_file,
        billing_account_id,
        billing_period_start_date,
        charge_date
    from mca_actual
    union all
    select
        x_source_format,
        x_source_file,
        billing_account_id,
        billing_period_start_date,
        charge_date
    from ea_amortized
    union all
    select
        x_source_format,
        x_source_file,
        billing_account_id,
        billing_period_start_date,
        charge_date
    from mca_amortized

),

file_periods as (

    {#- Some MCA exports leave the billing period empty; periods are calendar months. #}
    select
        x_source_format,
        x_source_file,
        {{ mlcost.azure_export_run('x_source_file') }} as x_export_run,
        coalesce(billing_account_id, '') as billing_account_id,
        coalesce(
            billing_period_start_date,
            {{ dbt.date_trunc('month', 'charge_date') }}
        ) as billing_period_start,
        count(*) as row_count
    from lines_delivered
    group by 1, 2, 3, 4, 5

),

run_files as (

    {#- Every delivered file, with or without rows (an empty part still counts as
        delivered). #}
    select
        x_source_file,
        file_modified_at,
        {{ mlcost.azure_export_run('x_source_file') }} as x_export_run
    from export_files

),

runs as (

    select
        file_periods.x_source_format,
        file_periods.billing_account_id,
        file_periods.billing_period_start,
        file_periods.x_export_run,
        max(run_files.file_modified_at) as run_modified_at
    from file_periods
    left join run_files
        on file_periods.x_source_file = run_files.x_source_file
    group by 1, 2, 3, 4

),

runs_ranked as (

    select
        runs.*,
        row_number() over (
            partition by
                runs.x_source_format,
                runs.billing_account_id,
                runs.billing_period_start
            order by
                runs.run_modified_at desc nulls last,
                runs.x_export_run desc
        ) as recency_rank
    from runs

),

run_parts_delivered as (

    select
        x_export_run,
        count(*) as part_count
    from run_files
    group by 1

),

run_rows_delivered as (

    select
        x_export_run,
        sum(row_count) as row_count
    from file_periods
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

    select distinct
        file_periods.x_source_file,
        file_periods.x_export_run,
        run_checks.x_run_quarantine_reason
    from file_periods
    inner join runs_ranked
        on file_periods.x_source_format = runs_ranked.x_source_format
        and file_periods.billing_account_id = runs_ranked.billing_account_id
        and file_periods.billing_period_start = runs_ranked.billing_period_start
        and file_periods.x_export_run = runs_ranked.x_export_run
    left join run_checks
        on file_periods.x_export_run = run_checks.x_export_run
    where runs_ranked.recency_rank = 1

)

select * from final
