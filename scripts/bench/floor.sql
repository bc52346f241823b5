-- The floor: what a DuckDB user who knows their data writes by hand to get mlcost's unified
-- cost table and three marts from one AWS CUR 2.0 parquet export and the four ML job tables.
-- No layers, no data tests, no schema-drift handling, no other provider: one statement per
-- output table. {cur2}, {jobs}, {attempts}, {nodes}, {checkpoints} and {seeds} (the seeds
-- folder) are filled in by scripts/benchmark.py. Money is decimal(38, 10) as in mlcost, so
-- the outputs compare to the cent.

set timezone = 'UTC';

-- The unified cost table, FOCUS core columns and the extensions the three marts read.
create or replace table cost_lines as
with raw as (
    select
        *,
        map_extract_value(product, 'transfer_type') as product_transfer_type,
        map_from_entries(list_filter(
            map_entries(resource_tags), lambda t: t.value is not null and trim(t.value) != ''
        )) as tag_map
    from read_parquet('{cur2}', filename = true)
),
seed_services as (
    select * from read_csv('{seeds}/service_categories.csv') where provider = 'aws'
),
seed_gpus as (
    select * from read_csv('{seeds}/gpu_catalog.csv') where provider = 'aws'
),
seed_regions as (
    select * from read_csv('{seeds}/regions.csv', all_varchar = true) where provider = 'aws'
),
seed_aliases as (
    select * from read_csv('{seeds}/tag_aliases.csv')
),
-- Canonical tags per distinct tag set: keys normalized, aliases folded, canonical first.
tag_sets as (select distinct tag_map from raw),
tag_entries as (
    select tag_map, entry.key as tag_key, entry.value as tag_value
    from (select tag_map, unnest(map_entries(tag_map)) as entry from tag_sets)
),
tag_keys as (
    select
        tag_map, tag_key, tag_value,
        replace(replace(replace(replace(
            case when lower(trim(tag_key)) like 'user:%' or lower(trim(tag_key)) like 'user\_%' escape '\'
                then substr(lower(trim(tag_key)), 6) else lower(trim(tag_key)) end,
            '-', '_'), ' ', '_'), ':', '_'), '.', '_') as normalized_key
    from tag_entries
),
canonical_tags as (
    select tag_map, map_from_entries(list({'key': canonical_key, 'value': tag_value})) as tags
    from (
        select
            tag_keys.tag_map, tag_keys.tag_value,
            coalesce(seed_aliases.canonical_key, tag_keys.normalized_key) as canonical_key,
            row_number() over (
                partition by tag_keys.tag_map,
                    coalesce(seed_aliases.canonical_key, tag_keys.normalized_key)
                order by case when seed_aliases.canonical_key is null then 0 else 1 end,
                    tag_keys.tag_key
            ) as spelling_rank
        from tag_keys
        left join seed_aliases on tag_keys.normalized_key = seed_aliases.tag_key
    )
    where spelling_rank = 1
    group by tag_map
),
lines as (
    select
        raw.*,
        case
            when line_item_line_item_type in ('Usage', 'DiscountedUsage',
                'SavingsPlanCoveredUsage', 'SavingsPlanNegation') then 'Usage'
            when line_item_line_item_type in ('Fee', 'RIFee', 'SavingsPlanRecurringFee',
                'SavingsPlanUpfrontFee') then 'Purchase'
            when line_item_line_item_type = 'Tax' then 'Tax'
            when line_item_line_item_type in ('Credit', 'BundledDiscount', 'EdpDiscount',
                'PrivateRateDiscount', 'DistributorDiscount', 'SppDiscount') then 'Credit'
            else 'Adjustment'
        end as charge_category,
        coalesce(product_instance_type, case
            when line_item_usage_type similar to '.*(Usage|Train|Notebk|Host):.*'
                then split_part(line_item_usage_type, ':', -1)
        end) as instance_type,
        replace(product_location, 'EU (', 'Europe (') as location_name
    from raw
)
select
    md5(concat_ws('|', 'aws_cur2_parquet', coalesce(identity_line_item_id, ''),
        coalesce(identity_time_interval, ''),
        coalesce(cast(bill_billing_period_start_date as varchar), ''))) as x_line_key,
    bill_payer_account_id as billing_account_id,
    line_item_usage_account_id as sub_account_id,
    bill_billing_period_start_date as billing_period_start,
    line_item_usage_start_date as charge_period_start,
    line_item_usage_end_date as charge_period_end,
    lines.charge_category,
    line_item_line_item_description as charge_description,
    cast(line_item_unblended_cost as decimal(38, 10)) as billed_cost,
    cast(case line_item_line_item_type
        when 'SavingsPlanCoveredUsage' then savings_plan_savings_plan_effective_cost
        when 'SavingsPlanNegation' then 0
        when 'SavingsPlanUpfrontFee' then 0
        when 'SavingsPlanRecurringFee' then coalesce(savings_plan_total_commitment_to_date, 0)
            - coalesce(savings_plan_used_commitment, 0)
        when 'DiscountedUsage' then reservation_effective_cost
        when 'RIFee' then coalesce(reservation_unused_amortized_upfront_fee_for_billing_period, 0)
            + coalesce(reservation_unused_recurring_fee, 0)
        when 'Fee' then case when reservation_reservation_a_r_n is not null then 0
            else line_item_unblended_cost end
        else line_item_unblended_cost
    end as decimal(38, 10)) as effective_cost,
    line_item_currency_code as billing_currency,
    case
        when lines.charge_category = 'Tax' then null
        when lines.charge_category = 'Purchase' and coalesce(line_item_usage_amount, 0) = 0 then 1
        when lines.charge_category in ('Usage', 'Purchase') or pricing_unit is not null
            then line_item_usage_amount
    end as pricing_quantity,
    pricing_unit,
    coalesce(product_region_code, location_regions.region_id) as region_id,
    coalesce(id_regions.region_name, product_location) as region_name,
    nullif(line_item_resource_id, '') as resource_id,
    coalesce(seed_services.service_category, 'Other') as service_category,
    coalesce(seed_services.service_name, line_item_product_code) as service_name,
    case when lines.charge_category = 'Tax' then null
        when product_sku is not null then product_sku
        when lines.charge_category in ('Usage', 'Purchase')
            then line_item_product_code || ':' || coalesce(line_item_usage_type, '')
    end as sku_id,
    case
        when line_item_line_item_type in ('DiscountedUsage', 'SavingsPlanCoveredUsage',
            'SavingsPlanNegation') then 'Used'
    end as commitment_discount_status,
    lines.tag_map as tags,
    coalesce(canonical_tags.tags, map()) as x_tags,
    map_extract_value(canonical_tags.tags, 'team') as x_tag_team,
    map_extract_value(canonical_tags.tags, 'project') as x_tag_project,
    map_extract_value(canonical_tags.tags, 'job_id') as x_tag_job_id,
    line_item_line_item_type as x_line_type,
    line_item_usage_type as x_usage_type,
    line_item_operation as x_operation,
    lines.instance_type as x_instance_type,
    seed_gpus.gpu_count as x_gpu_count,
    product_from_region_code as x_transfer_from_region,
    product_to_region_code as x_transfer_to_region,
    product_from_location as x_transfer_from_location,
    product_to_location as x_transfer_to_location,
    product_transfer_type as x_transfer_type,
    case when lines.charge_category = 'Usage' and pricing_unit in ('Hrs', 'Hours', 'hours', 'Hour')
        then line_item_usage_amount * 3600 end as x_consumed_seconds
