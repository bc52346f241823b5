{#- One row per tag of a billing line: the key as delivered, its normalized form (what the
    tag_policy seed's aliases are written in) and the value. -#}
with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null

),

tag_keys as (

    select
        x_line_key,
        x_provider,
        tags,
        {{ mlcost.json_keys_unnested('tags') }} as tag_key
    from cost_lines
    where tags is not null

),

final as (

    select
        x_line_key,
        x_provider,
        tag_key,
        {{ mlcost.normalized_tag_key('tag_key') }} as tag_key_normalized,
        {{ mlcost.json_text_dynamic('tags', 'tag_key') }} as tag_value
    from tag_keys

)

select * from final
