{#- Marts over job-level facts (attempts, runs, checkpoints) rebuilt by month
    (macros/incremental_days.sql with grain='month'): a month's inputs are the rows of
    the facts the mart reads that fall in it, each named by a hash of the columns it reads.
    A running attempt, a new checkpoint or a restated cost changes its row's token, so its
    month is rebuilt; finished months stay put. -#}

{#- One token per row of `relation` on the month of `timestamp_column`: the hash of
    `columns` (SQL expressions) and of `settings`, the values of the vars the mart reads,
    so a changed var rebuilds every month instead of asking for --full-refresh. `where`:
    an optional filter of the rows the mart reads. -#}
{% macro row_month_tokens(relation, timestamp_column, columns, settings=[], where=none) %}
    {%- set parts = [] %}
    {%- for column in columns %}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')") %}
        {%- do parts.append("'|'") %}
    {%- endfor %}
    {%- do parts.append(dbt.string_literal(settings | map('string') | join('|') | replace("'", "''"))) %}
    select
        cast({{ dbt.date_trunc('month', timestamp_column) }} as date) as x_day,
        {{ dbt.hash(dbt.concat(parts)) }} as x_day_token
    from {{ relation }} as month_token_rows
    where {{ timestamp_column }} is not null
        {%- if where %}
        and ({{ where }})
        {%- endif %}
{%- endmacro %}


{#- Config of a mart rebuilt by month from `tokens_call` (a Jinja call returning its token
    queries), with `month_column` its month (a date, first of the month). -#}
{% macro by_month_config(tokens_call, month_column) %}
    {{ return(mlcost.by_day_config(tokens_call, month_column, grain='month')) }}
{% endmacro %}