from lines
left join canonical_tags on lines.tag_map = canonical_tags.tag_map
left join seed_services on lines.line_item_product_code = seed_services.service_code
left join seed_gpus on lines.instance_type = seed_gpus.instance_type
left join seed_regions as location_regions on lines.location_name = location_regions.region_name
left join seed_regions as id_regions
    on coalesce(product_region_code, location_regions.region_id) = id_regions.region_id
where line_item_currency_code is not null;

-- The four job tables, typed; rows that do not parse are left out (mlcost quarantines them).
create or replace table ml_jobs as
select
    job_id, team, project,
    try_cast(submitted_at as timestamptz)::timestamp as submitted_at
from read_csv('{jobs}', all_varchar = true)
where job_id is not null and job_type is not null and provider is not null
    and status is not null
    and (node_count is null or try_cast(node_count as bigint) is not null)
    and (gpus_per_node is null or try_cast(gpus_per_node as bigint) is not null)
    and (is_spot is null or try_cast(is_spot as boolean) is not null)
    and (checkpoint_enabled is null or try_cast(checkpoint_enabled as boolean) is not null)
    and (submitted_at is null or try_cast(submitted_at as timestamptz) is not null);

create or replace table ml_job_attempts as
select
    attempt_id, job_id,
    try_cast(started_at as timestamptz)::timestamp as started_at,
    try_cast(ended_at as timestamptz)::timestamp as ended_at
