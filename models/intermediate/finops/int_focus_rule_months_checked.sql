{#- The FOCUS conformance checks of rpt_focus_conformance per provider and month: for every
    rule of the seed focus_column_rules, the usable lines (those of fct_cost_lines) checked,
    the lines that break it and the least key of one. Incremental by month (macros/incremental_days.sql): a nightly run
    checks the months of the rebuilt billing periods, and the report adds up the months
    instead of checking all history again. -#}
{#- Not the folder's view: as a view, each read would check every line of history again. -#}
-- depends_on: {{ ref('focus_column_rules') }}
{{ config(**mlcost.usable_line_days_config('charge_month', grain='month')) }}
{%- set month_tokens = mlcost.usable_line_day_tokens(grain='month') %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'charge_month', grain='month') %}
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

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and {{ mlcost.on_days('charge_period_start', months, 'month') }}

),

checked as (

    {#- Generated columns, two per rule: SQLFluff cannot place the indentation of the
        loop's output, so LT02 is off for them. #}
    -- noqa: disable=LT02
    select
        x_provider,
        cast(
            {{ dbt.date_trunc('month', 'charge_period_start') }} as date
        ) as charge_month,
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
    group by 1, 2
    -- noqa: enable=LT02

),

violations as (

    {%- for rule in rules %}
    select
        x_provider,
        charge_month,
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
        charge_month,
        cast(null as {{ dbt.type_string() }}) as rule_id,
        checked_line_count,
        checked_line_count as violating_line_count,
        cast(null as {{ dbt.type_string() }}) as example_line_key
    from checked
    where 1 = 0
    {%- endfor %}

),

{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        violations.x_provider,
        violations.charge_month,
        violations.rule_id,
        violations.checked_line_count,
        violations.violating_line_count,
        violations.example_line_key,
        month_inputs.x_day_inputs_hash
    from violations
    left join month_inputs
        on violations.charge_month = month_inputs.x_day

)

select * from final
