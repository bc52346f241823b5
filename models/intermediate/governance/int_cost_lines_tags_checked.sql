{#- One row per usage line and required tag of the tag_policy seed: does the line carry
    the tag under any of its aliases (any case, `user:`/`user_` prefixes ignored)? -#}
{#- A table, not the folder's view: two marts read it, and a view would unnest the tags
    again for each. -#}
{{ config(materialized='table') }}

with owned_lines as (

    select * from {{ ref('int_cost_lines_owners_resolved') }}

),

line_tags as (

    select * from {{ ref('int_cost_line_tags_unnested') }}

),

tag_policy as (

    select * from {{ ref('tag_policy') }}

),

required_tags as (

    select distinct tag_name from tag_policy
    where is_required

),

line_required_tags as (

    select
        owned_lines.*,
        required_tags.tag_name
    from owned_lines
    cross join required_tags

),

present_tags as (

    select distinct
        line_tags.x_line_key,
        tag_policy.tag_name
    from line_tags
    inner join tag_policy
        on line_tags.tag_key_normalized = tag_policy.key_alias
        and tag_policy.provider in ('all', line_tags.x_provider)
    where tag_policy.is_required
        and trim(line_tags.tag_value) != ''

),

final as (

    select
        line_required_tags.*,
        present_tags.x_line_key is not null as has_tag
    from line_required_tags
    left join present_tags
        on line_required_tags.x_line_key = present_tags.x_line_key
        and line_required_tags.tag_name = present_tags.tag_name

)

select * from final
