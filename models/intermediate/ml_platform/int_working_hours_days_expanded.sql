{#- The seed working_hours as one row per team and working day of the week (ISO: Monday
    1 to Sunday 7), with the team's time zone and local hours. work_days holds day names,
    ranges (Mon-Fri; Sun-Thu wraps over the weekend) or both, comma-separated; an item
    that is neither gives a row without a day, which the not_null test on
    iso_day_of_week reports (the seed's row stays visible, nothing is dropped). -#}

with working_hours as (

    select * from {{ ref('working_hours') }}

),

week_days as (

    {%- for day_name in ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] %}
    select {{ loop.index }} as iso_day_of_week, '{{ day_name }}' as day_name
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

{# Seven items at most: a longer list repeats a day. #}
item_numbers as (

    {%- for item_number in range(1, 8) %}
    select {{ item_number }} as item_number
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}

),

items as (

    select
        working_hours.team,
        working_hours.time_zone,
        working_hours.work_days,
        working_hours.start_hour,
        working_hours.end_hour,
        item_numbers.item_number,
        lower(trim({{ dbt.split_part(
            'working_hours.work_days', "','", 'item_numbers.item_number') }})) as work_days_item
    from working_hours
    cross join item_numbers

),

item_bounds as (

    select
        items.*,
        case
            when {{ dbt.length('items.work_days_item') }} in (3, 7)
                then substring(items.work_days_item, 1, 3)
        end as first_day_name,
        case
            when {{ dbt.length('items.work_days_item') }} = 3
                then items.work_days_item
            when {{ dbt.length('items.work_days_item') }} = 7
                and substring(items.work_days_item, 4, 1) = '-'
                then substring(items.work_days_item, 5, 3)
        end as last_day_name
    from items
    where items.work_days_item != ''

),

item_days as (

    select
        item_bounds.*,
        first_day.iso_day_of_week as first_day,
        last_day.iso_day_of_week as last_day
    from item_bounds
    left join week_days as first_day
        on item_bounds.first_day_name = first_day.day_name
    left join week_days as last_day
        on item_bounds.last_day_name = last_day.day_name

),

expanded as (

    select
        item_days.team,
        item_days.time_zone,
        item_days.work_days,
        item_days.work_days_item,
        item_days.start_hour,
        item_days.end_hour,
        week_days.iso_day_of_week
    from item_days
    inner join week_days
        on (
            item_days.first_day <= item_days.last_day
            and item_days.first_day <= week_days.iso_day_of_week
            and item_days.last_day >= week_days.iso_day_of_week
        )
        or (
            item_days.first_day > item_days.last_day
            and (
                item_days.first_day <= week_days.iso_day_of_week
                or item_days.last_day >= week_days.iso_day_of_week
            )
        )

),

unparsed as (

    select
        team,
        time_zone,
        work_days,
        work_days_item,
        start_hour,
        end_hour,
        cast(null as integer) as iso_day_of_week
    from item_days
    where first_day is null
        or last_day is null

),

final as (

    select distinct
        lower(team) as team,
        time_zone,
        work_days,
        iso_day_of_week,
        start_hour,
        end_hour
    from expanded
    union all
    select
        lower(team) as team,
        time_zone,
        work_days,
        iso_day_of_week,
        start_hour,
        end_hour
    from unparsed

)

select * from final
