{#- The unified FOCUS cost table: one row per usable billing line of every provider. A view
    over the incremental int_cost_lines_unioned, so the lines are written once; the hash a
    period was built from is bookkeeping, not a column for people. -#}
{{ config(materialized='view') }}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}

),

final as (

    select
        {%- for column in adapter.get_columns_in_relation(ref('int_cost_lines_unioned'))
            if column.name != 'x_period_inputs_hash' %}
        {{ column.name }}{{ "," if not loop.last }}
        {%- endfor %}
    from cost_lines
    where x_quarantine_reason is null

)

select * from final
