{#- The unified cost table keeps every FOCUS 1.2 rule that its columns can show
    (rpt_focus_conformance). Returns each broken rule per provider with the spec's
    sentence and one line that breaks it. Reads a leaf, so a failure skips no mart. -#}
with conformance as (

    select * from {{ ref('rpt_focus_conformance') }}

),

final as (

    select
        rule_id,
        x_provider,
        spec_text,
        violating_line_count,
        example_line_key
    from conformance
    where violating_line_count > 0

)

select * from final
