{#- Commitments (AWS Savings Plans and Reserved Instances, GCP committed use discounts,
    Azure reservations) per month and type, from the FOCUS commitment columns: what was
    committed, how much of it usage consumed (utilization) and how much of the eligible
    compute it covered (coverage). GCP writes no commitment id on its lines: its fee lines
    are the `Commitment ...` SKUs and its covered usage is PricingCategory Committed. A
    row per billing currency (commitments, the usage they cover and the eligible usage of
    the same currency), the amounts also in the reporting currency at the month's rate. -#}
{#- Incremental by month (macros/incremental_days.sql): a nightly run rebuilds the months
    of the rebuilt billing periods. -#}
{{ config(**mlcost.usable_line_days_config('commitment_month', grain='month')) }}
{%- set month_tokens = mlcost.usable_line_day_tokens(grain='month') %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'commitment_month', grain='month') %}

with cost_lines as (

    select * from {{ ref('fct_cost_lines') }}
    where {{ mlcost.on_days('charge_period_start', months, 'month') }}

),

purchases as (

    select
        x_provider,
        cast({{ dbt.date_trunc('month', 'charge_period_start') }} as date) as commitment_month,
        coalesce(commitment_discount_type, 'Committed Use Discount') as commitment_type,
        coalesce(commitment_discount_id, x_usage_type) as commitment_key,
        billing_currency,
        {#- A spend commitment's fee may be only its recurring part; the commitment is
            the quantity the fee line states (recurring plus amortized upfront). #}
        coalesce(
            case
                when commitment_discount_category = 'Spend'
                    then cast(commitment_discount_quantity as {{ mlcost.type_money() }})
            end,
            billed_cost
        ) as billed_cost,
        effective_cost,
        pricing_quantity,
        lower(pricing_unit) in ('hrs', 'hour', 'hours') as is_priced_in_hours,
        {{ dbt.datediff(
            'charge_period_start', 'charge_period_end', 'hour'
        ) }} as period_hours,
        case
            when lower(pricing_unit) in ('hrs', 'hour', 'hours') then pricing_quantity
            -- Azure reservations: quantity is reserved units ("1 Hour" each) per month
            when lower(pricing_unit) like '%hour%'
                then pricing_quantity * {{ dbt.datediff(
                    dbt.date_trunc('month', 'charge_period_start'),
                    dbt.dateadd('month', 1, dbt.date_trunc('month', 'charge_period_start')),
                    'hour'
                ) }}
        end as committed_hours
    from cost_lines
    where charge_category = 'Purchase'
        and (
            commitment_discount_id is not null
            or lower(x_usage_type) like 'commitment%'
        )

),

covered_usage as (

    select
        x_provider,
        cast({{ dbt.date_trunc('month', 'charge_period_start') }} as date) as commitment_month,
        coalesce(commitment_discount_type, 'Committed Use Discount') as commitment_type,
        billing_currency,
        effective_cost,
        list_cost,
        x_consumed_seconds / 3600.0 as used_hours
    from cost_lines
    where charge_category = 'Usage'
        and pricing_category = 'Committed'
        and billed_cost >= 0

),

eligible_usage as (

    select
        x_provider,
        cast({{ dbt.date_trunc('month', 'charge_period_start') }} as date) as commitment_month,
        billing_currency,
        sum(list_cost) as eligible_list_cost
    from cost_lines
    where charge_category = 'Usage'
        and pricing_category in ('Standard', 'Committed')
        and x_instance_type is not null
        and billed_cost >= 0
    group by 1, 2, 3

),

purchased as (

    select
        x_provider,
        commitment_month,
        commitment_type,
        billing_currency,
        count(distinct commitment_key) as commitment_count,
        sum(billed_cost) as committed_cost,
        sum(case when effective_cost < billed_cost then effective_cost end)
            as unused_commitment_cost,
        {{ mlcost.exact_sum('committed_hours') }} as committed_hours,
        sum(case when period_hours <= 1 then period_hours end) as hourly_fee_hours,
        {{ mlcost.exact_sum(
            'case when period_hours > 1 and not is_priced_in_hours'
            ~ ' then pricing_quantity end'
        ) }} as monthly_units
    from purchases
    group by 1, 2, 3, 4

),

used as (

    select
        x_provider,
        commitment_month,
        commitment_type,
        billing_currency,
        sum(effective_cost) as used_effective_cost,
        sum(list_cost) as covered_list_cost,
        {{ mlcost.exact_sum('used_hours') }} as used_hours
    from covered_usage
    group by 1, 2, 3, 4

),

{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "cast(purchased.commitment_month as " ~ dbt.type_string() ~ ")",
            "'|'", "purchased.x_provider", "'|'", "purchased.commitment_type",
            "'|'", "purchased.billing_currency",
        ])) }} as commitment_month_id,
        purchased.commitment_month,
        purchased.x_provider,
        purchased.commitment_type,
        cast(purchased.commitment_count as integer) as commitment_count,
        purchased.billing_currency,
        cast(purchased.committed_cost as {{ mlcost.type_money() }}) as committed_cost,
        cast(
            purchased.unused_commitment_cost as {{ mlcost.type_money() }}
        ) as unused_commitment_cost,
        cast(purchased.committed_hours as {{ mlcost.type_double() }}) as committed_hours,
        cast(
            coalesce(
                purchased.committed_hours / nullif(purchased.hourly_fee_hours, 0),
                purchased.monthly_units
            ) as {{ mlcost.type_double() }}
        ) as committed_units,
        cast(
            purchased.committed_cost / nullif(purchased.committed_hours, 0)
            as {{ mlcost.type_money() }}
        ) as committed_cost_per_hour,
        cast(used.used_hours as {{ mlcost.type_double() }}) as used_hours,
        cast(used.used_effective_cost as {{ mlcost.type_money() }}) as used_effective_cost,
        cast(used.covered_list_cost as {{ mlcost.type_money() }}) as covered_list_cost,
        cast(
            case
                when purchased.unused_commitment_cost is not null
                    then
                        1 - purchased.unused_commitment_cost
                        / nullif(purchased.committed_cost, 0)
                else used.used_hours / nullif(purchased.committed_hours, 0)
            end as {{ mlcost.type_double() }}
        ) as utilization_ratio,
        cast(
            used.covered_list_cost / nullif(eligible_usage.eligible_list_cost, 0)
            as {{ mlcost.type_double() }}
        ) as coverage_ratio,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        {{ mlcost.to_reporting_currency(
            'purchased.committed_cost', 'purchased.billing_currency') }}
            as committed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'purchased.unused_commitment_cost', 'purchased.billing_currency') }}
            as unused_commitment_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'purchased.committed_cost / nullif(purchased.committed_hours, 0)',
            'purchased.billing_currency') }} as committed_cost_per_hour_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'used.used_effective_cost', 'purchased.billing_currency') }}
            as used_effective_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'used.covered_list_cost', 'purchased.billing_currency') }}
            as covered_list_cost_in_reporting_currency,
        month_inputs.x_day_inputs_hash
    from purchased
    left join used
        on purchased.x_provider = used.x_provider
        and purchased.commitment_month = used.commitment_month
        and purchased.commitment_type = used.commitment_type
        and purchased.billing_currency = used.billing_currency
    left join eligible_usage
        on purchased.x_provider = eligible_usage.x_provider
        and purchased.commitment_month = eligible_usage.commitment_month
        and purchased.billing_currency = eligible_usage.billing_currency
    left join month_inputs
        on purchased.commitment_month = month_inputs.x_day
    {{ mlcost.join_reporting_rates(
        'purchased.billing_currency', 'purchased.commitment_month') }}

)

select * from final
