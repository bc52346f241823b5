{#- Money spent on nothing, per month and resource, ranked: one row per finding.
    - idle_machine: a GPU machine (training node, notebook, serving host) billed for hours
      when no job attempt ran on it; the cost of those hours (int_compute_costs_unattributed).
    - unowned_resource: a resource whose usage lines that month carry no owner tag under any
      alias of the tag_policy seed; its whole usage cost.
    - stale_storage: storage billed on days when nothing touched it for
      mlcost_stale_storage_days (old checkpoints, disks left behind); the cost of those days
      (int_storage_resource_days_checked).
    A resource can have several findings in a month; their costs overlap and must not be
    added across findings. Each finding says what it rests on (evidence) and how sure it is
    (confidence): idle machines and unowned resources rest on the bill itself
    (billing_data, high); stale storage on what ties it to the machines and jobs that use
    it (int_storage_resource_days_checked): high when the job contract or the disk's name
    ties it to its machine, medium when tags, billed lifetimes or job URIs do, low when
    nothing does (an AWS volume of a machine no evidence ties looks stale while it runs). A row per billing currency of the resource's costs; ranks
    compare the finding's cost in the reporting currency (converted at the month's rate). -#}

with compute_costs as (

    select * from {{ ref('int_compute_costs_unattributed') }}

),

owner_tag_checks as (

    select * from {{ ref('int_tag_sets_checked') }}
    where tag_name = 'owner'

),

storage_days as (

    select * from {{ ref('int_storage_resource_days_checked') }}

),

owned_lines as (

    select * from {{ ref('int_cost_lines_owners_resolved') }}
    where resource_id is not null

),

cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and resource_id is not null

),

resource_details as (

    select
        x_provider,
        lower(resource_id) as resource_key,
        min(sub_account_id) as sub_account_id,
        min(service_name) as service_name,
        max(resource_name) as resource_name
    from cost_lines
    group by 1, 2

),

resource_teams as (

    select
        x_provider,
        lower(resource_id) as resource_key,
        min(owner_team) as owner_team
    from owned_lines
    group by 1, 2

),

idle_machines as (

    select
        x_provider,
        lower(resource_id) as resource_key,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
        billing_currency,
        'idle_machine' as finding,
        min(resource_id) as resource_id,
        max(instance_type) as instance_type,
        max(team) as team,
        sum(compute_billed_cost) as resource_billed_cost,
        sum(idle_billed_cost) as finding_billed_cost,
        sum(idle_effective_cost) as finding_effective_cost,
        cast({{ mlcost.exact_sum('idle_hours') }} as {{ mlcost.type_double() }})
            as idle_hours,
        cast({{ mlcost.exact_sum('running_hours') }} as {{ mlcost.type_double() }})
            as running_hours,
        cast(null as integer) as stale_days,
        cast(null as date) as last_touch_date,
        'billing_data' as evidence,
        'high' as confidence
    from compute_costs
    where is_gpu
    group by 1, 2, 3, 4
    having {{ mlcost.exact_sum('idle_hours') }} > 0

),

