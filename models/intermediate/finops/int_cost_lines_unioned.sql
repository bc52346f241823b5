{#- Every provider's FOCUS-mapped lines on one column list (macro focus_columns), with the
    tags mlcost reads (var mlcost_tag_keys) lifted into x_tag_ columns. Quarantined lines
    are still here (x_quarantine_reason set): the marts split them off, so the two always
    add up to what came in. -#}
{%- set tag_keys = var('mlcost_tag_keys') %}

with unioned as (

    {{ mlcost.union_focus_relations([
        ref('int_aws_cost_lines_mapped'),
        ref('int_azure_cost_lines_mapped'),
        ref('int_gcp_cost_lines_mapped'),
    ]) }}

),

final as (

    select
        unioned.*,
        {#- Generated columns: the indentation is mlcost.tag_value's, which SQLFluff cannot
            fix here, so LT02 (layout.indent) is off for them. #}
        -- noqa: disable=LT02
        {%- for tag_name, keys in tag_keys.items() %}
        {{ mlcost.tag_value('unioned.tags', keys) }} as x_tag_{{ tag_name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from unioned

)

select * from final
