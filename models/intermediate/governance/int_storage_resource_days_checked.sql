{#- One row per storage resource and day it was billed: when did a job last touch it, and
    has it been sitting untouched for mlcost_stale_storage_days or more (stale)?

    A checkpoint written into a bucket, container or storage account (read from the
    checkpoint URI) touches it that day. A disk is touched on the days the machine it
    belongs to is billed: GCP names a boot disk after its VM and Azure `<vm>_OsDisk_...`.
    An AWS CUR does not say which instance an EBS volume is attached to, so AWS volumes are
    only ever touched by checkpoints, and a volume of a machine running a week or more
    shows as stale. The clock starts at the later of the last touch and the first billed
    day in the data. -#}
{#- A table, not the folder's view: its key tests and the idle-resource report would each
    run it again over every line of history. Not incremental by day: whether a day is
    stale depends on every earlier day of the resource. -#}
{{ config(materialized='table') }}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and charge_category = 'Usage'
        and resource_id is not null

),

checkpoints as (

    select * from {{ ref('stg_ml_jobs__checkpoints') }}
    where x_quarantine_reason is null
        and uri like '%://%'

),

{# Disks and snapshots bill under their compute service (EBS under EC2, persistent disks
    under Compute Engine), whose one FOCUS category is Compute: their resource type tells
    them (EC2's Storage product family is EBS). A bucket's transfer lines are Storage like
    the bucket, but what leaving data unused costs is its storage. -#}
storage_lines as (

    select
        cost_lines.*,
        (
            service_subcategory = 'Block Storage'
            or (
                service_category = 'Compute'
                and resource_type in ('Storage', 'compute.disks', 'microsoft.compute/disks')
            )
        ) as is_disk
    from cost_lines
    where not {{ mlcost.is_data_transfer_line() }}
        and (
            service_category = 'Storage'
            or (
                service_category = 'Compute'
                and resource_type in (
                    'Storage', 'Storage Snapshot', 'compute.disks', 'compute.snapshots',
                    'microsoft.compute/disks', 'microsoft.compute/snapshots'
                )
            )
        )

),

storage_days as (

    select
        x_provider,
        lower(resource_id) as resource_key,
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as usage_date,
        billing_currency,
        min(resource_id) as resource_id,
        max(resource_name) as resource_name,
        min(sub_account_id) as sub_account_id,
        min(service_name) as service_name,
        max(service_subcategory) as service_subcategory,
        max(case when is_disk then 1 else 0 end) as is_disk,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from storage_lines
    group by 1, 2, 3, 4

),

{# What a checkpoint URI or a machine is called (macros/storage_names.sql). -#}
storage_named as (

    select
        storage_days.*,
        {{ mlcost.billed_storage_name('resource_name', 'resource_id') }} as storage_name
    from storage_days

),

machine_days as (

    select distinct
        x_provider,
        {{ mlcost.billed_storage_name('resource_name', 'resource_id') }} as machine_name,
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as usage_date
    from cost_lines
    where x_instance_type is not null

),

{# The bucket or storage account of each checkpoint (macros/storage_names.sql). -#}
checkpoint_touches as (

    select distinct
        {{ mlcost.checkpoint_storage_name('uri') }} as storage_name,
        cast({{ dbt.date_trunc('day', 'saved_at') }} as date) as touch_date
    from checkpoints

),

{# The names a disk's machine may have: the disk's own (GCP boot disks) and, for an Azure
    OS disk `<machine>_osdisk_...`, what comes before `_osdisk_`. One equality join, not a
    join on a name pattern, which compares every disk with every machine of the day. #}
disk_machine_names as (

    select
        x_provider,
        resource_key,
        usage_date,
        storage_name as machine_name
    from storage_named
    where is_disk = 1
    union
    select
        x_provider,
        resource_key,
        usage_date,
        {{ dbt.split_part('storage_name', "'_osdisk_'", 1) }} as machine_name
    from storage_named
    where is_disk = 1
        and {{ dbt.position("'_osdisk_'", 'storage_name') }} > 0

),

attached_days as (

    select distinct
        disk_machine_names.resource_key,
        disk_machine_names.usage_date
    from disk_machine_names
    inner join machine_days
        on disk_machine_names.x_provider = machine_days.x_provider
        and disk_machine_names.usage_date = machine_days.usage_date
        and disk_machine_names.machine_name = machine_days.machine_name

),

checkpoint_last_touches as (

    select
        storage_named.resource_key,
        storage_named.usage_date,
        max(checkpoint_touches.touch_date) as last_checkpoint_date
    from storage_named
    inner join checkpoint_touches
        on storage_named.storage_name = checkpoint_touches.storage_name
        and storage_named.usage_date >= checkpoint_touches.touch_date
    group by 1, 2

),

touched as (

    select
        storage_named.*,
        checkpoint_last_touches.last_checkpoint_date,
        attached_days.resource_key is not null as is_attached,
        min(storage_named.usage_date) over (
            partition by storage_named.resource_key
        ) as first_billed_date,
        max(case when attached_days.resource_key is not null then storage_named.usage_date end)
            over (
                partition by storage_named.resource_key
                order by storage_named.usage_date
                rows between unbounded preceding and current row
            ) as last_attached_date
    from storage_named
    left join checkpoint_last_touches
        on storage_named.resource_key = checkpoint_last_touches.resource_key
        and storage_named.usage_date = checkpoint_last_touches.usage_date
    left join attached_days
        on storage_named.resource_key = attached_days.resource_key
        and storage_named.usage_date = attached_days.usage_date

),

clocked as (

    select
        touched.*,
        {#- coalesce: greatest() of a null is null on some warehouses. #}
        greatest(
            coalesce(last_checkpoint_date, first_billed_date),
            coalesce(last_attached_date, first_billed_date),
            first_billed_date
        ) as clock_start_date
    from touched

),

aged as (

    select
        clocked.*,
        {{ dbt.datediff(
            'clock_start_date', 'usage_date', 'day'
        ) }} as days_untouched
    from clocked

),

final as (

    select
        {{ dbt.concat([
            "resource_key", "'|'", "cast(usage_date as " ~ dbt.type_string() ~ ")",
            "'|'", "billing_currency",
        ]) }} as storage_day_id,
        usage_date,
        x_provider,
        resource_key,
        resource_id,
        resource_name,
        sub_account_id,
        service_name,
        service_subcategory,
        billing_currency,
        billed_cost,
        effective_cost,
        is_attached,
        greatest(
            coalesce(last_checkpoint_date, last_attached_date),
            coalesce(last_attached_date, last_checkpoint_date)
        ) as last_touch_date,
        days_untouched,
        days_untouched >= {{ var('mlcost_stale_storage_days') }} as is_stale
    from aged

)

select * from final
