{#- One row per storage resource and day it was billed: when did something last touch it,
    has it been sitting untouched for mlcost_stale_storage_days or more (stale), and how
    sure can we be of that (evidence, confidence)?

    A bucket, container or storage account is touched by a checkpoint written into it
    (the checkpoint URI) and, every day an attempt of the job runs, by a job reading a
    dataset there (the job contract's optional dataset_uri). A disk is touched on every day
    a machine it is tied to is billed. Ties, strongest evidence first:
    1. job_volume_ids: the job contract's optional attempt_nodes.volume_ids lists the disk
       on a node whose machine is billed;
    2. machine_name: a GCP boot disk carries its VM's name, an Azure one `<vm>_OsDisk_...`;
    3. machine_tags: the disk and a machine of the same account carry the same value of a
       tie tag (var mlcost_machine_tie_tag_keys: cluster, auto scaling group, launch
       template, Name); the disk is touched while any machine with that value is billed;
    4. machine_lifetime (AWS: the CUR does not say which instance an EBS volume is
       attached to): the disk's first and last billed hours are within an hour of a
       machine's of the same account and availability zone, and do not both sit on the
       bill's first and last hours (a lifetime cut by the bill at both ends says nothing:
       every volume and machine billed all along would match).
    Else job_storage_uris when a checkpoint or dataset URI ever named it, else none. The
    clock starts at the later of the last touch and the first billed day. -#}
{#- A table, not the folder's view: its key tests and the report would each run it again.
    Not incremental by day: whether a day is stale depends on every earlier day. -#}
{{ config(materialized='table') }}
{%- set max_volumes_per_node = 16 %}

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

dataset_jobs as (

    select * from {{ ref('stg_ml_jobs__jobs') }}
    where x_quarantine_reason is null
        and dataset_uri like '%://%'

),

attempts as (

    select * from {{ ref('stg_ml_jobs__job_attempts') }}
    where x_quarantine_reason is null

),

contract_nodes as (

    select * from {{ ref('stg_ml_jobs__attempt_nodes') }}
    where x_quarantine_reason is null
        and volume_ids is not null

),

attempt_nodes as (

    select * from {{ ref('int_attempt_nodes_joined') }}

),

tag_entries as (

    select * from {{ ref('int_tag_sets_unnested') }}

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

{# What a machine or a disk is called (macros/storage_names.sql). -#}
storage_named as (

    select
        storage_days.*,
        {{ mlcost.billed_storage_name('resource_name', 'resource_id') }} as storage_name
    from storage_days

),

disks as (

    select distinct
        x_provider,
        resource_key,
        storage_name
    from storage_named
    where is_disk = 1

),

machine_lines as (

    select * from cost_lines
    where x_instance_type is not null

),

machine_days as (

    select distinct
        x_provider,
        sub_account_id,
        resource_id,
        {{ mlcost.billed_storage_name('resource_name', 'resource_id') }} as machine_name,
        tags,
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as usage_date
    from machine_lines

),

{# The key the job join gives a machine (macro resource_key), computed once per machine. #}
machine_resources as (

    select
        x_provider,
        resource_id,
        {{ mlcost.resource_key('resource_id') }} as machine_key
    from (
        select distinct
            x_provider,
            resource_id
        from machine_days
    ) as machine_ids

),

tie_tag_entries as (

    select
        x_provider,
        tags,
        tag_key_normalized,
        tag_value
    from tag_entries
    where tag_value is not null
        and (
            {%- for pattern in var('mlcost_machine_tie_tag_keys') %}
            tag_key_normalized like '{{ pattern | lower | replace("'", "''") }}'
            {%- if not loop.last %} or{% endif %}
            {%- endfor %}
        )

),

{# A disk is tied to one machine, or to every machine of an account carrying one value of
    a tie tag (a cluster): not joined to each of a cluster's machines. #}
group_days as (

    select distinct
        machine_days.x_provider,
        {{ dbt.concat(["'machine|'", "machine_resources.machine_key"]) }} as tie_group,
        machine_days.usage_date
    from machine_days
    inner join machine_resources
        on machine_days.x_provider = machine_resources.x_provider
        and machine_days.resource_id = machine_resources.resource_id
    union
    select distinct
        machine_days.x_provider,
        {{ dbt.concat([
            "'tag|'", "machine_days.sub_account_id", "'|'",
            "tie_tag_entries.tag_key_normalized", "'|'", "tie_tag_entries.tag_value",
        ]) }} as tie_group,
        machine_days.usage_date
    from machine_days
    inner join tie_tag_entries
        on machine_days.x_provider = tie_tag_entries.x_provider
        and machine_days.tags = tie_tag_entries.tags

),

tie_groups as (

    select distinct
        x_provider,
        tie_group
    from group_days

),

{# 1. The contract's volume_ids: up to max_volumes_per_node entries split on ';', each
    matched to a billed disk by the part after its last '/'. -#}
listed_volumes as (

    {% for slot in range(1, max_volumes_per_node + 1) %}
    select
        attempt_id,
        node_index,
        lower(trim({{ dbt.split_part(
            dbt.split_part('volume_ids', "';'", slot), "'/'", -1) }})) as storage_name
    from contract_nodes
    where {{ dbt.split_part('volume_ids', "';'", slot) }} != ''
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

contract_ties as (

    select distinct
        disks.x_provider,
        disks.resource_key,
        {{ dbt.concat(["'machine|'", "machine_resources.machine_key"]) }} as tie_group,
        1 as evidence_rank
    from listed_volumes
    inner join attempt_nodes
        on listed_volumes.attempt_id = attempt_nodes.attempt_id
        and listed_volumes.node_index = attempt_nodes.node_index
    inner join disks
        on attempt_nodes.provider = disks.x_provider
        and listed_volumes.storage_name = disks.storage_name
    inner join machine_resources
        on attempt_nodes.provider = machine_resources.x_provider
        and attempt_nodes.resource_key = machine_resources.machine_key

),

{# 2. The names a disk's machine may have: the disk's own (GCP boot disks) and, for an
    Azure OS disk `<machine>_osdisk_...`, what comes before `_osdisk_`. One equality join,
    not a join on a name pattern, which compares every disk with every machine. #}
disk_machine_names as (

    select
        x_provider,
        resource_key,
        storage_name as machine_name
    from disks
    union
    select
        x_provider,
        resource_key,
        {{ dbt.split_part('storage_name', "'_osdisk_'", 1) }} as machine_name
    from disks
    where {{ dbt.position("'_osdisk_'", 'storage_name') }} > 0

),

machine_names as (

    select distinct
        machine_days.x_provider,
        machine_days.machine_name,
        machine_resources.machine_key
    from machine_days
    inner join machine_resources
        on machine_days.x_provider = machine_resources.x_provider
        and machine_days.resource_id = machine_resources.resource_id

),

name_ties as (

    select distinct
        disk_machine_names.x_provider,
        disk_machine_names.resource_key,
        {{ dbt.concat(["'machine|'", "machine_names.machine_key"]) }} as tie_group,
        2 as evidence_rank
    from disk_machine_names
    inner join machine_names
        on disk_machine_names.x_provider = machine_names.x_provider
        and disk_machine_names.machine_name = machine_names.machine_name

),

{# 3. A tie tag's value on the disk that machines of its account carry too. -#}
disk_tag_sets as (

    select distinct
        x_provider,
        sub_account_id,
        tags,
        lower(resource_id) as resource_key
    from storage_lines
    where is_disk

),

tag_ties as (

    select distinct
        disk_tag_sets.x_provider,
        disk_tag_sets.resource_key,
        {{ dbt.concat([
            "'tag|'", "disk_tag_sets.sub_account_id", "'|'",
            "tie_tag_entries.tag_key_normalized", "'|'", "tie_tag_entries.tag_value",
        ]) }} as tie_group,
        3 as evidence_rank
    from disk_tag_sets
    inner join tie_tag_entries
        on disk_tag_sets.x_provider = tie_tag_entries.x_provider
        and disk_tag_sets.tags = tie_tag_entries.tags

),

tag_ties_grouped as (

    select tag_ties.*
    from tag_ties
    inner join tie_groups
        on tag_ties.x_provider = tie_groups.x_provider
        and tag_ties.tie_group = tie_groups.tie_group

),

{# 4. AWS lifetimes, from hourly lines only (a daily CUR cannot tell an hour). -#}
disk_lifetimes as (

    select
        x_provider,
        lower(resource_id) as resource_key,
        min(sub_account_id) as sub_account_id,
        min(availability_zone) as availability_zone,
        min(charge_period_start) as first_hour,
        max(charge_period_start) as last_hour,
        max({{ dbt.datediff('charge_period_start', 'charge_period_end', 'hour') }})
            as longest_line_hours
    from storage_lines
    where is_disk
        and x_provider = 'aws'
    group by 1, 2

),

machine_lifetimes as (

    select
        x_provider,
        resource_id,
        min(sub_account_id) as sub_account_id,
        min(availability_zone) as availability_zone,
        min(charge_period_start) as first_hour,
        max(charge_period_start) as last_hour,
        max({{ dbt.datediff('charge_period_start', 'charge_period_end', 'hour') }})
            as longest_line_hours
    from machine_lines
    where x_provider = 'aws'
    group by 1, 2

),

bill_edges as (

    select
        x_provider,
        min(charge_period_start) as first_hour,
        max(charge_period_start) as last_hour
    from cost_lines
    where x_provider = 'aws'
    group by 1

),

lifetime_ties as (

    select distinct
        disk_lifetimes.x_provider,
        disk_lifetimes.resource_key,
        {{ dbt.concat(["'machine|'", "machine_resources.machine_key"]) }} as tie_group,
        4 as evidence_rank
    from disk_lifetimes
    inner join bill_edges
        on disk_lifetimes.x_provider = bill_edges.x_provider
    inner join machine_lifetimes
        on disk_lifetimes.x_provider = machine_lifetimes.x_provider
        and disk_lifetimes.sub_account_id = machine_lifetimes.sub_account_id
        and disk_lifetimes.availability_zone = machine_lifetimes.availability_zone
        and machine_lifetimes.first_hour
        between {{ dbt.dateadd('hour', -1, 'disk_lifetimes.first_hour') }}
        and {{ dbt.dateadd('hour', 1, 'disk_lifetimes.first_hour') }}
        and machine_lifetimes.last_hour
        between {{ dbt.dateadd('hour', -1, 'disk_lifetimes.last_hour') }}
        and {{ dbt.dateadd('hour', 1, 'disk_lifetimes.last_hour') }}
    inner join machine_resources
        on machine_lifetimes.x_provider = machine_resources.x_provider
        and machine_lifetimes.resource_id = machine_resources.resource_id
    where disk_lifetimes.longest_line_hours <= 1
        and machine_lifetimes.longest_line_hours <= 1
        and not (
            disk_lifetimes.first_hour = bill_edges.first_hour
            and disk_lifetimes.last_hour = bill_edges.last_hour
        )

),

disk_ties as (

    select * from contract_ties
    union all
    select * from name_ties
    union all
    select * from tag_ties_grouped
    union all
    select * from lifetime_ties

),

disk_evidence as (

    select
        x_provider,
        resource_key,
        min(evidence_rank) as evidence_rank
    from disk_ties
    group by 1, 2

),

attached_days as (

    select distinct
        storage_named.resource_key,
        storage_named.usage_date
    from storage_named
    inner join disk_ties
        on storage_named.x_provider = disk_ties.x_provider
        and storage_named.resource_key = disk_ties.resource_key
    inner join group_days
        on disk_ties.x_provider = group_days.x_provider
        and disk_ties.tie_group = group_days.tie_group
        and storage_named.usage_date = group_days.usage_date

),

{# s3://bucket/..., gs://bucket/..., abfss://container@account.dfs.core.windows.net/...,
    https://account.blob.core.windows.net/container/...: the bucket or storage account,
    touched from the first to the last day of a touch (a checkpoint's day; the days an
    attempt of a job reading a dataset runs, to this day while it runs). -#}
uri_touches as (

    select distinct
        {{ mlcost.checkpoint_storage_name('uri') }} as storage_name,
        cast({{ dbt.date_trunc('day', 'saved_at') }} as date) as first_touch_date,
        cast({{ dbt.date_trunc('day', 'saved_at') }} as date) as last_touch_date
    from checkpoints
    union
    select distinct
        {{ mlcost.checkpoint_storage_name('dataset_jobs.dataset_uri') }} as storage_name,
        cast({{ dbt.date_trunc('day', 'attempts.started_at') }} as date) as first_touch_date,
        cast({{ dbt.date_trunc('day', 'attempts.ended_at') }} as date) as last_touch_date
    from dataset_jobs
    inner join attempts
        on dataset_jobs.job_id = attempts.job_id

),

uri_touched_names as (

    select distinct storage_name
    from uri_touches

),

uri_last_touches as (

    select
        storage_named.resource_key,
        storage_named.usage_date,
        max(
            case
                when uri_touches.last_touch_date is null
                    or uri_touches.last_touch_date > storage_named.usage_date
                    then storage_named.usage_date
                else uri_touches.last_touch_date
            end
        ) as last_uri_touch_date
    from storage_named
    inner join uri_touches
        on storage_named.storage_name = uri_touches.storage_name
        and storage_named.usage_date >= uri_touches.first_touch_date
    group by 1, 2

),

touched as (

    select
        storage_named.*,
        uri_last_touches.last_uri_touch_date,
        attached_days.resource_key is not null as is_attached,
        case disk_evidence.evidence_rank
            when 1 then 'job_volume_ids'
            when 2 then 'machine_name'
            when 3 then 'machine_tags'
            when 4 then 'machine_lifetime'
            else
                case
                    when uri_touched_names.storage_name is not null
                        then 'job_storage_uris'
                    else 'none'
                end
        end as evidence,
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
    left join uri_last_touches
        on storage_named.resource_key = uri_last_touches.resource_key
        and storage_named.usage_date = uri_last_touches.usage_date
    left join attached_days
        on storage_named.resource_key = attached_days.resource_key
        and storage_named.usage_date = attached_days.usage_date
    left join disk_evidence
        on storage_named.x_provider = disk_evidence.x_provider
        and storage_named.resource_key = disk_evidence.resource_key
    left join uri_touched_names
        on storage_named.storage_name = uri_touched_names.storage_name

),

clocked as (

    select
        touched.*,
        {#- coalesce: greatest() of a null is null on some warehouses. #}
        greatest(
            coalesce(last_uri_touch_date, first_billed_date),
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
            coalesce(last_uri_touch_date, last_attached_date),
            coalesce(last_attached_date, last_uri_touch_date)
        ) as last_touch_date,
        days_untouched,
        days_untouched >= {{ var('mlcost_stale_storage_days') }} as is_stale,
        evidence,
        case
            when evidence in ('job_volume_ids', 'machine_name') then 'high'
            when evidence in ('machine_tags', 'machine_lifetime', 'job_storage_uris')
                then 'medium'
            else 'low'
        end as confidence
    from aged

)

select * from final
