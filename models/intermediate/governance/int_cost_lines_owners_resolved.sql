{#- Usage lines with the team that owns the resource: the team tag (any alias, any case in
    the tag_policy seed), else the team of the job named by the job_id tag, else a team name
    in the resource id (Azure resource group `rg-<team>-...`, bucket `...-<team>-...`), else
    null. Teams are the ones the job records know. The project is the project tag, else the
    job's project. The team tag is read once per tag set (int_tag_sets_unnested), and each
    line keeps its tag set (x_provider, tags) for the tag checks of the marts. -#}
{#- A table, not the folder's view: tag coverage, budgets and the resource reports all read
    it, and the tag and name matching behind it would run again for each. Incremental by
    day (macros/incremental_days.sql), not a full copy of history each night: a nightly run
    resolves the lines of the days of the rebuilt billing periods. A day keeps the owners
    resolved from the job records of the run that built it. -#}
{{ config(**mlcost.usable_line_days_config('charge_date')) }}
{%- set day_tokens = mlcost.usable_line_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'charge_date') %}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and charge_category = 'Usage'
        and {{ mlcost.on_days('charge_period_start', days) }}

),

day_inputs as (

    {{ mlcost.day_inputs_hashes(day_tokens) }}

),

set_tags as (

    select * from {{ ref('int_tag_sets_unnested') }}

),

tag_policy as (

    select * from {{ ref('tag_policy') }}

),

jobs as (

    select * from {{ ref('stg_ml_jobs__jobs') }}

),

teams as (

    select distinct lower(team) as team from jobs
    where team is not null

),

team_tags as (

    select
        set_tags.x_provider,
        set_tags.tags,
        min(lower(trim(set_tags.tag_value))) as team
    from set_tags
    inner join tag_policy
        on set_tags.tag_key_normalized = tag_policy.key_alias
        and tag_policy.provider in ('all', set_tags.x_provider)
    where tag_policy.tag_name = 'team'
        and trim(set_tags.tag_value) != ''
    group by set_tags.x_provider, set_tags.tags

),

resources as (

    select distinct resource_id from cost_lines
    where resource_id is not null

),

named_teams as (

    select
        resources.resource_id,
        min(teams.team) as team
    from resources
    inner join teams
        on lower(resources.resource_id) like concat('%rg-', teams.team, '-%')
        or lower(resources.resource_id) like concat('%-', teams.team, '-%')
    group by resources.resource_id

),

final as (

    select
        cost_lines.x_line_key,
        cost_lines.x_provider,
        cost_lines.billing_account_id,
        cost_lines.sub_account_id,
        cost_lines.service_name,
        cost_lines.resource_id,
        cost_lines.charge_period_start,
        cast(
            {{ dbt.date_trunc('day', 'cost_lines.charge_period_start') }} as date
        ) as charge_date,
        cost_lines.billing_currency,
        cost_lines.billed_cost,
        cost_lines.effective_cost,
        coalesce(cost_lines.tags, '{}') as tags,
        coalesce(lower(cost_lines.x_tag_project), lower(jobs.project)) as owner_project,
        coalesce(team_tags.team, lower(jobs.team), named_teams.team) as owner_team,
        case
            when team_tags.team is not null then 'tag'
            when jobs.team is not null then 'job'
            when named_teams.team is not null then 'resource_name'
        end as owner_team_source,
        day_inputs.x_day_inputs_hash
    from cost_lines
    left join team_tags
        on cost_lines.x_provider = team_tags.x_provider
        and cost_lines.tags = team_tags.tags
    left join jobs
        on cost_lines.x_tag_job_id = jobs.job_id
    left join named_teams
        on cost_lines.resource_id = named_teams.resource_id
    left join day_inputs
        on cast(
            {{ dbt.date_trunc('day', 'cost_lines.charge_period_start') }} as date
        ) = day_inputs.x_day

)

select * from final
