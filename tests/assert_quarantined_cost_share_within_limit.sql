{#- A few unusable lines are normal; many mean a broken export. Fails when quarantined lines
    carry more than var mlcost_max_quarantined_share of all billed cost (absolute, so
    credits count), or are more than that share of all lines (their cost may not parse).
    Returns one row per provider over the limit, saying by how much. Reads the leaf
    rpt_billing_export_health, so a failure fails the build without skipping any mart. -#}
{%- set max_share = var('mlcost_max_quarantined_share', 0.01) %}

with export_health as (

    select * from {{ ref('rpt_billing_export_health') }}

),

shares as (

    select
        x_provider,
        sum(quarantined_line_count) as quarantined_lines,
        sum(line_count) as total_lines,
        sum(quarantined_absolute_billed_cost) as quarantined_cost,
        sum(absolute_billed_cost) as total_cost
    from export_health
    group by 1

),

final as (

    select
        x_provider,
        quarantined_lines,
        total_lines,
        quarantined_cost,
        total_cost,
        {{ max_share }} as max_share
    from shares
    where quarantined_lines > {{ max_share }} * total_lines
        or quarantined_cost > {{ max_share }} * total_cost

)

select * from final
