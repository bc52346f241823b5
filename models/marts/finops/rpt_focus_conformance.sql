{#- FOCUS 1.2 conformance of the unified cost table: every rule of the seed
    focus_column_rules (the spec's own sentences, scripts/focus_rules_from_spec.py) run on
    fct_cost_lines, per provider, with the lines checked, the lines that break it and one
    of them. Lines of an older FOCUS export (x_focus_version) are held to the rules of the
    columns their version has. One scan of the table whatever the number of rules. A leaf: its test
    (assert_cost_lines_conform_to_focus) fails the build without skipping other marts. -#}
{#- Rules are read when the seed is loaded: parsing and lint compile without it. #}
{%- set rules = [] %}
{%- if execute and load_relation(ref('focus_column_rules')) is not none %}
{%- set rules = run_query(
    "select rule_id, column_name, introduced_in, requirement, applies_when, allowed_values"
    ~ " from "
    ~ ref('focus_column_rules') ~ " order by rule_id"
).rows %}
{%- endif %}

with cost_lines as (

    select * from {{ ref('fct_cost_lines') }}

),

rules as (

    select * from {{ ref('focus_column_rules') }}

),

checked as (

    {#- Generated columns, two per rule: SQLFluff cannot place the indentation of the
        loop's output, so LT02 is off for them. #}
    -- noqa: disable=LT02
    select
        x_provider,
        count(*) as checked_line_count
        {%- for rule_id, column_name, introduced_in, requirement, applies_when, allowed_values
            in rules %}
        {#- A line of an older FOCUS export is held to the columns its version has
            (versions compare as text: 1.0 to 1.3). #}
        {%- set applies = "(x_focus_version is null or x_focus_version >= '"
            ~ introduced_in ~ "')" ~ (' and (' ~ applies_when ~ ')' if applies_when else '') %}
        {%- if requirement == 'not_null' %}
        {%- set broken = column_name ~ ' is null' %}
        {%- elif requirement == 'null' %}
        {%- set broken = column_name ~ ' is not null' %}
        {%- else %}
        {%- set quoted = [] %}
        {%- for value in allowed_values.split('|') %}
        {%- do quoted.append("'" ~ value ~ "'") %}
        {%- endfor %}
        {%- set broken = 'coalesce(' ~ column_name ~ " not in (" ~ quoted | join(', ') ~ '), true)' %}
        {%- endif %},
        count(case when {{ applies }} and {{ broken }} then 1 end)
            as violations_{{ loop.index }},
        min(case when {{ applies }} and {{ broken }} then x_line_key end)
            as example_{{ loop.index }}
        {%- endfor %}
    from cost_lines
    group by 1
    -- noqa: enable=LT02

),

violations as (

    {%- for rule in rules %}
    select
        x_provider,
        '{{ rule[0] }}' as rule_id,
        checked_line_count,
        violations_{{ loop.index }} as violating_line_count,
        example_{{ loop.index }} as example_line_key
    from checked
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- else %}
    {#- Parsing (no rules read yet): the same columns, no rows. #}
    select
        x_provider,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        checked_line_count,
        checked_line_count as violating_line_count,
        cast(null as {{ dbt.type_string() }}) as example_line_key
    from checked
    where 1 = 0
    {%- endfor %}

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
        violations.checked_line_count,
        violations.violating_line_count,
        violations.example_line_key
    from violations
    inner join rules
        on violations.rule_id = rules.rule_id

)

select * from final