from read_csv('{attempts}', all_varchar = true)
where attempt_id is not null and job_id is not null and status is not null
    and try_cast(attempt_number as bigint) is not null
    and try_cast(started_at as timestamptz) is not null
    and (ended_at is null or try_cast(ended_at as timestamptz) is not null)
    and (gpu_utilization_pct is null or try_cast(gpu_utilization_pct as double) is not null)
    and not coalesce(try_cast(ended_at as timestamptz) < try_cast(started_at as timestamptz), false);

create or replace table ml_attempt_nodes as
with nodes as (
    select
        attempt_id, node_index, try_cast(gpus_used as bigint) as gpus_used,
        rtrim(lower(trim(resource_id)), '/') as cleaned_id
    from read_csv('{nodes}', all_varchar = true)
    where attempt_id is not null and resource_id is not null
        and try_cast(node_index as bigint) is not null
        and (gpus_used is null or try_cast(gpus_used as bigint) is not null)
),
checkpoints as (
    select attempt_id, max(try_cast(saved_at as timestamptz)::timestamp) as last_checkpoint_at
    from read_csv('{checkpoints}', all_varchar = true)
    where checkpoint_id is not null and job_id is not null and attempt_id is not null
        and try_cast(saved_at as timestamptz) is not null
        and (step is null or try_cast(step as bigint) is not null)
        and (size_gb is null or try_cast(size_gb as double) is not null)
    group by 1
)
select
    nodes.attempt_id || '|' || cast(try_cast(nodes.node_index as bigint) as varchar) as attempt_node_id,
    nodes.attempt_id, ml_job_attempts.job_id,
    -- an EC2 instance id, instance ARN or Kubernetes providerID names the instance
    coalesce(nullif(regexp_extract(nodes.cleaned_id,
        '^(?:arn:aws[a-z-]*:ec2:[^:]*:[0-9]*:instance/|aws:/+(?:[^/]+/)?)?(i-[0-9a-f]+)$', 1), ''),
        nullif(nodes.cleaned_id, '')) as resource_key,
    coalesce(nodes.gpus_used, try_cast(jobs_raw.gpus_per_node as bigint)) as gpus_used,
    ml_job_attempts.started_at, ml_job_attempts.ended_at, checkpoints.last_checkpoint_at
from nodes
inner join ml_job_attempts on nodes.attempt_id = ml_job_attempts.attempt_id
inner join ml_jobs on ml_job_attempts.job_id = ml_jobs.job_id
inner join read_csv('{jobs}', all_varchar = true) as jobs_raw on ml_jobs.job_id = jobs_raw.job_id
left join checkpoints on nodes.attempt_id = checkpoints.attempt_id;

