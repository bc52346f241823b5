{#- Every provider's FOCUS-mapped lines on one column list (macro focus_columns), with the
    tags mlcost reads (var mlcost_tag_keys) lifted into x_tag_ columns. Quarantined lines
    are still here (x_quarantine_reason set): the marts split them off, so the two always
    add up to what came in. A line whose billing currency is not an ISO 4217 code (seed
    iso_4217_currencies) is quarantined here, for every provider at once. -#}
{%- set tag_keys = var('mlcost_tag_keys') %}

with unioned as (

    {{ mlcost.union_focus_relations([
        ref('int_aws_cost_lines_mapped'),
        ref('int_azure_cost_lines_mapped'),
        ref('int_gcp_cost_lines_mapped'),
    ]) }}

),

currencies as (

    select * from {{ ref('iso_4217_currencies') }}

),

final as (

    select
        {%- for column_spec in mlcost.focus_columns() %}
        {%- if column_spec.name == 'x_quarantine_reason' %}
        coalesce(
            unioned.x_quarantine_reason,
            case
                when unioned.billing_currency is null then 'missing billing_currency'
                when currencies.currency_code is null
                    then {{ dbt.concat(["'unknown currency: '", "unioned.billing_currency"]) }}
            end
        ) as x_quarantine_reason,
        {%- else %}
        unioned.{{ column_spec.name }},
        {%- endif %}
        {%- endfor %}
        {#- Generated columns: the indentation is mlcost.tag_value's, which SQLFluff cannot
            fix here, so LT02 (layout.indent) is off for them. #}
        -- noqa: disable=LT02
        {%- for tag_name, keys in tag_keys.items() %}
        {{ mlcost.tag_value('unioned.tags', keys) }} as x_tag_{{ tag_name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from unioned
    left join currencies
        on unioned.billing_currency = currencies.currency_code

)

select * from final
