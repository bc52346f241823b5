{#- The seed working_hours: hours within the day (0 to 24, start before end) and a
    default row (team `*`) for the teams it does not list. -#}

with working_hours as (

    select * from {{ ref('working_hours') }}

),

bad_hours as (

    select
        team,
        'start_hour and end_hour must satisfy 0 <= start_hour < end_hour <= 24' as problem
    from working_hours
    where start_hour is null
        or end_hour is null
        or start_hour < 0
        or end_hour > 24
        or start_hour >= end_hour

),

default_rows as (

    select count(*) as row_count
    from working_hours
    where team = '*'

),

missing_default as (

    select
        '*' as team,
        'no default row: add one with team *' as problem
    from default_rows
    where row_count = 0

),

final as (

    select * from bad_hours
    union all
    select * from missing_default

)

select * from final