-- Job costs: each machine line split onto the attempts that overlapped it (time share of
-- the line's running seconds, partial hours charged first, times the GPU share).
create or replace table ml_job_costs as
with machine_lines as (
    select
        *,
        max(x_consumed_seconds) over (
            partition by resource_id, charge_period_start, charge_period_end
        ) as resource_running_seconds,
        coalesce(nullif(regexp_extract(rtrim(lower(trim(resource_id)), '/'),
            '^(?:arn:aws[a-z-]*:ec2:[^:]*:[0-9]*:instance/|aws:/+(?:[^/]+/)?)?(i-[0-9a-f]+)$', 1), ''),
            nullif(rtrim(lower(trim(resource_id)), '/'), '')) as resource_key
    from cost_lines
    where resource_id is not null and charge_category = 'Usage' and x_instance_type is not null
),
line_overlaps as (
    select
        l.x_line_key, n.attempt_node_id, n.attempt_id, n.job_id, n.gpus_used, l.x_gpu_count,
        l.billed_cost, l.effective_cost, l.charge_period_start, l.resource_key, l.sku_id,
        l.x_line_type, l.billed_cost < 0 as is_negation,
        date_diff('second', greatest(l.charge_period_start, n.started_at),
            least(l.charge_period_end, coalesce(n.ended_at, l.charge_period_end))) as overlap_seconds,
        coalesce(l.x_consumed_seconds, l.resource_running_seconds,
            date_diff('second', l.charge_period_start, l.charge_period_end)) as running_seconds
    from machine_lines as l
    inner join ml_attempt_nodes as n
        on l.resource_key = n.resource_key
        and l.charge_period_start < coalesce(n.ended_at, l.charge_period_end)
        and l.charge_period_end > n.started_at
),
grouped as (
    select
        *,
        sum(running_seconds) over line_group as group_running_seconds,
        coalesce(sum(running_seconds) over (line_group order by
            case when abs(running_seconds - round(running_seconds / 3600) * 3600) > 1 then 0 else 1 end,
            x_line_key rows between unbounded preceding and 1 preceding), 0) as running_seconds_before
    from line_overlaps
    where overlap_seconds > 0
    window line_group as (partition by attempt_node_id, resource_key, charge_period_start, sku_id,
        x_line_type, is_negation)
),
shares as (
    select
        *,
        case when running_seconds <= 0 then 0 else (running_seconds - least(running_seconds,
            greatest(0, greatest(group_running_seconds - overlap_seconds, 0) - running_seconds_before)))
            / running_seconds end
        * case when x_gpu_count > 0 and gpus_used > 0 and gpus_used < x_gpu_count
            then gpus_used::double / x_gpu_count else 1.0 end as attributed_share
    from grouped
),
per_job as (
    select
        job_id,
        sum(cast(billed_cost * attributed_share as decimal(38, 10))) as billed_cost,
        sum(cast(effective_cost * attributed_share as decimal(38, 10))) as effective_cost
    from shares
    group by 1
),
attempt_counts as (
    select ml_job_attempts.job_id, count(*) as attempt_count
    from ml_job_attempts
    inner join ml_jobs on ml_job_attempts.job_id = ml_jobs.job_id
    group by 1
)
select
    ml_jobs.job_id,
    coalesce(attempt_counts.attempt_count, 0) as attempt_count,
    cast(coalesce(per_job.billed_cost, 0) as decimal(38, 10)) as billed_cost,
    cast(coalesce(per_job.effective_cost, 0) as decimal(38, 10)) as effective_cost
from ml_jobs
left join per_job on ml_jobs.job_id = per_job.job_id
left join attempt_counts on ml_jobs.job_id = attempt_counts.job_id;

-- Egress routes per day: transfer lines classified by the CUR's transfer type (usage-type
-- patterns for lines without one), beside the same day's compute in the served region.
create or replace table egress_routes_daily as
with region_names as (
    select region_name, min(region_id) as region_id
    from read_csv('{seeds}/regions.csv', all_varchar = true)
    where provider = 'aws'
    group by 1
),
destinations as (
    select * from read_csv('{seeds}/egress_destinations.csv') where provider = 'aws'
),
transfer_lines as (
    select
        *,
        lower(coalesce(x_transfer_type, '')) as transfer_type,
        lower(concat(coalesce(service_name, ''), ' | ', coalesce(x_usage_type, ''), ' | ',
            coalesce(charge_description, ''))) as route_text
    from cost_lines
    where nullif(trim(coalesce(x_transfer_type, '')), '') is not null
        or lower(coalesce(x_usage_type, '')) similar to '.*(bytes|data transfer|egress|ingress|data processed).*'
        or lower(coalesce(service_name, '')) in ('bandwidth', 'content delivery network')
        or lower(coalesce(charge_description, '')) like '%data transfer%'
),
routed as (
    select
        transfer_lines.*,
        case
            when transfer_type like '%cloudfront%' then 'cdn'
            when transfer_type like '%interregion%inbound%' then 'inter_region_inbound'
            when transfer_type like '%interregion%' then 'inter_region'
            when transfer_type like '%intraregion%inbound%' then 'inter_az_inbound'
            when transfer_type like '%intraregion%' then 'inter_az'
            when transfer_type like '%inbound%' then 'internet_inbound'
            when transfer_type like '%outbound%' then 'internet'
            when route_text similar to '.*(cloudfront|cdn|content delivery).*' then 'cdn'
            when route_text similar to '.*(natgateway|nat gateway).*' then 'nat'
            when route_text like '%data processed - ingress%' then 'private_link_inbound'
            when route_text like '%data processed - egress%' then 'private_link'
            when route_text like '%data processed%' then 'nat'
            when route_text similar to '.*(-aws-in-bytes|inter-region ingress).*' then 'inter_region_inbound'
            when route_text like '%datatransfer-xaz-in-bytes%' then 'inter_az_inbound'
            when route_text like '%datatransfer-in-bytes%' then 'internet_inbound'
            when route_text like '%intra-region ingress%' then 'peering_inbound'
            when route_text like '%intra-region egress%' then 'peering'
            when route_text similar to '.*(intra zone|intra-zone|same zone|intraaz).*' then 'same_az'
            when route_text similar to '.*(datatransfer-regional-bytes|datatransfer-xaz-out-bytes|inter zone|inter-zone|inter availability zone|interzone).*'
                then 'inter_az'
            when route_text similar to '.*(-aws-out-bytes|inter region|inter-region|intra continent|inter continent).*'
                or x_transfer_from_region != x_transfer_to_region then 'inter_region'
            when route_text similar to '.*(datatransfer-out-bytes|internet|data transfer out).*'
                or lower(coalesce(x_transfer_to_location, '')) = 'external' then 'internet'
            else 'unclassified'
        end as native_route
    from transfer_lines
),
classified as (
    select
        routed.*,
        coalesce(nullif(routed.x_transfer_to_region, ''), to_regions.region_id) as product_to_region,
        coalesce(nullif(routed.x_transfer_from_region, ''), from_regions.region_id,
            routed.region_id, line_regions.region_id) as billed_region,
        case when routed.native_route = 'internet' then (
            select min(destination) from destinations
            where routed.resource_id like destinations.resource_id_pattern
        ) end as destination
    from routed
    left join region_names as from_regions on routed.x_transfer_from_location = from_regions.region_name
    left join region_names as to_regions on routed.x_transfer_to_location = to_regions.region_name
    left join region_names as line_regions on routed.region_name = line_regions.region_name
),
ended as (
    select
        *,
        case when destination is not null then 'inter_cloud' else native_route end as egress_route
    from classified
),
placed as (
    select
        cast(date_trunc('day', charge_period_start) as date) as charge_date,
        billing_account_id, sub_account_id, service_name, egress_route,
        case
            when egress_route = 'inter_region_inbound' then product_to_region
            when egress_route = 'internet_inbound' then null
            else billed_region
        end as from_region,
        case
            when egress_route = 'internet_inbound' then coalesce(product_to_region, billed_region)
            when egress_route in ('same_az', 'inter_az', 'private_link') then billed_region
            when egress_route like '%_inbound' then billed_region
            when egress_route = 'inter_region' then product_to_region
        end as to_region,
        case
            when egress_route = 'internet_inbound' then coalesce(product_to_region, billed_region)
            when egress_route in ('same_az', 'inter_az', 'private_link') then billed_region
            when egress_route like '%_inbound' then billed_region
            when egress_route = 'inter_cloud' then destination
            when egress_route in ('internet', 'nat', 'cdn') then 'internet'
            when egress_route = 'inter_region' then coalesce(product_to_region, x_transfer_to_location)
        end as to_location,
        case
            when lower(pricing_unit) in ('bytes', 'byte') then pricing_quantity / 1e9
            when lower(pricing_unit) in ('gibibyte', 'gibibytes', 'gib') then pricing_quantity * 1.073741824
            when lower(pricing_unit) in ('mb', 'megabytes') then pricing_quantity / 1e3
            when lower(pricing_unit) in ('tb', 'terabytes') then pricing_quantity * 1e3
            else pricing_quantity
        end as usage_gb,
        billed_cost, effective_cost
    from ended
),
routes as (
    select
        charge_date, billing_account_id, sub_account_id, service_name, egress_route,
        from_region, to_region, to_location,
        case
            when egress_route = 'inter_region' or egress_route like '%_inbound' then to_region
            when egress_route = 'inter_cloud' then null
            else from_region
        end as served_region,
        sum(usage_gb) as usage_gb,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        count(*) as line_count
    from placed
    group by all
),
compute_daily as (
    select region_id, cast(date_trunc('day', charge_period_start) as date) as charge_date,
        sum(billed_cost) as compute_billed_cost
    from cost_lines
    where service_category = 'Compute' and charge_category = 'Usage'
        and x_line_key not in (select x_line_key from transfer_lines)
    group by all
)
select routes.*, cast(compute_daily.compute_billed_cost as decimal(38, 10)) as served_compute_billed_cost
from routes
left join compute_daily
    on routes.served_region = compute_daily.region_id and routes.charge_date = compute_daily.charge_date;

