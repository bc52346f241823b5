{#- The spot discount the bill shows, per month, provider, instance type and billing
    currency: over the spot compute lines (usage lines of an instance type priced spot),
    their billed cost against their list cost, the on-demand price of the same usage, so
    1 - billed / list = 1 - spot hourly price / on-demand hourly price. With the spot
    instance-hours and both hourly prices. The discount rpt_ml_spot_opportunities and
    rpt_ml_scheduling_opportunities apply. -#}
{#- Incremental by month (macros/incremental_days.sql), as int_instance_hour_prices_monthly:
    a nightly run rebuilds the months of the rebuilt billing periods. -#}
{{ config(**mlcost.usable_line_days_config('spot_month', grain='month')) }}
{%- set month_tokens = mlcost.usable_line_day_tokens(grain='month') %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'spot_month', grain='month') %}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and charge_category = 'Usage'
        and x_instance_type is not null
        and x_is_spot
        and {{ mlcost.on_days('charge_period_start', months, 'month') }}

),

spot_months as (

    select
        cast({{ dbt.date_trunc('month', 'charge_period_start') }} as date) as spot_month,
        x_provider,
        x_instance_type as instance_type,
        billing_currency,
        {{ mlcost.exact_sum('coalesce(x_consumed_seconds, 0)') }} / 3600.0 as instance_hours,
        sum(billed_cost) as spot_billed_cost,
        sum(list_cost) as spot_list_cost
    from cost_lines
    group by 1, 2, 3, 4

),

{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(spot_months.spot_month as " ~ dbt.type_string() ~ ")",
            "'|'", "spot_months.x_provider", "'|'", "spot_months.instance_type",
            "'|'", "spot_months.billing_currency",
        ])) }} as spot_discount_month_id,
        spot_months.spot_month,
        spot_months.x_provider,
        spot_months.instance_type,
        spot_months.billing_currency,
        cast(spot_months.instance_hours as {{ mlcost.type_double() }}) as spot_instance_hours,
        cast(spot_months.spot_billed_cost as {{ mlcost.type_money() }}) as spot_billed_cost,
        cast(spot_months.spot_list_cost as {{ mlcost.type_money() }}) as spot_list_cost,
        cast(
            spot_months.spot_billed_cost / nullif(spot_months.instance_hours, 0)
            as {{ mlcost.type_double() }}
        ) as spot_price_per_instance_hour,
        cast(
            spot_months.spot_list_cost / nullif(spot_months.instance_hours, 0)
            as {{ mlcost.type_double() }}
        ) as on_demand_price_per_instance_hour,
        cast(
            case
                when spot_months.spot_list_cost > 0
                    then 1 - spot_months.spot_billed_cost / spot_months.spot_list_cost
            end as {{ mlcost.type_double() }}
        ) as spot_discount,
        month_inputs.x_day_inputs_hash
    from spot_months
    left join month_inputs
        on spot_months.spot_month = month_inputs.x_day

)

select * from final
