{#- GPU right-sizing (rpt_ml_rightsizing_opportunities, rpt_ml_gpu_utilization_waste_monthly):
    the rule's settings and the tokens that rebuild the marts by month. -#}

{#- The utilization a right-sized job's GPUs should reach, percent
    (var mlcost_rightsizing_target_utilization_pct). -#}
{% macro rightsizing_target_utilization_pct() %}
    {%- set value = var('mlcost_rightsizing_target_utilization_pct', 80) | float %}
    {%- if value <= 0 or value > 100 %}
        {{ exceptions.raise_compiler_error(
            "var mlcost_rightsizing_target_utilization_pct must be above 0 and at most 100; got "
            ~ value) }}
    {%- endif %}
    {{ return(value) }}
{% endmacro %}


{#- The share of a cheaper GPU model's memory a job's peak memory may fill, as the headroom
    kept free, percent (var mlcost_rightsizing_memory_headroom_pct). -#}
{% macro rightsizing_memory_headroom_pct() %}
    {%- set value = var('mlcost_rightsizing_memory_headroom_pct', 10) | float %}
    {%- if value < 0 or value >= 100 %}
        {{ exceptions.raise_compiler_error(
            "var mlcost_rightsizing_memory_headroom_pct must be at least 0 and below 100; got "
            ~ value) }}
    {%- endif %}
    {{ return(value) }}
{% endmacro %}


{#- The months' tokens of the right-sizing marts: each job of fct_ml_job_costs on the month
    of its first start (the columns the marts read, and the rule's vars), and each month's
    billing periods (the bill's prices of the recommended instance types). A restated
    month's prices reach the jobs of other months priced from it at their next rebuild
    (or --full-refresh). -#}
{% macro gpu_rightsizing_month_tokens() %}
    {{ return([
        mlcost.row_month_tokens(ref('fct_ml_job_costs'), 'first_started_at', [
            'job_id', 'final_status', 'team', 'job_type', 'job_name', 'user_email',
            'project', 'provider', 'region', 'instance_type', 'gpu_model', 'node_count',
            'gpus_per_node', 'run_hours', 'gpu_hours', 'billing_currency', 'billed_cost',
            'effective_cost', 'billed_cost_in_reporting_currency',
            'effective_cost_in_reporting_currency', 'gpu_utilization_pct',
            'utilization_known_gpu_hours', 'gpu_memory_peak_gb', 'unused_gpu_billed_cost',
            'unused_gpu_effective_cost', 'unused_gpu_billed_cost_in_reporting_currency',
            'unused_gpu_effective_cost_in_reporting_currency',
            'utilization_unknown_billed_cost',
            'utilization_unknown_billed_cost_in_reporting_currency',
        ], settings=[
            mlcost.rightsizing_target_utilization_pct(),
            mlcost.rightsizing_memory_headroom_pct(),
            mlcost.reporting_currency(),
        ]),
    ] + mlcost.usable_line_day_tokens(grain='month')) }}
{% endmacro %}