-- Required-tag coverage of usage cost per day, account, service, owner team and tag (plus
-- all_required), by dollars and by resources. Tags are checked once per distinct tag set.
create or replace table tag_coverage_daily as
with policy as (
    select * from read_csv('{seeds}/tag_policy.csv') where is_required and provider in ('all', 'aws')
),
jobs as (
    select job_id, lower(team) as team from read_csv('{jobs}', all_varchar = true)
),
teams as (select distinct team from jobs where team is not null),
tag_sets as (select distinct tags from cost_lines where charge_category = 'Usage'),
tag_entries as (
    select
        tags,
        replace(replace(replace(replace(
            case when lower(trim(entry.key)) like 'user:%' or lower(trim(entry.key)) like 'user\_%' escape '\'
                then substr(lower(trim(entry.key)), 6) else lower(trim(entry.key)) end,
            '-', '_'), ' ', '_'), ':', '_'), '.', '_') as normalized_key,
        entry.value as tag_value
    from (select tags, unnest(map_entries(tags)) as entry from tag_sets)
    where trim(entry.value) != ''
),
tag_checks as (
    select
        tag_sets.tags,
        list_distinct(list(policy.tag_name) filter (where policy.tag_name is not null)) as present,
        min(lower(trim(tag_entries.tag_value))) filter (where policy.tag_name = 'team') as tag_team
    from tag_sets
    left join tag_entries on tag_sets.tags = tag_entries.tags
    left join policy on tag_entries.normalized_key = policy.key_alias
    group by 1
),
resource_teams as (
    select resource_id, min(teams.team) as team
    from (select distinct resource_id from cost_lines where charge_category = 'Usage' and resource_id is not null)
    inner join teams
        on lower(resource_id) like concat('%rg-', teams.team, '-%')
        or lower(resource_id) like concat('%-', teams.team, '-%')
    group by 1
),
owned as (
    select
        cast(date_trunc('day', cost_lines.charge_period_start) as date) as charge_date,
        cost_lines.billing_account_id, cost_lines.sub_account_id, cost_lines.service_name,
        cost_lines.resource_id, cost_lines.billed_cost,
        coalesce(tag_checks.tag_team, jobs.team, resource_teams.team, 'unassigned') as owner_team,
        coalesce(tag_checks.present, []) as present
    from cost_lines
    left join tag_checks on cost_lines.tags = tag_checks.tags
    left join jobs on cost_lines.x_tag_job_id = jobs.job_id
    left join resource_teams on cost_lines.resource_id = resource_teams.resource_id
    where cost_lines.charge_category = 'Usage'
),
checked as (
    select owned.*, required.tag_name,
        case when required.tag_name = 'all_required'
            then len(list_intersect(present, (select list(distinct tag_name) from policy)))
                = (select count(distinct tag_name) from policy)
            else list_contains(present, required.tag_name) end as has_tag
    from owned
    cross join (select distinct tag_name from policy union all select 'all_required') as required
)
select
    charge_date, billing_account_id, sub_account_id, service_name, owner_team, tag_name,
    cast(sum(billed_cost) as decimal(38, 10)) as billed_cost,
    cast(sum(case when has_tag then billed_cost else 0 end) as decimal(38, 10)) as tagged_billed_cost,
    cast(sum(case when not has_tag then billed_cost else 0 end) as decimal(38, 10)) as untagged_billed_cost,
    count(distinct resource_id) as resource_count,
    count(distinct case when not has_tag then resource_id end) as untagged_resource_count
from checked
group by all;
