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
