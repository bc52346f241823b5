{#- Which delivered lines count, one rule for every provider. A delivery is what a
    provider writes at once (macros/deliveries.sql): an AWS legacy CUR assembly folder, a
    CUR 2.0 / Athena parquet partition folder, a GCP extract (a file, or the shards of one
    wildcard extract), an Azure export run, a FOCUS delivery folder. Per export (source
    format; FOCUS formats as one), provider, billing account and billing period, the
    newest delivery counts: the one whose latest file was written last (the later name
    on a tie); for legacy CUR CSV the assembly the period's manifest names comes first.
    Older deliveries are superseded: their lines are left out, never summed
    (rpt_billing_deliveries lists them). A file of a delivery that holds exactly the
    lines of another file of the same delivery (a copied part file) is a duplicate: its
    lines carry a quarantine reason naming the other file.
    One row per file and the account and period it delivers lines for (a file may hold
    several); lines without an account or period are not here and always count. -#}
{#- A table: every provider's union and the reconciliation tests read it. -#}
{{ config(materialized='table') }}

with aws_manifests as (

    select * from {{ ref('stg_aws_cur__legacy_manifests') }}

),

aws_export_files as (

    select * from {{ ref('stg_aws_cur__export_files') }}

),

gcp_export_files as (

    select * from {{ ref('stg_gcp_billing__export_files') }}

),

azure_export_files as (

    select * from {{ ref('stg_azure_cost__export_files') }}

),

focus_export_files as (

    select * from {{ ref('stg_focus__export_files') }}

),

file_partitions as (

    select * from {{ ref('int_billing_file_partitions') }}

),

{# Every delivered file with its delivery, lines or not (an empty part file still
    dates its delivery). #}
export_files as (

    select
        'aws' as x_provider,
        x_source_file,
        file_modified_at,
        {{ mlcost.path_dirname('x_source_file') }} as x_delivery
    from aws_export_files
    union all
    select
        'gcp' as x_provider,
        x_source_file,
        file_modified_at,
        {{ mlcost.gcp_extract('x_source_file') }} as x_delivery
    from gcp_export_files
    union all
    select
        'azure' as x_provider,
        x_source_file,
        file_modified_at,
        {{ mlcost.azure_export_run('x_source_file') }} as x_delivery
    from azure_export_files
    union all
    select
        'focus' as x_provider,
        x_source_file,
        file_modified_at,
        {{ mlcost.path_dirname('x_source_file') }} as x_delivery
    from focus_export_files

),

delivery_times as (

    select
        x_provider,
        x_delivery,
        max(file_modified_at) as delivered_at
    from export_files
    group by 1, 2

),

file_times as (

    select
        x_provider,
        x_source_file,
        max(file_modified_at) as file_modified_at
    from export_files
    group by 1, 2

),

file_partitions_dated as (

    select
        file_partitions.*,
        file_times.file_modified_at,
        delivery_times.delivered_at,
        coalesce(aws_manifests.assembly_folder is not null, false)
            as is_named_by_manifest
    from file_partitions
    left join file_times
        on file_partitions.x_files_source = file_times.x_provider
        and file_partitions.x_source_file = file_times.x_source_file
    left join delivery_times
        on file_partitions.x_files_source = delivery_times.x_provider
        and file_partitions.x_delivery = delivery_times.x_delivery
    left join aws_manifests
        on file_partitions.x_export = 'aws_cur_legacy_csv'
        and file_partitions.x_delivery = aws_manifests.assembly_folder

),

deliveries as (

    select distinct
        x_export,
        x_provider_name,
        billing_account_id,
        billing_period_start,
        x_delivery,
        delivered_at,
        is_named_by_manifest
    from file_partitions_dated

),

deliveries_ranked as (

    select
        deliveries.*,
        row_number() over (
            partition by
                x_export, x_provider_name, billing_account_id, billing_period_start
            order by
                case when is_named_by_manifest then 0 else 1 end,
                delivered_at desc nulls last,
                x_delivery desc
        ) as x_delivery_rank
    from deliveries

),

counted_deliveries as (

    select
        x_export,
        x_provider_name,
        billing_account_id,
        billing_period_start,
        x_delivery
    from deliveries_ranked
    where x_delivery_rank = 1

),

{# Files of one delivery and period with the same lines (count, cost and fingerprint of
    their values): the first written (then the shorter, then the first name: a copy is
    `part_0 (1).csv`) is the original, the others repeat it. #}
same_lines_ranked as (

    select
        x_export,
        x_provider_name,
        billing_account_id,
        billing_period_start,
        x_source_file,
        first_value(x_source_file) over (
            partition by
                x_export, x_provider_name, billing_account_id, billing_period_start,
                x_delivery, line_count, billed_cost, x_lines_fingerprint
            order by
                file_modified_at nulls last,
                {{ dbt.length('x_source_file') }},
                x_source_file
        ) as x_original_file
    from file_partitions_dated

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "file_partitions_dated.x_export", "'|'",
            "file_partitions_dated.x_provider_name", "'|'",
            "file_partitions_dated.x_source_file", "'|'",
            "file_partitions_dated.billing_account_id", "'|'",
            "cast(file_partitions_dated.billing_period_start as "
                ~ dbt.type_string() ~ ")",
        ])) }} as delivery_file_id,
        file_partitions_dated.x_provider,
        file_partitions_dated.x_provider_name,
        file_partitions_dated.x_export,
        file_partitions_dated.x_source_format,
        file_partitions_dated.x_source_file,
        file_partitions_dated.x_delivery,
        file_partitions_dated.billing_account_id,
        file_partitions_dated.billing_period_start,
        file_partitions_dated.line_count,
        file_partitions_dated.billed_cost,
        file_partitions_dated.billing_currency,
        file_partitions_dated.file_modified_at,
        file_partitions_dated.delivered_at,
        file_partitions_dated.is_named_by_manifest,
        deliveries_ranked.x_delivery_rank,
        deliveries_ranked.x_delivery_rank = 1 as is_counted,
        counted_deliveries.x_delivery as x_counted_delivery,
        case
            when same_lines_ranked.x_original_file != file_partitions_dated.x_source_file
                then same_lines_ranked.x_original_file
        end as x_duplicate_of_file,
        case
            when same_lines_ranked.x_original_file != file_partitions_dated.x_source_file
                then {{ dbt.concat([
                    "'duplicate file: same lines as '",
                    "same_lines_ranked.x_original_file",
                    "' in the same delivery'",
                ]) }}
        end as x_delivery_quarantine_reason
    from file_partitions_dated
    inner join deliveries_ranked
        on file_partitions_dated.x_export = deliveries_ranked.x_export
        and file_partitions_dated.x_provider_name = deliveries_ranked.x_provider_name
        and file_partitions_dated.billing_account_id = deliveries_ranked.billing_account_id
        and file_partitions_dated.billing_period_start
        = deliveries_ranked.billing_period_start
        and file_partitions_dated.x_delivery = deliveries_ranked.x_delivery
    inner join counted_deliveries
        on file_partitions_dated.x_export = counted_deliveries.x_export
        and file_partitions_dated.x_provider_name = counted_deliveries.x_provider_name
        and file_partitions_dated.billing_account_id = counted_deliveries.billing_account_id
        and file_partitions_dated.billing_period_start
        = counted_deliveries.billing_period_start
    inner join same_lines_ranked
        on file_partitions_dated.x_export = same_lines_ranked.x_export
        and file_partitions_dated.x_provider_name = same_lines_ranked.x_provider_name
        and file_partitions_dated.billing_account_id = same_lines_ranked.billing_account_id
        and file_partitions_dated.billing_period_start
        = same_lines_ranked.billing_period_start
        and file_partitions_dated.x_source_file = same_lines_ranked.x_source_file

)

select * from final
