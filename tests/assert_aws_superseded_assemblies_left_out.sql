{#- AWS rewrites an open month into a new assembly folder and points the period's manifest
    at it; older assemblies stay in the bucket. No line of a superseded assembly (a legacy
    CUR file in a period folder whose manifest names another assembly) reaches the marts,
    and every file of a named assembly does, whole, wherever its period is read from
    legacy CSV. Returns the files that break either rule. -#}
with staged_lines as (

    select
        x_source_file,
        bill_payer_account_id as billing_account_id,
        bill_billing_period_start_date as billing_period_start
    from {{ ref('stg_aws_cur__legacy_csv_line_items') }}

),

manifests as (

    select * from {{ ref('stg_aws_cur__legacy_manifests') }}

),

mart_lines as (

    select
        x_source_file,
        billing_account_id,
        billing_period_start
    from {{ ref('fct_cost_lines') }}
    where x_source_format = 'aws_cur_legacy_csv'
    union all
    select
        x_source_file,
        billing_account_id,
        billing_period_start
    from {{ ref('fct_quarantined_cost_lines') }}
    where x_source_format = 'aws_cur_legacy_csv'

),

mart_files as (

    select
        x_source_file,
        count(*) as line_count
    from mart_lines
    group by 1

),

legacy_csv_periods as (

    select distinct
        billing_account_id,
        billing_period_start
    from mart_lines

),

staged_files as (

    {#- A file may hold several periods; it counts where any of them is read from
        legacy CSV (the format precedence may take a period from another format). #}
    select
        staged_lines.x_source_file,
        count(*) as line_count,
        count(legacy_csv_periods.billing_account_id) > 0 as is_period_read
    from staged_lines
    left join legacy_csv_periods
        on staged_lines.billing_account_id = legacy_csv_periods.billing_account_id
        and staged_lines.billing_period_start = legacy_csv_periods.billing_period_start
    group by 1

),

files_checked as (

    select
        staged_files.x_source_file,
        staged_files.line_count as staged_line_count,
        coalesce(mart_files.line_count, 0) as mart_line_count,
        manifests.assembly_folder is not null
        and {{ mlcost.path_dirname('staged_files.x_source_file') }}
        != manifests.assembly_folder as is_superseded,
        staged_files.is_period_read
    from staged_files
    left join manifests
        on {{ mlcost.path_dirname(mlcost.path_dirname('staged_files.x_source_file')) }}
        = manifests.period_folder
    left join mart_files
        on staged_files.x_source_file = mart_files.x_source_file

),

final as (

    select
        x_source_file,
        staged_line_count,
        mart_line_count,
        case
            when is_superseded then 'superseded assembly reached the marts'
            else 'file of the current assembly not counted whole'
        end as problem
    from files_checked
    where (is_superseded and mart_line_count > 0)
        or (not is_superseded and is_period_read and mart_line_count != staged_line_count)

)

select * from final
