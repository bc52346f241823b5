{#- The calendar MetricFlow joins metrics to (the project's time spine, configured in
    _utilities__models.yml): one row per UTC day. It covers the billing history people
    load (vars mlcost_time_spine_start / mlcost_time_spine_end, default 2015 to 2035,
    about 7,700 rows) so cumulative and offset metrics have a day for every charge. -#}
with days as (

    {{ dbt.date_spine(
        'day',
        "cast('" ~ var('mlcost_time_spine_start') ~ "' as date)",
        "cast('" ~ var('mlcost_time_spine_end') ~ "' as date)",
    ) }}

),

final as (

    select cast(date_day as date) as date_day
    from days

)

select * from final
