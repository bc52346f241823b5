{#- The unified FOCUS cost table: one row per usable billing line of every provider. -#}
with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}

),

final as (

    select * from cost_lines
    where x_quarantine_reason is null

)

select * from final
