{#- One row per tag of each distinct tag set (a provider and the tags text of its usable
    lines): the key as delivered, its normalized form (what the tag_policy seed's aliases
    are written in) and the value. The lines of one resource repeat the same tags, so
    there are far fewer tag sets than lines; models at line grain join on
    (x_provider, tags) instead of unnesting every line's tags. -#}
{#- A table, not the folder's view: owner resolution and tag checks both read it; a view
    would unnest the tags JSON again for each. -#}
{{ config(materialized='table') }}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null

),

tag_sets as (

    select distinct
        x_provider,
        tags
    from cost_lines
    where tags is not null

),

tag_entries as (

    {{ mlcost.json_object_entries('tag_sets', 'tags') }}

),

final as (

    select
        x_provider,
        tags,
        tag_key,
        {{ mlcost.normalized_tag_key('tag_key') }} as tag_key_normalized,
        tag_value
    from tag_entries

)

select * from final
