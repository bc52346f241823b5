{#- Every provider's cost lines on one FOCUS column list, with the tags mlcost reads lifted
    into columns. Quarantined lines are still here (x_quarantine_reason set): the mart and
    the quarantine table split them, so the two always add up to what came in. -#}
{%- set tag_keys = var('mlcost_tag_keys') %}

with aws as (

    select * from {{ ref('int_aws_cost_lines_mapped') }}

),

unioned as (

    select * from aws

),

final as (

    select
        unioned.*,
        {%- for tag_name, keys in tag_keys.items() %}
        {{ mlcost.tag_value('unioned.tags', keys) }} as x_tag_{{ tag_name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from unioned

)

select * from final
