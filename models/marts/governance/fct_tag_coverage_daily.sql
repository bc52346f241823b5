{#- Required-tag coverage of usage cost per day, provider, account, service, owner team and
    tag (plus `all_required`: every required tag present), by dollars and by resources. -#}
with checked as (

    select * from {{ ref('int_cost_lines_tags_checked') }}

),

all_required as (

    select
        x_line_key,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        resource_id,
        charge_date,
        owner_team,
        billed_cost,
        'all_required' as tag_name,
        min(case when has_tag then 1 else 0 end) = 1 as has_tag
    from checked
    group by
        x_line_key,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        resource_id,
        charge_date,
        owner_team,
        billed_cost

),

lines as (

    select
        x_line_key,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        resource_id,
        charge_date,
        owner_team,
        billed_cost,
        tag_name,
        has_tag
    from checked
    union all
    select
        x_line_key,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        resource_id,
        charge_date,
        owner_team,
        billed_cost,
        tag_name,
        has_tag
    from all_required

),

coverage as (

    select
        charge_date,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        tag_name,
        coalesce(owner_team, 'unassigned') as owner_team,
        sum(billed_cost) as billed_cost,
        sum(case when has_tag then billed_cost else 0 end) as tagged_billed_cost,
        sum(case when not has_tag then billed_cost else 0 end) as untagged_billed_cost,
        count(distinct resource_id) as resource_count,
        count(distinct case when not has_tag then resource_id end) as untagged_resource_count
    from lines
    group by
        charge_date,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        tag_name,
        coalesce(owner_team, 'unassigned')

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(charge_date as " ~ dbt.type_string() ~ ")",
            "'|'", "x_provider", "'|'", "coalesce(billing_account_id, '')",
            "'|'", "coalesce(sub_account_id, '')", "'|'", "coalesce(service_name, '')",
            "'|'", "owner_team", "'|'", "tag_name",
        ])) }} as tag_coverage_day_id,
        charge_date,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        owner_team,
        tag_name,
        cast(billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(tagged_billed_cost as {{ mlcost.type_money() }}) as tagged_billed_cost,
        cast(untagged_billed_cost as {{ mlcost.type_money() }}) as untagged_billed_cost,
        cast(
            tagged_billed_cost / nullif(billed_cost, 0) as {{ mlcost.type_double() }}
        ) as dollar_coverage,
        cast(resource_count as bigint) as resource_count,
        cast(untagged_resource_count as bigint) as untagged_resource_count,
        cast(
            1.0 - cast(untagged_resource_count as {{ mlcost.type_double() }})
            / nullif(resource_count, 0) as {{ mlcost.type_double() }}
        ) as resource_coverage
    from coverage

)

select * from final
