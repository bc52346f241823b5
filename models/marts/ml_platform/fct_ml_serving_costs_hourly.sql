{#- What each serving endpoint (a serving job) cost per UTC hour, split over the tenants
    whose traffic it served that hour.

    The hour's cost is the job's attributed compute cost (int_job_costs_attributed: billing
    line x attempt node). A line covering several hours (a daily Azure or FOCUS line) is
    spread over the hours its attempt node ran in it, by the seconds it ran in each; an
    hourly line stays in its hour. The hour's cost is split over the hour's traffic rows
    (tenant x model) by requests, or by input + output tokens where var
    mlcost_serving_cost_split is `tokens` and the hour counts tokens; an hour whose rows
    all count zero splits evenly. An hour with cost and no traffic keeps one row with
    tenant and model null, its cost whole and its traffic 0 (has_traffic false); traffic in
    an hour no cost was attributed to (not billed yet) keeps its rows with null cost and
    currency. So every dollar of serving cost is on exactly one row
    (assert_serving_costs_match_attribution). -#}
{#- Built by UTC day (macros/serving_costs.sql): a day is rebuilt when its attribution or
    its traffic changed. -#}
{{ config(**mlcost.by_day_config('mlcost.serving_cost_day_tokens()', 'usage_date')) }}
{%- set day_tokens = mlcost.serving_cost_day_tokens() %}
{%- set days = mlcost.days_to_rebuild(day_tokens, 'usage_date') %}
{%- set split = mlcost.serving_cost_split() %}
{%- set hour_end = dbt.dateadd('hour', 1, 'hour_started_at') %}

with serving_jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}
    where job_type = 'serving'

),

attributed as (

    select * from {{ ref('int_job_costs_attributed') }}
    where {{ mlcost.on_days('charge_period_start', days) }}
        and job_id in (select serving_jobs.job_id from serving_jobs)

),

attempt_nodes as (

    select * from {{ ref('int_attempt_nodes_joined') }}

),

traffic as (

    select * from {{ ref('int_ml_serving_traffic_unioned') }}
    where x_quarantine_reason is null
        and {{ mlcost.on_days('hour_started_at', days) }}

),

day_hashes as (

    {{ mlcost.rebuilt_day_hashes(day_tokens, days) }}

),

serving_lines as (

    select
        attributed.attributed_line_id,
        attributed.attempt_node_id,
        attributed.job_id,
        attributed.billing_currency,
        attributed.attributed_billed_cost,
        attributed.attributed_effective_cost,
        coalesce(attempt_nodes.gpus_used, 0) as gpus_used,
        greatest(attributed.charge_period_start, attempt_nodes.started_at) as ran_from,
        least(
            attributed.charge_period_end,
            coalesce(attempt_nodes.ended_at, attributed.charge_period_end)
        ) as ran_until
    from attributed
    inner join attempt_nodes
        on attributed.attempt_node_id = attempt_nodes.attempt_node_id

),

line_hours as (

    select
        serving_lines.*,
        {{ mlcost.hours_between('serving_lines.ran_from', 'serving_lines.ran_until') }}
            as hour_started_at
    from serving_lines

),

line_hour_seconds as (

    select
        line_hours.*,
        {{ dbt.datediff(
            'greatest(ran_from, hour_started_at)',
            'least(ran_until, ' ~ hour_end ~ ')',
            'second') }} as hour_seconds,
        {{ dbt.datediff(
            'ran_from',
            'ran_until',
            'second') }} as ran_seconds
    from line_hours

),

line_hour_costs as (

    select
        line_hour_seconds.*,
        case
            when ran_seconds > 0
                then cast(hour_seconds as {{ mlcost.type_double() }}) / ran_seconds
            else 1.0
        end as hour_share
    from line_hour_seconds

),

node_hours as (

    select
        job_id,
        hour_started_at,
        billing_currency,
        attempt_node_id,
        max(hour_seconds) as node_seconds,
        max(gpus_used) as gpus_used
    from line_hour_costs
    group by job_id, hour_started_at, billing_currency, attempt_node_id

),

