{#- Serving cost marts (fct_ml_serving_costs_hourly, rpt_ml_inference_unit_costs), rebuilt
    by UTC day (macros/incremental_days.sql). -#}

{#- How an hour's cost is split over its tenants (var mlcost_serving_cost_split):
    `requests`, or `tokens` (input + output, where the hour counts them; else requests). -#}
{% macro serving_cost_split() %}
    {%- set split = var('mlcost_serving_cost_split', 'requests') | string | trim | lower %}
    {%- if split not in ['requests', 'tokens'] %}
        {{ exceptions.raise_compiler_error(
            "mlcost: var mlcost_serving_cost_split is '" ~ split
            ~ "'; set it to requests or tokens.") }}
    {%- endif %}
    {{ return(split) }}
{% endmacro %}


{#- var mlcost_serving_low_traffic_share: an hour whose requests are under this share of
    the endpoint's busiest hour of the day is low traffic (0 to 1). -#}
{% macro serving_low_traffic_share() %}
    {%- set share = var('mlcost_serving_low_traffic_share', 0.3) | float %}
    {%- if share <= 0 or share > 1 %}
        {{ exceptions.raise_compiler_error(
            "mlcost: var mlcost_serving_low_traffic_share is " ~ share
            ~ "; set a share between 0 (excluded) and 1.") }}
    {%- endif %}
    {{ return(share) }}
{% endmacro %}


{#- The tokens of the hourly serving costs: each day's attribution fingerprint (the
    serving jobs' lines are attributed there) and each usable traffic row with what the
    mart reads of it, with the split setting. -#}
{% macro serving_cost_day_tokens() %}
    {%- set traffic_token %}
        select
            cast({{ dbt.date_trunc('day', 'hour_started_at') }} as date) as x_day,
            {{ dbt.hash(dbt.concat([
                "job_id", "'|'",
                "cast(hour_started_at as " ~ dbt.type_string() ~ ")", "'|'",
                "coalesce(tenant, '')", "'|'", "coalesce(model_name, '')", "'|'",
                "coalesce(cast(requests as " ~ dbt.type_string() ~ "), '')", "'|'",
                "coalesce(cast(input_tokens as " ~ dbt.type_string() ~ "), '')", "'|'",
                "coalesce(cast(output_tokens as " ~ dbt.type_string() ~ "), '')", "'|'",
                "coalesce(cast(errors as " ~ dbt.type_string() ~ "), '')", "'|'",
                dbt.string_literal(mlcost.serving_cost_split()),
            ])) }} as x_day_token
        from {{ ref('int_ml_serving_traffic_unioned') }}
        where x_quarantine_reason is null
    {%- endset %}
    {{ return([mlcost.attributed_day_tokens(ref('int_job_costs_attributed')), traffic_token]) }}
{% endmacro %}


{#- The tokens of the daily unit costs: the fingerprint each day of the hourly mart was
    built with, and the low-traffic share. -#}
{% macro inference_unit_cost_day_tokens() %}
    {%- set token %}
        select distinct
            usage_date as x_day,
            {{ dbt.concat([
                "coalesce(x_day_inputs_hash, '')", "'|'",
                dbt.string_literal(mlcost.serving_low_traffic_share() | string),
            ]) }} as x_day_token
        from {{ ref('fct_ml_serving_costs_hourly') }}
    {%- endset %}
    {{ return([token]) }}
{% endmacro %}
