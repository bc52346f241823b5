{#- Required-tag coverage of usage cost per day, provider, account, service, owner team and
    tag (plus `all_required`: every required tag present), by dollars and by resources;
    a row per billing currency, its amounts also in the reporting currency. -#}
{#- Usage lines are summed per resource, day and tag set first, then joined to the
    checks of their tag set: one row per required tag of a resource-day, not of a line. -#}
{#- Incremental by day (macros/incremental_days.sql): a nightly run rebuilds the days of
    the rebuilt billing periods. -#}
{{ config(**mlcost.usable_line_days_config('charge_date')) }}
{%- set day_tokens = mlcost.usable_line_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'charge_date') %}

with owned_lines as (

    select * from {{ ref('int_cost_lines_owners_resolved') }}
    where {{ mlcost.on_days('charge_period_start', days) }}

),

day_inputs as (

    {{ mlcost.day_inputs_hashes(day_tokens) }}

),

tag_set_checks as (

    select * from {{ ref('int_tag_sets_checked') }}

),

resource_days as (

    select
        charge_date,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        resource_id,
        owner_team,
        tags,
        billing_currency,
        sum(billed_cost) as billed_cost
    from owned_lines
    group by
        charge_date,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        resource_id,
        owner_team,
        tags,
        billing_currency

),

all_required as (

    select
        x_provider,
        tags,
        'all_required' as tag_name,
        min(case when has_tag then 1 else 0 end) = 1 as has_tag
    from tag_set_checks
    group by x_provider, tags

),

tag_set_tags as (

    select
        x_provider,
        tags,
        tag_name,
        has_tag
    from tag_set_checks
    union all
    select
        x_provider,
        tags,
        tag_name,
        has_tag
    from all_required

),

resource_day_tags as (

    select
        resource_days.charge_date,
        resource_days.x_provider,
        resource_days.billing_account_id,
        resource_days.sub_account_id,
        resource_days.service_name,
        resource_days.resource_id,
        resource_days.owner_team,
        resource_days.billing_currency,
        resource_days.billed_cost,
        tag_set_tags.tag_name,
        tag_set_tags.has_tag
    from resource_days
    inner join tag_set_tags
        on resource_days.x_provider = tag_set_tags.x_provider
        and resource_days.tags = tag_set_tags.tags

),

coverage as (

    select
        charge_date,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        tag_name,
        billing_currency,
        coalesce(owner_team, 'unassigned') as owner_team,
        sum(billed_cost) as billed_cost,
        sum(case when has_tag then billed_cost else 0 end) as tagged_billed_cost,
        sum(case when not has_tag then billed_cost else 0 end) as untagged_billed_cost,
        count(distinct resource_id) as resource_count,
        count(distinct case when not has_tag then resource_id end) as untagged_resource_count
    from resource_day_tags
    group by
        charge_date,
        x_provider,
        billing_account_id,
        sub_account_id,
        service_name,
        tag_name,
        billing_currency,
        coalesce(owner_team, 'unassigned')

),

coverage_rows as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(coverage.charge_date as " ~ dbt.type_string() ~ ")",
            "'|'", "coverage.x_provider",
            "'|'", "coalesce(coverage.billing_account_id, '')",
            "'|'", "coalesce(coverage.sub_account_id, '')",
            "'|'", "coalesce(coverage.service_name, '')",
            "'|'", "coverage.owner_team", "'|'", "coverage.tag_name",
            "'|'", "coverage.billing_currency",
        ])) }} as tag_coverage_day_id,
        coverage.charge_date,
        coverage.x_provider,
        coverage.billing_account_id,
        coverage.sub_account_id,
        coverage.service_name,
        coverage.owner_team,
        coverage.tag_name,
        coverage.billing_currency,
        cast(coverage.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(coverage.tagged_billed_cost as {{ mlcost.type_money() }})
            as tagged_billed_cost,
        cast(coverage.untagged_billed_cost as {{ mlcost.type_money() }})
            as untagged_billed_cost,
        cast(
            coverage.tagged_billed_cost / nullif(coverage.billed_cost, 0)
            as {{ mlcost.type_double() }}
        ) as dollar_coverage_ratio,
        cast(coverage.resource_count as bigint) as resource_count,
        cast(coverage.untagged_resource_count as bigint) as untagged_resource_count,
        cast(
            1.0 - cast(coverage.untagged_resource_count as {{ mlcost.type_double() }})
            / nullif(coverage.resource_count, 0) as {{ mlcost.type_double() }}
        ) as resource_coverage_ratio,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        {{ mlcost.to_reporting_currency('coverage.billed_cost', 'coverage.billing_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'coverage.tagged_billed_cost', 'coverage.billing_currency') }}
            as tagged_billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'coverage.untagged_billed_cost', 'coverage.billing_currency') }}
            as untagged_billed_cost_in_reporting_currency
    from coverage
    {{ mlcost.join_reporting_rates('coverage.billing_currency', 'coverage.charge_date') }}

),

final as (

    select
        coverage_rows.*,
        day_inputs.x_day_inputs_hash
    from coverage_rows
    left join day_inputs
        on coverage_rows.charge_date = day_inputs.x_day

)

select * from final
