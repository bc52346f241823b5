{#- The unified cost table is rebuilt by billing period. A period (provider and billing
    period start) is rebuilt whole when what it is built from changed: the files staged
    for it (any export, counted or superseded: a new delivery supersedes the old one),
    each with its modification time, hashed into x_period_inputs_hash. A period whose
    hash differs from the one its rows were built with, a new period and a period whose
    files are gone are deleted and built again; closed months stay put. Lines no hash
    tracks (without a billing period or account: quarantined) are rebuilt every run.
    After a change to seeds, vars or mlcost itself, run with --full-refresh. -#}

{#- Per provider and billing period, the hash of the files staged for it. -#}
{% macro period_inputs_hashes(delivery_files) %}
    select
        x_provider,
        billing_period_start,
        {{ mlcost.unordered_fingerprint(dbt.concat([
            "x_export", "'|'", "x_source_file", "'|'",
            "coalesce(cast(file_modified_at as " ~ dbt.type_string() ~ "), '')",
        ])) }} as x_period_inputs_hash
    from (
        select distinct x_provider, billing_period_start, x_export, x_source_file,
            file_modified_at
        from {{ delivery_files }}
    ) as period_files
    group by x_provider, billing_period_start
{%- endmacro %}


{#- The periods an incremental run of the model rebuilds, as (provider, period start or
    none) pairs; none on a full build (every period). -#}
{% macro cost_periods_to_rebuild(delivery_files, quiet=false) %}
    {%- if not mlcost.is_incremental_run('x_period_inputs_hash') %}{{ return(none) }}{% endif %}
    {%- set query %}
        with current_periods as ({{ mlcost.period_inputs_hashes(delivery_files) }}),
        built_periods as (
            select distinct x_provider, billing_period_start, x_period_inputs_hash
            from {{ this }}
            where x_period_inputs_hash is not null
        )
        select
            coalesce(current_periods.x_provider, built_periods.x_provider),
            cast(coalesce(current_periods.billing_period_start,
                built_periods.billing_period_start) as {{ dbt.type_string() }})
        from current_periods
        full outer join built_periods
            on current_periods.x_provider = built_periods.x_provider
            and current_periods.billing_period_start = built_periods.billing_period_start
        where current_periods.x_period_inputs_hash
            is distinct from built_periods.x_period_inputs_hash
        order by 1, 2
    {%- endset %}
    {%- set periods = [] %}
    {%- for row in run_query(query).rows %}
        {%- do periods.append((row[0], row[1])) %}
    {%- endfor %}
    {%- do log("mlcost: " ~ this.identifier ~ " rebuilds " ~ periods | length
        ~ " billing period(s) and the lines no period tracks: "
        ~ periods | map('join', ' ') | join(', '), info=not quiet) %}
    {{ return(periods) }}
{% endmacro %}


{#- A filter on `relation` keeping the lines of `periods` and the lines no period hash
    tracks (no billing period, or a period the delivery model does not know: lines
    without a billing account); true when periods is none. -#}
{% macro in_cost_periods(relation, periods) %}
    {%- if periods is none %}true{% else %}(
        {{ relation }}.x_period_inputs_hash is null
        {%- for provider, period_start in periods %}
        or ({{ relation }}.x_provider = {{ dbt.string_literal(provider) }}
            and {{ relation }}.billing_period_start
            = cast({{ dbt.string_literal(period_start) }} as {{ dbt.type_timestamp() }}))
        {%- endfor %}
    ){%- endif %}
{%- endmacro %}


{#- Pre-hook of the unified cost table: delete the periods this run rebuilds. -#}
{% macro delete_rebuilt_cost_periods(delivery_files) %}
    {%- set periods = mlcost.cost_periods_to_rebuild(delivery_files, quiet=true) %}
    {%- if periods is none %}{{ return('') }}{% endif %}
    delete from {{ this }}
    where {{ mlcost.in_cost_periods(this, periods) }}
{% endmacro %}


{#- The staged lines an incremental run of the unified table maps. Mapping is most of its
    work, and the views between staging and the unified table compute windows and
    aggregates a filter above them cannot pass through, so the filter stands at their
    reads of staging: a line is left out when its delivery period (macros/deliveries.sql,
    the billing period the unified table gives it) is one the run keeps. Which periods
    are kept is a variable of the build's connection, set by the unified table's pre-hook
    and reset by its post-hook; unset (any other reader of the views, a full build), every
    line is read. The unified table still filters what it maps, so this only has to leave
    in every line of the periods it rebuilds. -#}
{% macro staged_lines_to_map(provider, model_name) %}
    {%- set keys = mlcost.delivery_keys(provider, model_name) %}
    select *
    from {{ ref(model_name) }} as {{ model_name }}
    where {{ mlcost.outside_kept_cost_periods(keys.provider, keys.period) }}
{%- endmacro %}

{% macro outside_kept_cost_periods(provider_expression, period_expression) %}
    {{- return(adapter.dispatch('outside_kept_cost_periods', 'mlcost')(
        provider_expression, period_expression)) -}}
{% endmacro %}

{#- Elsewhere every line is mapped: right, only slower. -#}
{% macro default__outside_kept_cost_periods(provider_expression, period_expression) -%}
    true
{%- endmacro %}

{% macro duckdb__outside_kept_cost_periods(provider_expression, period_expression) -%}
    coalesce(not list_contains(
        getvariable('mlcost_kept_cost_periods'),
        {{ dbt.concat([provider_expression, "'|'",
            "cast(" ~ period_expression ~ " as " ~ dbt.type_string() ~ ")"]) }}
    ), true)
{%- endmacro %}


{#- Pre-hook of the unified table: name the periods this run keeps (built, and their
    hash unchanged) for staged_lines_to_map. Nothing on a full build. -#}
{% macro set_kept_cost_periods(delivery_files) %}
    {{ return(adapter.dispatch('set_kept_cost_periods', 'mlcost')(delivery_files)) }}
{% endmacro %}

{% macro default__set_kept_cost_periods(delivery_files) %}{{ return('') }}{% endmacro %}

{% macro duckdb__set_kept_cost_periods(delivery_files) %}
    {%- if not mlcost.is_incremental_run('x_period_inputs_hash') %}
    reset variable mlcost_kept_cost_periods
    {%- else %}
    set variable mlcost_kept_cost_periods = (
        with current_periods as ({{ mlcost.period_inputs_hashes(delivery_files) }}),
        built_periods as (
            select distinct x_provider, billing_period_start, x_period_inputs_hash
            from {{ this }}
            where x_period_inputs_hash is not null
        )
        select coalesce(list({{ dbt.concat([
            "current_periods.x_provider", "'|'",
            "cast(current_periods.billing_period_start as " ~ dbt.type_string() ~ ")",
        ]) }}), [])
        from current_periods
        inner join built_periods
            on current_periods.x_provider = built_periods.x_provider
            and current_periods.billing_period_start = built_periods.billing_period_start
            and current_periods.x_period_inputs_hash = built_periods.x_period_inputs_hash
    )
    {%- endif %}
{% endmacro %}

{#- Post-hook of the unified table: later readers of the views read every line. -#}
{% macro reset_kept_cost_periods() %}
    {{ return(adapter.dispatch('reset_kept_cost_periods', 'mlcost')()) }}
{% endmacro %}

{% macro default__reset_kept_cost_periods() %}{{ return('') }}{% endmacro %}

{% macro duckdb__reset_kept_cost_periods() %}
    reset variable mlcost_kept_cost_periods
{% endmacro %}