{# Usage lines summed per resource, month and tag set before their tag set's owner
    check joins: one row per tag set of a resource-month, not per line. #}
resource_month_tag_sets as (

    select
        x_provider,
        lower(resource_id) as resource_key,
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as usage_month,
        billing_currency,
        tags,
        min(resource_id) as resource_id,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from owned_lines
    group by 1, 2, 3, 4, 5

),

unowned_resources as (

    select
        resource_month_tag_sets.x_provider,
        resource_month_tag_sets.resource_key,
        resource_month_tag_sets.usage_month,
        resource_month_tag_sets.billing_currency,
        'unowned_resource' as finding,
        min(resource_month_tag_sets.resource_id) as resource_id,
        cast(null as {{ dbt.type_string() }}) as instance_type,
        cast(null as {{ dbt.type_string() }}) as team,
        sum(resource_month_tag_sets.billed_cost) as resource_billed_cost,
        sum(resource_month_tag_sets.billed_cost) as finding_billed_cost,
        sum(resource_month_tag_sets.effective_cost) as finding_effective_cost,
        cast(null as {{ dbt.type_float() }}) as idle_hours,
        cast(null as {{ dbt.type_float() }}) as running_hours,
        cast(null as integer) as stale_days,
        cast(null as date) as last_touch_date,
        'billing_data' as evidence,
        'high' as confidence
    from resource_month_tag_sets
    inner join owner_tag_checks
        on resource_month_tag_sets.x_provider = owner_tag_checks.x_provider
        and resource_month_tag_sets.tags = owner_tag_checks.tags
    group by 1, 2, 3, 4
    having max(case when owner_tag_checks.has_tag then 1 else 0 end) = 0
        and sum(resource_month_tag_sets.billed_cost) != 0

),

stale_storage as (

    select
        x_provider,
        resource_key,
        cast({{ dbt.date_trunc('month', 'usage_date') }} as date) as usage_month,
        billing_currency,
        'stale_storage' as finding,
        min(resource_id) as resource_id,
        cast(null as {{ dbt.type_string() }}) as instance_type,
        cast(null as {{ dbt.type_string() }}) as team,
        sum(billed_cost) as resource_billed_cost,
        sum(case when is_stale then billed_cost else 0 end) as finding_billed_cost,
        sum(case when is_stale then effective_cost else 0 end) as finding_effective_cost,
        cast(null as {{ dbt.type_float() }}) as idle_hours,
        cast(null as {{ dbt.type_float() }}) as running_hours,
        cast(sum(case when is_stale then 1 else 0 end) as integer) as stale_days,
        max(last_touch_date) as last_touch_date,
        max(evidence) as evidence,
        max(confidence) as confidence
    from storage_days
    group by 1, 2, 3, 4
    having sum(case when is_stale then 1 else 0 end) > 0

),

findings_unioned as (

    select * from idle_machines
    union all
    select * from unowned_resources
    union all
    select * from stale_storage

),

findings as (

    select
        findings_unioned.*,
        {{ mlcost.to_reporting_currency(
            'findings_unioned.resource_billed_cost', 'findings_unioned.billing_currency') }}
            as resource_billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'findings_unioned.finding_billed_cost', 'findings_unioned.billing_currency') }}
            as finding_billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'findings_unioned.finding_effective_cost', 'findings_unioned.billing_currency') }}
            as finding_effective_cost_in_reporting_currency
    from findings_unioned
    {{ mlcost.join_reporting_rates(
        'findings_unioned.billing_currency', 'findings_unioned.usage_month') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "findings.x_provider", "'|'", "findings.resource_key", "'|'",
            "cast(findings.usage_month as " ~ dbt.type_string() ~ ")", "'|'",
            "findings.finding", "'|'", "findings.billing_currency",
        ])) }} as idle_orphaned_finding_id,
        findings.usage_month,
        findings.finding,
        cast(
            row_number() over (
                partition by findings.usage_month
                order by
                    findings.finding_billed_cost_in_reporting_currency desc nulls last,
                    findings.finding asc,
                    findings.resource_key asc,
                    findings.billing_currency asc
            ) as integer
        ) as cost_rank,
        findings.x_provider,
        resource_details.sub_account_id,
        findings.resource_id,
        resource_details.resource_name,
        resource_details.service_name,
        findings.instance_type,
        coalesce(findings.team, resource_teams.owner_team, 'unassigned') as owner_team,
        findings.billing_currency,
        cast(findings.resource_billed_cost as {{ mlcost.type_money() }})
            as resource_billed_cost,
        cast(findings.finding_billed_cost as {{ mlcost.type_money() }})
            as finding_billed_cost,
        cast(findings.finding_effective_cost as {{ mlcost.type_money() }})
            as finding_effective_cost,
        cast(findings.idle_hours as {{ mlcost.type_double() }}) as idle_hours,
        cast(findings.running_hours as {{ mlcost.type_double() }}) as running_hours,
        findings.stale_days,
        findings.last_touch_date,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        findings.resource_billed_cost_in_reporting_currency,
        findings.finding_billed_cost_in_reporting_currency,
        findings.finding_effective_cost_in_reporting_currency,
        findings.evidence,
        findings.confidence
    from findings
    left join resource_details
        on findings.x_provider = resource_details.x_provider
        and findings.resource_key = resource_details.resource_key
    left join resource_teams
        on findings.x_provider = resource_teams.x_provider
        and findings.resource_key = resource_teams.resource_key

)

select * from final
