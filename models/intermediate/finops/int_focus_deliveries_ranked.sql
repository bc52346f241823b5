{#- FOCUS deliveries: the files of one folder are one delivery (an Azure FocusCost run
    folder, an AWS Data Exports BILLING_PERIOD folder the export overwrites, a folder of
    GCP FOCUS view extracts). One row per delivery, provider, billing account and billing
    period it holds, ranked newest first by its latest file's write time: a period
    delivered again (Azure re-exports it as a new run) counts from its newest delivery. -#}

with csv_lines as (

    select * from {{ ref('stg_focus__csv_cost_lines') }}

),

parquet_lines as (

    select * from {{ ref('stg_focus__parquet_cost_lines') }}

),

export_files as (

    select * from {{ ref('stg_focus__export_files') }}

),

lines_delivered as (

    select
        x_source_file,
        provider_name,
        billing_account_id,
        billing_period_start
    from csv_lines
    union all
    select
        x_source_file,
        provider_name,
        billing_account_id,
        billing_period_start
    from parquet_lines

),

delivery_periods as (

    select distinct
        {{ mlcost.path_dirname('x_source_file') }} as x_delivery_folder,
        provider_name,
        billing_account_id,
        billing_period_start
    from lines_delivered
    where provider_name is not null
        and billing_account_id is not null
        and billing_period_start is not null

),

delivery_times as (

    select
        {{ mlcost.path_dirname('x_source_file') }} as x_delivery_folder,
        max(file_modified_at) as delivered_at
    from export_files
    group by 1

),

final as (

    select
        {{ dbt.concat([
            "delivery_periods.x_delivery_folder", "'|'", "delivery_periods.provider_name",
            "'|'", "delivery_periods.billing_account_id", "'|'",
            "cast(delivery_periods.billing_period_start as " ~ dbt.type_string() ~ ")",
        ]) }} as delivery_period_id,
        delivery_periods.x_delivery_folder,
        delivery_periods.provider_name,
        delivery_periods.billing_account_id,
        delivery_periods.billing_period_start,
        delivery_times.delivered_at,
        row_number() over (
            partition by
                delivery_periods.provider_name,
                delivery_periods.billing_account_id,
                delivery_periods.billing_period_start
            order by
                delivery_times.delivered_at desc nulls last,
                delivery_periods.x_delivery_folder desc
        ) as recency_rank
    from delivery_periods
    left join delivery_times
        on delivery_periods.x_delivery_folder = delivery_times.x_delivery_folder

)

select * from final
