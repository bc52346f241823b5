{#- FOCUS 1.2 conformance of the unified cost table: every rule of the seed
    focus_column_rules (the spec's own sentences, scripts/focus_rules_from_spec.py) run on
    fct_cost_lines, per provider, with the lines checked, the lines that break it and one
    of them. Lines of an older FOCUS export (x_focus_version) are held to the rules of the
    columns their version has. The checks run per month in int_focus_rule_months_checked
    (one scan of the month's lines whatever the number of rules, months rebuilt with their
    billing periods); this adds the months up. A leaf: its test
    (assert_cost_lines_conform_to_focus) fails the build without skipping other marts. -#}
with rule_months as (

    select * from {{ ref('int_focus_rule_months_checked') }}

),

rules as (

    select * from {{ ref('focus_column_rules') }}

),

violations as (

    select
        x_provider,
        rule_id,
        sum(checked_line_count) as checked_line_count,
        sum(violating_line_count) as violating_line_count,
        min(example_line_key) as example_line_key
    from rule_months
    group by x_provider, rule_id

),

final as (

    select
        rules.rule_id,
        violations.x_provider,
        rules.focus_column_id,
        rules.column_name,
        rules.introduced_in,
        rules.requirement,
        rules.applies_when,
        rules.allowed_values,
        rules.spec_text,
        cast(violations.checked_line_count as bigint) as checked_line_count,
        cast(violations.violating_line_count as bigint) as violating_line_count,
        violations.example_line_key
    from violations
    inner join rules
        on violations.rule_id = rules.rule_id

)

select * from final
