{#- Shadow spend: resources billed without one or more required tags, ranked by cost,
    with the tags they miss and the team that owns them as far as it can be resolved. -#}
{#- Usage lines are summed per resource and tag set first, then joined to the checks of
    their tag set: lines are never multiplied by the required tags. A row per resource and
    billing currency; costs convert into the reporting currency per month, and the rank
    compares the reporting amounts. -#}
with owned_lines as (

    select * from {{ ref('int_cost_lines_owners_resolved') }}
    where resource_id is not null

),

tag_set_checks as (

    select * from {{ ref('int_tag_sets_checked') }}

),

resource_tag_set_months as (

    select
        x_provider,
        resource_id,
        tags,
        billing_currency,
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date) as charge_month,
        min(sub_account_id) as sub_account_id,
        min(service_name) as service_name,
        min(owner_team) as owner_team,
        min(charge_date) as first_charge_date,
        max(charge_date) as last_charge_date,
        sum(billed_cost) as billed_cost
    from owned_lines
    group by
        x_provider,
        resource_id,
        tags,
        billing_currency,
        cast({{ dbt.date_trunc('month', 'charge_date') }} as date)

),

resource_tag_sets as (

    select
        resource_tag_set_months.x_provider,
        resource_tag_set_months.resource_id,
        resource_tag_set_months.tags,
        resource_tag_set_months.billing_currency,
        min(resource_tag_set_months.sub_account_id) as sub_account_id,
        min(resource_tag_set_months.service_name) as service_name,
        min(resource_tag_set_months.owner_team) as owner_team,
        min(resource_tag_set_months.first_charge_date) as first_charge_date,
        max(resource_tag_set_months.last_charge_date) as last_charge_date,
        sum(resource_tag_set_months.billed_cost) as billed_cost,
        {{ mlcost.sum_reporting(mlcost.to_reporting_currency(
            'resource_tag_set_months.billed_cost',
            'resource_tag_set_months.billing_currency')) }}
            as billed_cost_in_reporting_currency
    from resource_tag_set_months
    {{ mlcost.join_reporting_rates(
        'resource_tag_set_months.billing_currency', 'resource_tag_set_months.charge_month') }}
    group by
        resource_tag_set_months.x_provider,
        resource_tag_set_months.resource_id,
        resource_tag_set_months.tags,
        resource_tag_set_months.billing_currency

),

resource_tags as (

    select
        resource_tag_sets.x_provider,
        resource_tag_sets.resource_id,
        resource_tag_sets.billing_currency,
        tag_set_checks.tag_name,
        min(resource_tag_sets.sub_account_id) as sub_account_id,
        min(resource_tag_sets.service_name) as service_name,
        min(resource_tag_sets.owner_team) as owner_team,
        min(resource_tag_sets.first_charge_date) as first_charge_date,
        max(resource_tag_sets.last_charge_date) as last_charge_date,
        max(case when not tag_set_checks.has_tag then 1 else 0 end) as is_missing,
        sum(
            case when not tag_set_checks.has_tag then resource_tag_sets.billed_cost else 0 end
        ) as untagged_billed_cost,
        sum(
            case
                when not tag_set_checks.has_tag
                    then resource_tag_sets.billed_cost_in_reporting_currency
                else 0
            end
        ) as untagged_billed_cost_in_reporting_currency
    from resource_tag_sets
    inner join tag_set_checks
        on resource_tag_sets.x_provider = tag_set_checks.x_provider
        and resource_tag_sets.tags = tag_set_checks.tags
    group by
        resource_tag_sets.x_provider,
        resource_tag_sets.resource_id,
        resource_tag_sets.billing_currency,
        tag_set_checks.tag_name

),

resources as (

    select
        x_provider,
        resource_id,
        billing_currency,
        min(sub_account_id) as sub_account_id,
        min(service_name) as service_name,
        min(owner_team) as owner_team,
        min(first_charge_date) as first_charge_date,
        max(last_charge_date) as last_charge_date,
        {{ dbt.listagg(
            "case when is_missing = 1 then tag_name end", "', '", "order by tag_name"
        ) }} as missing_tags,
        max(untagged_billed_cost) as untagged_billed_cost,
        max(untagged_billed_cost_in_reporting_currency)
            as untagged_billed_cost_in_reporting_currency
    from resource_tags
    group by x_provider, resource_id, billing_currency
    having max(is_missing) = 1

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "x_provider", "'|'", "resource_id", "'|'", "billing_currency",
        ])) }} as untagged_resource_id,
        cast(
            row_number() over (
                order by
                    untagged_billed_cost_in_reporting_currency desc nulls last,
                    x_provider asc,
                    resource_id asc,
                    billing_currency asc
            ) as integer
        ) as cost_rank,
        x_provider,
        resource_id,
        sub_account_id,
        service_name,
        coalesce(owner_team, 'unassigned') as owner_team,
        missing_tags,
        first_charge_date,
        last_charge_date,
        billing_currency,
        cast(untagged_billed_cost as {{ mlcost.type_money() }}) as untagged_billed_cost,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(untagged_billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as untagged_billed_cost_in_reporting_currency
    from resources

)

select * from final