cost_hours as (

    select
        line_hour_costs.job_id,
        line_hour_costs.hour_started_at,
        line_hour_costs.billing_currency,
        {#- Money before it is summed: a float sum would depend on row order. #}
        sum(cast(
            line_hour_costs.attributed_billed_cost * line_hour_costs.hour_share
            as {{ mlcost.type_money() }}
        )) as billed_cost,
        sum(cast(
            line_hour_costs.attributed_effective_cost * line_hour_costs.hour_share
            as {{ mlcost.type_money() }}
        )) as effective_cost
    from line_hour_costs
    group by
        line_hour_costs.job_id,
        line_hour_costs.hour_started_at,
        line_hour_costs.billing_currency

),

cost_hour_nodes as (

    select
        job_id,
        hour_started_at,
        billing_currency,
        count(*) as node_count,
        sum(node_seconds * gpus_used) / 3600.0 as gpu_hours
    from node_hours
    group by job_id, hour_started_at, billing_currency

),

traffic_hours as (

    select
        traffic.*,
        sum(requests) over (partition by job_id, hour_started_at) as hour_requests,
        sum(coalesce(input_tokens, 0) + coalesce(output_tokens, 0))
            over (partition by job_id, hour_started_at) as hour_tokens,
        count(*) over (partition by job_id, hour_started_at) as hour_traffic_rows
    from traffic

),

costed_traffic as (

    select
        coalesce(cost_hours.job_id, traffic_hours.job_id) as job_id,
        coalesce(cost_hours.hour_started_at, traffic_hours.hour_started_at)
            as hour_started_at,
        traffic_hours.tenant,
        traffic_hours.model_name,
        cost_hours.billing_currency,
        traffic_hours.job_id is not null as has_traffic,
        coalesce(traffic_hours.requests, 0) as requests,
        traffic_hours.input_tokens,
        traffic_hours.output_tokens,
        traffic_hours.errors,
        coalesce(traffic_hours.hour_requests, 0) as hour_requests,
        case
            when traffic_hours.job_id is null then 1.0
            {%- if split == 'tokens' %}
            when traffic_hours.hour_tokens > 0
                then cast(
                    coalesce(traffic_hours.input_tokens, 0)
                    + coalesce(traffic_hours.output_tokens, 0) as {{ mlcost.type_double() }}
                ) / traffic_hours.hour_tokens
            {%- endif %}
            when traffic_hours.hour_requests > 0
                then cast(traffic_hours.requests as {{ mlcost.type_double() }})
                    / traffic_hours.hour_requests
            else 1.0 / traffic_hours.hour_traffic_rows
        end as cost_share,
        cost_hours.billed_cost,
        cost_hours.effective_cost,
        cost_hour_nodes.node_count,
        cost_hour_nodes.gpu_hours
    from cost_hours
    inner join cost_hour_nodes
        on cost_hours.job_id = cost_hour_nodes.job_id
        and cost_hours.hour_started_at = cost_hour_nodes.hour_started_at
        and cost_hours.billing_currency = cost_hour_nodes.billing_currency
    full outer join traffic_hours
        on cost_hours.job_id = traffic_hours.job_id
        and cost_hours.hour_started_at = traffic_hours.hour_started_at

),

converted as (

    select
        costed_traffic.*,
        cast(
            {{ dbt.date_trunc('day', 'costed_traffic.hour_started_at') }} as date
        ) as usage_date,
        cast(costed_traffic.billed_cost * costed_traffic.cost_share as {{ mlcost.type_money() }})
            as row_billed_cost,
        cast(
            costed_traffic.effective_cost * costed_traffic.cost_share as {{ mlcost.type_money() }}
        ) as row_effective_cost,
        {{ mlcost.to_reporting_currency(
            'costed_traffic.billed_cost * costed_traffic.cost_share',
            'costed_traffic.billing_currency') }} as billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'costed_traffic.effective_cost * costed_traffic.cost_share',
            'costed_traffic.billing_currency') }} as effective_cost_in_reporting_currency
    from costed_traffic
    {{ mlcost.join_reporting_rates('costed_traffic.billing_currency',
                                   'costed_traffic.hour_started_at') }}

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "converted.job_id", "'|'",
            "cast(converted.hour_started_at as " ~ dbt.type_string() ~ ")", "'|'",
            "coalesce(converted.tenant, '')", "'|'",
            "coalesce(converted.model_name, '')", "'|'",
            "coalesce(converted.billing_currency, '')",
        ])) }} as serving_cost_hour_id,
        converted.job_id,
        converted.usage_date,
        converted.hour_started_at,
        converted.tenant,
        converted.model_name,
        converted.has_traffic,
        cast(converted.requests as {{ dbt.type_bigint() }}) as requests,
        cast(converted.input_tokens as {{ dbt.type_bigint() }}) as input_tokens,
        cast(converted.output_tokens as {{ dbt.type_bigint() }}) as output_tokens,
        cast(converted.errors as {{ dbt.type_bigint() }}) as errors,
        cast(converted.hour_requests as {{ dbt.type_bigint() }}) as endpoint_hour_requests,
        cast(converted.cost_share as {{ mlcost.type_double() }}) as cost_share,
        cast(converted.node_count as {{ dbt.type_bigint() }}) as node_count,
        cast(converted.gpu_hours as {{ mlcost.type_double() }}) as endpoint_gpu_hours,
        cast(converted.gpu_hours * converted.cost_share as {{ mlcost.type_double() }})
            as gpu_hours,
        converted.billing_currency,
        converted.row_billed_cost as billed_cost,
        converted.row_effective_cost as effective_cost,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        converted.billed_cost_in_reporting_currency,
        converted.effective_cost_in_reporting_currency,
        day_hashes.x_day_inputs_hash
    from converted
    left join day_hashes
        on converted.usage_date = day_hashes.x_day

)

select * from final
