{#- Job attribution rebuilt by usage day (macros/incremental_days.sql). A day's attributed
    cost depends on the compute lines that start on it (macro cost_line_day_tokens) and on
    the attempt nodes that run on it; so each attempt node names, on every day from its
    start to its end, a hash of what attribution reads of it. An attempt that changed (a
    new end, another checkpoint, another node) changes the token of every day it ran on,
    before and after the change, and those days are attributed again whole: every attempt
    on them, so shared nodes split as in a full build. Days are those of the compute
    lines: a running attempt runs until the last day billed, one that started before the
    first day billed names it from that day (a day that gives a model no row is built
    again every run: keep those few). Compute lines end by the next midnight (hourly and daily exports), so
    an attempt overlaps no line that starts on a day it did not run on. -#}

{#- The token queries of each model built by usage day, named once for its config and its
    body: attribution reads compute lines and attempt nodes; the unattributed cost also
    what every day of a machine reads of all its attempts; the rollup, the attributed
    days' own fingerprints. -#}
{% macro job_attribution_day_tokens() %}
    {{ return([
        mlcost.machine_line_day_tokens(ref('int_cost_lines_unioned')),
        mlcost.attempt_node_day_tokens(ref('int_attempt_nodes_joined'), ref('int_cost_lines_unioned')),
    ]) }}
{% endmacro %}

{% macro unattributed_cost_day_tokens() %}
    {{ return(mlcost.job_attribution_day_tokens() + [
        mlcost.resource_day_tokens(ref('int_attempt_nodes_joined'), ref('int_compute_resources_keyed')),
    ]) }}
{% endmacro %}

{% macro attributed_rollup_day_tokens() %}
    {{ return([mlcost.attributed_day_tokens(ref('int_job_costs_attributed'))]) }}
{% endmacro %}


{#- One token per attempt node and day it runs on. -#}
{% macro attempt_node_day_tokens(attempt_nodes, cost_lines) %}
    select
        attempt_days.x_day,
        {{ dbt.hash(dbt.concat([
            "attempt_node_id", "'|'",
            "attempt_id", "'|'",
            "job_id", "'|'",
            "coalesce(resource_key, '')", "'|'",
            "coalesce(cast(gpus_used as " ~ dbt.type_string() ~ "), '')", "'|'",
            "cast(started_at as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(cast(ended_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(cast(last_checkpoint_at as " ~ dbt.type_string() ~ "), '')",
        ])) }} as x_day_token
    from (
        select
            attempt_nodes.*,
            {{ mlcost.days_between(
                'greatest(attempt_nodes.started_at, billed.billed_from)',
                'least(coalesce(attempt_nodes.ended_at, billed.billed_until),'
                ~ ' billed.billed_until)') }} as x_day
        from {{ attempt_nodes }} as attempt_nodes
        cross join (
            select
                min(charge_period_start) as billed_from,
                max(charge_period_start) as billed_until
            from {{ cost_lines }}
            where {{ mlcost.is_billed_machine_line() }}
        ) as billed
        where attempt_nodes.started_at is not null
    ) as attempt_days
{%- endmacro %}


{#- One token per billed machine that job attempts ran on and day it is billed on, for
    what the unattributed cost of its every day reads of all its attempts: the most nodes
    one attempt had on it (instances it is billed as) and the team of its jobs. -#}
{% macro resource_day_tokens(attempt_nodes, billed_resources) %}
    select
        resource_days.x_day,
        {{ dbt.hash(dbt.concat([
            "resource_days.resource_key", "'|'",
            "cast(resource_attempts.instance_count as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(resource_attempts.job_team, '')",
        ])) }} as x_day_token
    from (
        select
            resource_key,
            {{ mlcost.days_between(
                'first_charge_period_start',
                dbt.dateadd('second', -1, 'last_charge_period_end')) }} as x_day
        from (
            select distinct resource_key, first_charge_period_start, last_charge_period_end
            from {{ billed_resources }}
        ) as resources
    ) as resource_days
    inner join (
        select
            resource_key,
            max(node_count) as instance_count,
            max(job_team) as job_team
        from (
            select
                resource_key,
                attempt_id,
                count(*) as node_count,
                max(team) as job_team
            from {{ attempt_nodes }}
            group by 1, 2
        ) as nodes_per_attempt
        group by 1
    ) as resource_attempts
        on resource_days.resource_key = resource_attempts.resource_key
{%- endmacro %}


{#- One row per day from the day of `start_expression` to that of `end_expression`, both
    timestamps (a set-returning column expression). -#}
{% macro days_between(start_expression, end_expression) %}
    {{ return(adapter.dispatch('days_between', 'mlcost')(start_expression, end_expression)) }}
{% endmacro %}

{% macro default__days_between(start_expression, end_expression) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: days_between has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__days_between in macros/incremental_attribution.sql") }}
{% endmacro %}

{#- DuckDB: generate_series of dates, unnested into one row per day. -#}
{% macro duckdb__days_between(start_expression, end_expression) %}
    unnest(generate_series(
        cast({{ start_expression }} as date),
        cast({{ end_expression }} as date),
        interval 1 day
    ))::date
{%- endmacro %}


{#- One row per UTC hour that the interval [start, end) touches (a set-returning column
    expression): a daily billing line is spread over the hours it covers. -#}
{% macro hours_between(start_expression, end_expression) %}
    {{ return(adapter.dispatch('hours_between', 'mlcost')(start_expression, end_expression)) }}
{% endmacro %}

{% macro default__hours_between(start_expression, end_expression) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: hours_between has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__hours_between in macros/incremental_attribution.sql") }}
{% endmacro %}

{#- DuckDB: generate_series of hours from the start's hour to the last hour before the end,
    unnested into one row per hour. -#}
{% macro duckdb__hours_between(start_expression, end_expression) %}
    unnest(generate_series(
        date_trunc('hour', {{ start_expression }}),
        {{ end_expression }} - interval 1 microsecond,
        interval 1 hour
    ))
{%- endmacro %}

{#- A filter keeping intervals from `start_expression` to `end_expression` (null: still
    running) that overlap one of `days`; true when days is none (full build). -#}
{% macro overlaps_days(start_expression, end_expression, days) %}
    {%- if days is none %}true{% elif not days %}false{% else %}(
        {%- for first_day, last_day in mlcost.day_ranges(days) %}
        ({{ start_expression }} < cast({{ dbt.string_literal(
                (modules.datetime.date.fromisoformat(last_day)
                    + modules.datetime.timedelta(days=1)).isoformat()) }} as {{ dbt.type_timestamp() }})
            and ({{ end_expression }} is null
                or {{ end_expression }} > cast({{ dbt.string_literal(first_day) }}
                    as {{ dbt.type_timestamp() }})))
        {%- if not loop.last %} or{% endif %}
        {%- endfor %}
    ){%- endif %}
{%- endmacro %}


{#- The fingerprint of each rebuilt day's tokens, to store on the day's rows. -#}
{% macro rebuilt_day_hashes(token_queries, days) %}
    select
        x_day,
        x_day_inputs_hash
    from ({{ mlcost.day_inputs_hashes(token_queries) }}) as day_hashes
    where {{ mlcost.on_days('x_day', days) }}
{%- endmacro %}


{#- The tokens of a table built from attributed cost by day: the fingerprint each day of
    int_job_costs_attributed was built with, so it is summed again when it was rebuilt. -#}
{% macro attributed_day_tokens(attributed) %}
    select distinct
        cast({{ dbt.date_trunc('day', 'charge_period_start') }} as date) as x_day,
        x_day_inputs_hash as x_day_token
    from {{ attributed }}
{%- endmacro %}


{#- The tokens of the compute lines of each day (macro cost_line_day_tokens): attribution
    reads no other line, and a day without one gives it no row. -#}
{% macro machine_line_day_tokens(cost_lines) %}
    {{ return(mlcost.cost_line_day_tokens(
        "(select * from " ~ cost_lines ~ " where " ~ mlcost.is_billed_machine_line()
        ~ ") as machine_lines")) }}
{%- endmacro %}
