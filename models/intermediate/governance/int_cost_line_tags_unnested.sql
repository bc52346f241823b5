{#- One row per tag of a billing line: the key as delivered, its normalized form (what the
    tag_policy seed's aliases are written in) and the value. -#}
{#- A table, not the folder's view: owner resolution and tag checks both read it; a view
    would unnest the tags JSON again for each. -#}
{{ config(materialized='table') }}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null

),

line_tags as (

    select
        x_line_key,
        x_provider,
        tags
    from cost_lines
    where tags is not null

),

tag_entries as (

    {{ mlcost.json_object_entries('line_tags', 'tags') }}

),

final as (

    select
        x_line_key,
        x_provider,
        tag_key,
        {{ mlcost.normalized_tag_key('tag_key') }} as tag_key_normalized,
        tag_value
    from tag_entries

)

select * from final
