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
    of its first start (the columns the marts read, and the rule's vars), and for each
    month with jobs the bill price each instance type would be priced at (the nearest
    month's, rightsizing_bill_prices_sql), so a restated price rebuilds exactly the months
    priced from it. -#}
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
        mlcost.rightsizing_price_month_tokens(),
    ]) }}
{% endmacro %}


{#- For each month of `months_sql` (a select of distinct month dates named job_month) and
    each provider, region, instance type and billing currency the bill priced on demand,
    the price of the month nearest to it (ties: the later month): int_instance_hour_prices_monthly
    row price_rank = 1. -#}
{% macro rightsizing_bill_prices_sql(months_sql) %}
    select
        job_months.job_month,
        prices.x_provider,
        prices.region_id,
        prices.instance_type,
        prices.billing_currency,
        prices.price_month,
        prices.price_per_instance_hour,
        row_number() over (
            partition by
                job_months.job_month, prices.x_provider, prices.region_id,
                prices.instance_type, prices.billing_currency
            order by
                abs({{ dbt.datediff('prices.price_month', 'job_months.job_month', 'month') }}),
                prices.price_month desc
        ) as price_rank
    from ({{ months_sql }}) as job_months
    cross join {{ ref('int_instance_hour_prices_monthly') }} as prices
{%- endmacro %}


{#- Tokens of the bill prices each job month is priced at. -#}
{% macro rightsizing_price_month_tokens() %}
    select
        job_month as x_day,
        {{ dbt.hash(dbt.concat([
            "x_provider", "'|'", "coalesce(region_id, '')", "'|'", "instance_type", "'|'",
            "billing_currency", "'|'", "cast(price_month as " ~ dbt.type_string() ~ ")", "'|'",
            "cast(price_per_instance_hour as " ~ dbt.type_string() ~ ")",
        ])) }} as x_day_token
    from ({{ mlcost.rightsizing_bill_prices_sql(
        "select distinct cast(" ~ dbt.date_trunc('month', 'first_started_at')
        ~ " as date) as job_month from " ~ ref('fct_ml_job_costs')
        ~ " where first_started_at is not null") }}) as nearest_prices
    where price_rank = 1
{%- endmacro %}
