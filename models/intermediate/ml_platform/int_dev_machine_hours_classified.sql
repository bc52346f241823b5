{#- Every billed hour of a dev machine, in the local time of its team's working hours
    (seed working_hours), with whether a job attempt ran on it: what off-hours waste is
    measured on (rpt_ml_scheduling_opportunities). A dev machine is one a notebook attempt
    ran on (job contract job_type notebook); its team is that of its notebook attempts
    (the alphabetically first when several teams used it), its time zone and hours the
    team's row of working_hours, else the default row `*`. Hours are UTC clock hours of
    the compute lines (usage lines of the machine with an instance type); a line over
    several hours (a daily Azure line) is spread evenly over its hours. An hour is a
    working hour when its local start falls on a working day within the team's hours
    (zones with a half-hour offset classify the UTC hour by its local start); it has an
    attempt running when any attempt on the machine overlaps it, by a second or more. -#}
{#- A table, not the folder's view: the mart, its month tokens and tests read it. Small:
    the hours of notebook machines only. -#}
{{ config(materialized='table') }}

with attempt_nodes as (

    select * from {{ ref('int_attempt_nodes_joined') }}

),

cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where {{ mlcost.is_billed_machine_line() }}

),

working_days as (

    select * from {{ ref('int_working_hours_days_expanded') }}
    where iso_day_of_week is not null

),

dev_machines as (

    select
        resource_key,
        min(lower(team)) as team
    from attempt_nodes
    where job_type = 'notebook'
    group by 1

),

team_zones as (

    select distinct
        team,
        time_zone
    from working_days

),

machine_zones as (

    select
        dev_machines.resource_key,
        dev_machines.team,
        coalesce(listed.team, '*') as hours_team,
        coalesce(listed.time_zone, default_zone.time_zone) as time_zone
    from dev_machines
    left join team_zones as listed
        on dev_machines.team = listed.team
    left join team_zones as default_zone
        on default_zone.team = '*'

),

machine_lines as (

    select
        cost_lines.x_provider,
        cost_lines.resource_id,
        machine_zones.resource_key,
        cost_lines.x_instance_type as instance_type,
        cost_lines.billing_currency,
        cost_lines.charge_period_start,
        cost_lines.billed_cost,
        cost_lines.effective_cost,
        greatest(
            {{ dbt.datediff('cost_lines.charge_period_start', 'cost_lines.charge_period_end',
                'hour') }},
            1
        ) as line_hours
    from cost_lines
    inner join machine_zones
        on {{ mlcost.resource_key('cost_lines.resource_id') }} = machine_zones.resource_key

),

{# Billing lines start on the hour, so each yields exactly its line_hours hours. #}
line_hours as (

    select
        machine_lines.resource_key,
        machine_lines.billing_currency,
        machine_lines.x_provider,
        machine_lines.resource_id,
        machine_lines.instance_type,
        {{ mlcost.hours_between(
            'machine_lines.charge_period_start',
            dbt.dateadd('hour', 'machine_lines.line_hours',
                'machine_lines.charge_period_start')) }} as hour_start,
        machine_lines.billed_cost / machine_lines.line_hours as billed_cost,
        machine_lines.effective_cost / machine_lines.line_hours as effective_cost
    from machine_lines

),

machine_hours as (

    select
        resource_key,
        hour_start,
        billing_currency,
        max(x_provider) as x_provider,
        min(resource_id) as resource_id,
        max(instance_type) as instance_type,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost
    from line_hours
    group by 1, 2, 3

),

busy_hours as (

    select distinct
        machine_hours.resource_key,
        machine_hours.hour_start
    from machine_hours
    inner join attempt_nodes
        on machine_hours.resource_key = attempt_nodes.resource_key
        and attempt_nodes.started_at
        < {{ dbt.dateadd('hour', 1, 'machine_hours.hour_start') }}
        and coalesce(
            attempt_nodes.ended_at, {{ dbt.dateadd('hour', 1, 'machine_hours.hour_start') }}
        ) > machine_hours.hour_start

),

localized as (

    select
        machine_hours.*,
        machine_zones.team,
        machine_zones.hours_team,
        machine_zones.time_zone,
        {{ mlcost.to_local_timestamp('machine_hours.hour_start', 'machine_zones.time_zone') }}
            as local_hour_start,
        busy_hours.resource_key is not null as has_attempt_running
    from machine_hours
    inner join machine_zones
        on machine_hours.resource_key = machine_zones.resource_key
    left join busy_hours
        on machine_hours.resource_key = busy_hours.resource_key
        and machine_hours.hour_start = busy_hours.hour_start

),

classified as (

    select
        localized.*,
        case
            when localized.time_zone is null then null
            when working_days.team is not null
                and extract(hour from localized.local_hour_start) >= working_days.start_hour
                and extract(hour from localized.local_hour_start) < working_days.end_hour
                then true
            else false
        end as is_working_hour
    from localized
    left join working_days
        on localized.hours_team = working_days.team
        and {{ mlcost.iso_day_of_week('localized.local_hour_start') }}
        = working_days.iso_day_of_week

),

final as (

    select
        {{ dbt.concat([
            "resource_key", "'|'", "cast(hour_start as " ~ dbt.type_string() ~ ")",
            "'|'", "billing_currency",
        ]) }} as machine_hour_id,
        hour_start,
        x_provider,
        resource_id,
        resource_key,
        instance_type,
        team,
        time_zone,
        local_hour_start,
        cast(local_hour_start as date) as local_date,
        is_working_hour,
        has_attempt_running,
        not is_working_hour and not has_attempt_running as is_idle_off_hour,
        billing_currency,
        cast(billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(effective_cost as {{ mlcost.type_money() }}) as effective_cost
    from classified

)

select * from final
