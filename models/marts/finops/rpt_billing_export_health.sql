{#- What came in, per provider, export format, billing account, period and currency:
    lines and billed cost delivered, the part quarantined, and exports that could not be
    read at all. A leaf on purpose: its tests (quarantine share, unreadable exports) fail
    `dbt build` at the end without skipping any other mart, so one broken export does not
    blank the others' dashboards. -#}
with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}

),

deliveries as (

    select
        x_provider,
        x_source_format,
        billing_account_id,
        billing_period_start,
        billing_currency,
        count(*) as line_count,
        count(x_quarantine_reason) as quarantined_line_count,
        count(
            case when x_quarantine_reason like 'unreadable export:%' then 1 end
        ) as unreadable_export_count,
        coalesce(sum(billed_cost), 0) as billed_cost,
        coalesce(sum(abs(billed_cost)), 0) as absolute_billed_cost,
        coalesce(
            sum(case when x_quarantine_reason is not null then abs(billed_cost) end), 0
        ) as quarantined_absolute_billed_cost
    from cost_lines
    group by 1, 2, 3, 4, 5

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "x_provider", "'|'", "x_source_format", "'|'",
            "coalesce(billing_account_id, '')", "'|'",
            "coalesce(cast(billing_period_start as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(billing_currency, '')",
        ])) }} as export_health_id,
        x_provider,
        x_source_format,
        billing_account_id,
        billing_period_start,
        billing_currency,
        line_count,
        quarantined_line_count,
        unreadable_export_count,
        billed_cost,
        absolute_billed_cost,
        quarantined_absolute_billed_cost,
        cast(quarantined_line_count as {{ mlcost.type_double() }}) / line_count
            as quarantined_line_ratio
    from deliveries

)

select * from final
