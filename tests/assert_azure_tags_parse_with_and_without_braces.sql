{#- Azure Tags arrive as JSON (MCA), without outer braces (EA), empty, or broken. Returns
    the cases that do not parse as expected. -#}
with cases as (

    select
        '"team": "nlp","env": "prod"' as raw_tags,
        'nlp' as expected_team
    union all
    select
        '{"team": "vision"}' as raw_tags,
        'vision' as expected_team
    union all
    select
        ' "team": "speech" ' as raw_tags,
        'speech' as expected_team
    union all
    select
        '' as raw_tags,
        cast(null as {{ dbt.type_string() }}) as expected_team
    union all
    select
        '"team": broken' as raw_tags,
        cast(null as {{ dbt.type_string() }}) as expected_team

),

parsed as (

    select
        raw_tags,
        expected_team,
        {{ mlcost.json_text(mlcost.azure_tags_json('raw_tags'), 'team') }} as parsed_team
    from cases

)

select *
from parsed
where coalesce(parsed_team, '<null>') != coalesce(expected_team, '<null>')
