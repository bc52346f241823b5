{#- One row per tag set of usable lines (a provider and a tags text, `{}` for lines
    without tags) and required tag of the tag_policy seed: does the set carry the tag
    under any of its aliases (any case, `user:`/`user_` prefixes ignored) with a non-empty
    value? The marts sum their lines to their own grain first and join this small table on
    (x_provider, tags), so lines are never multiplied by the required tags. -#}
{#- A table, not the folder's view: three marts read it. -#}
{{ config(materialized='table') }}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null

),

set_tags as (

    select * from {{ ref('int_tag_sets_unnested') }}

),

tag_policy as (

    select * from {{ ref('tag_policy') }}

),

tag_sets as (

    select distinct
        x_provider,
        coalesce(tags, '{}') as tags
    from cost_lines

),

required_tags as (

    select distinct tag_name from tag_policy
    where is_required

),

tag_set_required_tags as (

    select
        tag_sets.x_provider,
        tag_sets.tags,
        required_tags.tag_name
    from tag_sets
    cross join required_tags

),

present_tags as (

    select distinct
        set_tags.x_provider,
        set_tags.tags,
        tag_policy.tag_name
    from set_tags
    inner join tag_policy
        on set_tags.tag_key_normalized = tag_policy.key_alias
        and tag_policy.provider in ('all', set_tags.x_provider)
    where tag_policy.is_required
        and trim(set_tags.tag_value) != ''

),

final as (

    select
        tag_set_required_tags.x_provider,
        tag_set_required_tags.tags,
        tag_set_required_tags.tag_name,
        present_tags.tag_name is not null as has_tag
    from tag_set_required_tags
    left join present_tags
        on tag_set_required_tags.x_provider = present_tags.x_provider
        and tag_set_required_tags.tags = present_tags.tags
        and tag_set_required_tags.tag_name = present_tags.tag_name

)

select * from final
