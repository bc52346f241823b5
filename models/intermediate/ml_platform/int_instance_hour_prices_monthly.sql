{#- What the bill charged for an instance-hour on demand, per month, provider, region,
    instance type and billing currency: the effective cost over the instance-hours of the
    machine-hours billed wholly on demand (every line of the resource's hour in FOCUS
    pricing category Standard: a GCP VM bills its cores, RAM and GPUs apart and a
    commitment may cover some of them; a spot or committed hour is left out). Instance-
    hours are the time-measured lines' seconds (GCP measures its GPU line). The price list
    right-sizing reads (rpt_ml_rightsizing_opportunities). -#}
{#- Incremental by month (macros/incremental_days.sql): a nightly run rebuilds the months
    of the rebuilt billing periods. -#}
{{ config(**mlcost.usable_line_days_config('price_month', grain='month')) }}
{%- set month_tokens = mlcost.usable_line_day_tokens(grain='month') %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'price_month', grain='month') %}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and charge_category = 'Usage'
        and x_instance_type is not null
        and {{ mlcost.on_days('charge_period_start', months, 'month') }}

),

machine_hours as (

    select
        x_provider,
        region_id,
        x_instance_type,
        billing_currency,
        charge_period_start,
        coalesce(resource_id, '') as resource_key,
        sum(effective_cost) as effective_cost,
        {{ mlcost.exact_sum('coalesce(x_consumed_seconds, 0)') }} / 3600.0 as instance_hours,
        min(case when pricing_category = 'Standard' then 1 else 0 end) as is_on_demand
    from cost_lines
    group by 1, 2, 3, 4, 5, 6

),

prices as (

    select
        cast({{ dbt.date_trunc('month', 'charge_period_start') }} as date) as price_month,
        x_provider,
        region_id,
        x_instance_type,
        billing_currency,
        {{ mlcost.exact_sum('instance_hours') }} as instance_hours,
        sum(effective_cost) as effective_cost
    from machine_hours
    where is_on_demand = 1
        and instance_hours > 0
    group by 1, 2, 3, 4, 5

),

{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(prices.price_month as " ~ dbt.type_string() ~ ")",
            "'|'", "prices.x_provider", "'|'", "coalesce(prices.region_id, '')",
            "'|'", "prices.x_instance_type", "'|'", "prices.billing_currency",
        ])) }} as instance_price_month_id,
        prices.price_month,
        prices.x_provider,
        prices.region_id,
        prices.x_instance_type as instance_type,
        prices.billing_currency,
        cast(prices.instance_hours as {{ mlcost.type_double() }}) as instance_hours,
        cast(prices.effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        cast(
            prices.effective_cost / prices.instance_hours as {{ mlcost.type_double() }}
        ) as price_per_instance_hour,
        month_inputs.x_day_inputs_hash
    from prices
    left join month_inputs
        on prices.price_month = month_inputs.x_day

)

select * from final
