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


{#- The tokens of rpt_ml_efficiency_monthly: each attempt with what every lever reads of
    it (its cost, failure, repeat, plateau, utilization and spot discount), on its start
    month; idle findings on their month; checkpoint savings on the month of their as-of. -#}
{% macro efficiency_month_tokens() %}
    {%- set attempt_inputs -%}
        (
            select
                attempts.*,
                failed.attempt_id as failed_attempt_id,
                repeats.job_id as repeat_job_id,
                plateau.plateau_waste_billed_cost,
                spot.spot_discount
            from {{ ref('fct_ml_job_attempt_costs') }} as attempts
            left join {{ ref('fct_ml_failed_attempt_costs') }} as failed
                on attempts.attempt_id = failed.attempt_id
            left join {{ ref('rpt_ml_repeated_runs') }} as repeats
                on attempts.job_id = repeats.job_id
            left join {{ ref('fct_ml_plateau_waste') }} as plateau
                on attempts.attempt_id = plateau.attempt_id
            left join {{ ref('rpt_ml_spot_opportunities') }} as spot
                on attempts.job_id = spot.job_id
        )
    {%- endset %}
    {%- set settings = [mlcost.reporting_currency()] %}
    {{ return([
        mlcost.row_month_tokens(attempt_inputs, 'started_at', [
            'attempt_id', 'team', 'billing_currency', 'billed_cost',
            'billed_cost_in_reporting_currency', 'gpu_utilization_pct', 'failed_attempt_id',
            'repeat_job_id', 'plateau_waste_billed_cost', 'spot_discount'], settings),
        mlcost.row_month_tokens(ref('rpt_idle_and_orphaned_resources'), 'usage_month', [
            'idle_orphaned_finding_id', 'owner_team', 'billing_currency',
            'finding_billed_cost', 'finding_billed_cost_in_reporting_currency'], settings,
            where="finding = 'idle_machine'"),
        mlcost.row_month_tokens(ref('rpt_checkpoint_retention_savings'), 'as_of_at', [
            'team', 'billing_currency', 'candidate_checkpoint_count', 'monthly_delete_saving',
            'monthly_delete_saving_in_reporting_currency'], settings),
    ]) }}
{% endmacro %}
