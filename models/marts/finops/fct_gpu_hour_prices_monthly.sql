{#- What a GPU-hour really costs per month, GPU model, provider, region and pricing
    category (on-demand, spot, committed), next to reference prices for the same GPU model
    (gpu_reference_prices seed): the same provider's list rate and the cheapest rate
    anywhere. GPU-hours come from the time-measured lines (instance-hours x GPUs); the
    cost is every usage line of the GPU instances (GCP's core and RAM lines included). A
    row per billing currency; the reference prices are USD (the seed), so the comparison
    with them converts both sides into the reporting currency at the month's rate. -#}
{#- Incremental by month (macros/incremental_days.sql): a nightly run rebuilds the months
    of the rebuilt billing periods. -#}
{{ config(**mlcost.usable_line_days_config('charge_month', grain='month')) }}
{%- set month_tokens = mlcost.usable_line_day_tokens(grain='month') %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'charge_month', grain='month') %}

with cost_lines as (

    select * from {{ ref('fct_cost_lines') }}
    where {{ mlcost.on_days('charge_period_start', months, 'month') }}

),

reference_prices as (

    select * from {{ ref('gpu_reference_prices') }}

),

gpu_lines as (

    select
        cast({{ dbt.date_trunc('month', 'charge_period_start') }} as date) as charge_month,
        x_provider,
        region_id,
        x_gpu_model,
        coalesce(pricing_category, 'Other') as pricing_category,
        billing_currency,
        billed_cost,
        effective_cost,
        list_cost,
        case
            when billed_cost >= 0 and x_consumed_seconds is not null
                then x_consumed_seconds * x_gpu_count / 3600.0
            else 0
        end as gpu_hours
    from cost_lines
    where charge_category = 'Usage'
        and x_gpu_model is not null

),

prices as (

    select
        charge_month,
        x_provider,
        region_id,
        x_gpu_model,
        pricing_category,
        billing_currency,
        {{ mlcost.exact_sum('gpu_hours') }} as gpu_hours,
        sum(billed_cost) as billed_cost,
        sum(effective_cost) as effective_cost,
        sum(list_cost) as list_cost
    from gpu_lines
    group by 1, 2, 3, 4, 5, 6

),

same_provider_reference as (

    select
        gpu_model,
        provider,
        min(price_per_gpu_hour) as price_per_gpu_hour
    from reference_prices
    group by 1, 2

),

cheapest_reference as (

    select
        gpu_model,
        price_per_gpu_hour,
        provider,
        instance_type,
        row_number() over (
            partition by gpu_model
            order by price_per_gpu_hour asc, provider asc, instance_type asc
        ) as price_rank
    from reference_prices

),

{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(prices.charge_month as " ~ dbt.type_string() ~ ")",
            "'|'", "prices.x_provider", "'|'", "coalesce(prices.region_id, '')",
            "'|'", "prices.x_gpu_model", "'|'", "prices.pricing_category",
            "'|'", "prices.billing_currency",
        ])) }} as gpu_price_month_id,
        prices.charge_month,
        prices.x_provider,
        prices.region_id,
        prices.x_gpu_model as gpu_model,
        prices.pricing_category,
        cast(prices.gpu_hours as {{ mlcost.type_double() }}) as gpu_hours,
        prices.billing_currency,
        cast(prices.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(prices.effective_cost as {{ mlcost.type_money() }}) as effective_cost,
        cast(
            prices.effective_cost / nullif(prices.gpu_hours, 0) as {{ mlcost.type_double() }}
        ) as effective_price_per_gpu_hour,
        cast(
            prices.list_cost / nullif(prices.gpu_hours, 0) as {{ mlcost.type_double() }}
        ) as list_price_per_gpu_hour,
        cast(
            same_provider_reference.price_per_gpu_hour as {{ mlcost.type_double() }}
        ) as provider_reference_price_per_gpu_hour,
        cast(
            cheapest_reference.price_per_gpu_hour as {{ mlcost.type_double() }}
        ) as cheapest_reference_price_per_gpu_hour,
        cheapest_reference.provider as cheapest_reference_provider,
        cheapest_reference.instance_type as cheapest_reference_instance_type,
        cast(
            {{ mlcost.to_reporting_currency('prices.effective_cost', 'prices.billing_currency') }}
            / nullif(prices.gpu_hours, 0)
            / nullif({{ mlcost.to_reporting_currency(
                'cheapest_reference.price_per_gpu_hour', "'USD'", 'usd_rates') }}, 0)
            as {{ mlcost.type_double() }}
        ) as price_vs_cheapest_reference,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        {{ mlcost.to_reporting_currency('prices.billed_cost', 'prices.billing_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency('prices.effective_cost', 'prices.billing_currency') }}
            as effective_cost_in_reporting_currency,
        cast(
            {{ mlcost.to_reporting_currency('prices.effective_cost', 'prices.billing_currency') }}
            / nullif(prices.gpu_hours, 0) as {{ mlcost.type_double() }}
        ) as effective_price_per_gpu_hour_in_reporting_currency,
        month_inputs.x_day_inputs_hash
    from prices
    left join same_provider_reference
        on prices.x_gpu_model = same_provider_reference.gpu_model
        and prices.x_provider = same_provider_reference.provider
    left join cheapest_reference
        on prices.x_gpu_model = cheapest_reference.gpu_model
        and cheapest_reference.price_rank = 1
    left join month_inputs
        on prices.charge_month = month_inputs.x_day
    {{ mlcost.join_reporting_rates('prices.billing_currency', 'prices.charge_month') }}
    {#- the reference prices' currency (seed gpu_reference_prices) #}
    {{ mlcost.join_reporting_rates("'USD'", 'prices.charge_month', 'usd_rates') }}

)

select * from final
