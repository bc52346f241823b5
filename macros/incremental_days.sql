{#- Models downstream of the unified cost table rebuilt by day. A day's inputs are named
    by tokens (for cost lines: provider, billing period and the period's inputs hash,
    macro cost_line_day_tokens; a model adds its own, such as a hash of each job attempt
    running that day). The model keeps, on each row, x_day_inputs_hash: the fingerprint of
    the tokens of the row's day when it was built. An incremental run rebuilds whole the
    days whose fingerprint changed, new days and days whose inputs are gone (delete, then
    insert); other days stay put. A day whose inputs give the model no row is rebuilt every
    run (nothing records it), which costs only that day's inputs. After a change to seeds,
    vars or mlcost itself, run with --full-refresh. -#}

{#- The tokens of the cost lines of each day: one per provider, billing period and period
    inputs hash (macros/incremental_periods.sql), so a rebuilt billing period changes the
    days its lines fall on. Lines no period hash tracks are rebuilt by every run of the
    unified table: their token is this run's id, so their days are rebuilt too. -#}
{#- usable_only: only the lines the marts read (not quarantined), for models that leave
    the quarantine out: a quarantined line, which no period hash tracks, then does not
    rebuild its day every run. grain='month': the tokens of each month (x_day its first
    day), for month-grained models (the same macros take grain='month'). -#}
{% macro cost_line_day_tokens(relation, timestamp_column='charge_period_start',
        usable_only=false, grain='day') %}
    select
        x_day,
        {{ dbt.concat([
            "x_provider", "'|'",
            "coalesce(cast(billing_period_start as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(x_period_inputs_hash, " ~ dbt.string_literal(invocation_id) ~ ")",
        ]) }} as x_day_token
    from (
        select distinct
            cast({{ dbt.date_trunc(grain, timestamp_column) }} as date) as x_day,
            x_provider,
            billing_period_start,
            x_period_inputs_hash
        from {{ relation }}
        where {{ timestamp_column }} is not null
            {%- if usable_only %}
            and x_quarantine_reason is null
            {%- endif %}
    ) as day_periods
{%- endmacro %}


{#- The tokens of a model over usable cost lines: from int_cost_line_day_periods_listed,
    the small table of each day's (provider, period, period hash), so one scan of the
    unified table a night serves every such model. -#}
{% macro usable_line_day_tokens(grain='day') %}
    {{ return([mlcost.cost_line_day_tokens(
        ref('int_cost_line_day_periods_listed'), 'charge_date', grain=grain)]) }}
{% endmacro %}


{#- Config of a model rebuilt by day (grain='month': by month), one line in each:
    `tokens_call` is the Jinja call that gives its token queries, `day_column` its day (or
    month) column. -#}
{% macro by_day_config(tokens_call, day_column, grain='day') %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'pre_hook': "{{ mlcost.delete_rebuilt_days(" ~ tokens_call ~ ", '" ~ day_column
            ~ "', grain='" ~ grain ~ "') }}",
    }) }}
{% endmacro %}


{#- by_day_config of a model over usable cost lines. -#}
{% macro usable_line_days_config(day_column, grain='day') %}
    {{ return(mlcost.by_day_config(
        "mlcost.usable_line_day_tokens(grain='" ~ grain ~ "')", day_column, grain)) }}
{% endmacro %}


{#- Per day, the fingerprint of its tokens. `token_queries`: selects of (x_day, x_day_token). -#}
{% macro day_inputs_hashes(token_queries) %}
    select
        x_day,
        {{ mlcost.unordered_fingerprint('x_day_token') }} as x_day_inputs_hash
    from (
        {%- for token_query in token_queries %}
        select distinct x_day, x_day_token from ({{ token_query }}) as day_tokens_{{ loop.index }}
        {%- if not loop.last %}
        union
        {%- endif %}
        {%- endfor %}
    ) as day_tokens
    group by x_day
{%- endmacro %}


{#- The days an incremental run of the model rebuilds, as ISO date strings in order; none
    on a full build (every day). `day_column`: the model's day column (a date). -#}
{% macro days_to_rebuild(token_queries, day_column, quiet=false, grain='day') %}
    {%- if not mlcost.is_incremental_run('x_day_inputs_hash') %}{{ return(none) }}{% endif %}
    {%- set query %}
        with current_days as ({{ mlcost.day_inputs_hashes(token_queries) }}),
        built_days as (
            select distinct
                cast({{ day_column }} as date) as x_day,
                x_day_inputs_hash
            from {{ this }}
            where {{ day_column }} is not null
        )
        select distinct cast(coalesce(current_days.x_day, built_days.x_day) as {{ dbt.type_string() }})
        from current_days
        full outer join built_days
            on current_days.x_day = built_days.x_day
        where current_days.x_day_inputs_hash is distinct from built_days.x_day_inputs_hash
        order by 1
    {%- endset %}
    {%- set days = run_query(query).columns[0].values() | list %}
    {%- if grain == 'day' %}
    {%- do log("mlcost: " ~ this.identifier ~ " rebuilds " ~ days | length ~ " day(s): "
        ~ mlcost.day_ranges(days) | map('join', ' to ') | join(', '), info=not quiet) %}
    {%- else %}
    {%- do log("mlcost: " ~ this.identifier ~ " rebuilds " ~ days | length ~ " " ~ grain
        ~ "(s) starting: " ~ days | join(', '), info=not quiet) %}
    {%- endif %}
    {{ return(days) }}
{% endmacro %}


{#- Consecutive days as (first, last) pairs: filters stay short and read as ranges, which
    lets the database skip row groups by their min/max. -#}
{% macro day_ranges(days) %}
    {%- set ranges = [] %}
    {%- for day in days %}
        {%- set this_day = modules.datetime.date.fromisoformat(day[:10]) %}
        {%- if ranges and (this_day - modules.datetime.date.fromisoformat(ranges[-1][1])).days == 1 %}
            {%- set first_day = ranges.pop()[0] %}
            {%- do ranges.append([first_day, this_day.isoformat()]) %}
        {%- else %}
            {%- do ranges.append([this_day.isoformat(), this_day.isoformat()]) %}
        {%- endif %}
    {%- endfor %}
    {{ return(ranges) }}
{% endmacro %}


{#- A filter keeping rows whose `timestamp_expression` (a timestamp or date) falls on one
    of `days`; true when days is none (full build), false when no day is rebuilt. With
    grain='month', `days` are first days of months and the filter keeps those months. -#}
{% macro on_days(timestamp_expression, days, grain='day') %}
    {%- if days is none %}true{% elif not days %}false{% else %}(
        {%- for first_day, last_day in (mlcost.day_ranges(days) if grain == 'day'
            else mlcost.month_ranges(days)) %}
        ({{ timestamp_expression }} >= cast({{ dbt.string_literal(first_day) }} as {{ dbt.type_timestamp() }})
            and {{ timestamp_expression }} < cast({{ dbt.string_literal(
                (modules.datetime.date.fromisoformat(last_day)
                    + modules.datetime.timedelta(days=1)).isoformat()) }} as {{ dbt.type_timestamp() }}))
        {%- if not loop.last %} or{% endif %}
        {%- endfor %}
    ){%- endif %}
{%- endmacro %}


{#- Months as (first day, last day) pairs, for on_days(grain='month'). -#}
{% macro month_ranges(months) %}
    {%- set ranges = [] %}
    {%- for month in months %}
        {%- set first_day = modules.datetime.date.fromisoformat(month[:10]).replace(day=1) %}
        {%- set next_month = (first_day + modules.datetime.timedelta(days=32)).replace(day=1) %}
        {%- do ranges.append([first_day.isoformat(),
            (next_month - modules.datetime.timedelta(days=1)).isoformat()]) %}
    {%- endfor %}
    {{ return(ranges) }}
{% endmacro %}


{#- Pre-hook of a day-grained model: delete the days this run rebuilds. -#}
{% macro delete_rebuilt_days(token_queries, day_column, grain='day') %}
    {%- set days = mlcost.days_to_rebuild(token_queries, day_column, quiet=true, grain=grain) %}
    {%- if days is none or not days %}{{ return('') }}{% endif %}
    delete from {{ this }}
    where {{ mlcost.on_days(day_column, days, grain) }}
{% endmacro %}
