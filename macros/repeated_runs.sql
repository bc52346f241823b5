{#- The month tokens of rpt_ml_repeated_runs (macros/incremental_months.sql): a repeat's
    row depends on its own job (keys, times, status, cost), on the month of its first start,
    and on the earlier successes of the window before it. So each job gives a token to the
    month it started in and each succeeded job one to every month from its end to the end
    of the window after it (the months whose jobs may repeat it): a changed job rebuilds
    its month and the months it may be repeated in. The vars the mart reads are settings:
    a changed var rebuilds every month. -#}
{% macro repeated_run_month_tokens() %}
    {%- set window_days = var('mlcost_repeat_window_days') | int %}
    {%- set settings = [
        window_days,
        var('mlcost_repeat_ignored_params') | join(','),
        var('mlcost_repeat_dataset_digest_tag'),
        mlcost.reporting_currency(),
    ] %}
    {%- set job_rows %}(
        select
            job_costs.job_id,
            job_costs.first_started_at,
            job_costs.last_ended_at,
            job_costs.final_status,
            job_costs.team,
            job_costs.user_email,
            job_costs.project,
            job_costs.provider,
            job_costs.billing_currency,
            job_costs.billed_cost,
            job_costs.effective_cost,
            job_costs.billed_cost_in_reporting_currency,
            job_costs.effective_cost_in_reporting_currency,
            repeat_keys.model_name,
            repeat_keys.config_hash,
            repeat_keys.params_hash,
            repeat_keys.git_commit,
            repeat_keys.dataset_digest
        from {{ ref('fct_ml_job_costs') }} as job_costs
        inner join {{ ref('int_ml_job_repeat_keys_derived') }} as repeat_keys
            on job_costs.job_id = repeat_keys.job_id
    ){% endset %}
    {%- set columns = [
        'job_id', 'first_started_at', 'last_ended_at', 'final_status', 'team', 'user_email',
        'project', 'provider', 'billing_currency', 'billed_cost', 'effective_cost',
        'billed_cost_in_reporting_currency', 'effective_cost_in_reporting_currency',
        'model_name', 'config_hash', 'params_hash', 'git_commit', 'dataset_digest',
    ] %}
    {%- set queries = [mlcost.row_month_tokens(job_rows, 'first_started_at', columns, settings)] %}
    {%- set window_end = dbt.dateadd('day', window_days, 'last_ended_at') %}
    {#- A month has 28 days or more: months_after up to window_days // 28 + 1 reach every
        month from the success to the window's end. #}
    {%- for months_after in range(window_days // 28 + 2) %}
        {%- set month_after = dbt.dateadd('month', months_after, 'last_ended_at') %}
        {%- do queries.append(mlcost.row_month_tokens(
            job_rows,
            'case when ' ~ month_after ~ ' < ' ~ window_end ~ ' then ' ~ month_after
                ~ ' else ' ~ window_end ~ ' end',
            columns, settings, where="final_status = 'succeeded'")) %}
    {%- endfor %}
    {{ return(queries) }}
{% endmacro %}
