{#- A few unusable lines are normal; many mean a broken export. Fails when quarantined lines
    carry more than var mlcost_max_quarantined_share of all billed cost (absolute, so
    credits count), or are more than that share of all lines (their cost may not parse).
    Returns one row per provider over the limit, saying by how much. -#}
{%- set max_share = var('mlcost_max_quarantined_share', 0.01) %}

with usable as (

    select
        x_provider,
        billed_cost,
        0 as is_quarantined
    from {{ ref('fct_cost_lines') }}

),

quarantined as (

    select
        x_provider,
        billed_cost,
        1 as is_quarantined
    from {{ ref('fct_quarantined_cost_lines') }}

),

all_lines as (

    select * from usable
    union all
    select * from quarantined

),

shares as (

    select
        x_provider,
        sum(is_quarantined) as quarantined_lines,
        count(*) as total_lines,
        coalesce(sum(case when is_quarantined = 1 then abs(billed_cost) end), 0)
            as quarantined_cost,
        coalesce(sum(abs(billed_cost)), 0) as total_cost
    from all_lines
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
