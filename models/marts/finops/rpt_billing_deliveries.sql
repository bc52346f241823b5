{#- Every delivery of every export, per billing account and period it holds, and whether
    it counts: `counted` (the newest delivery of its export, provider, account and
    period) or `superseded` (a newer delivery replaced it; its lines are left out of
    fct_cost_lines and fct_quarantined_cost_lines, never summed), with what superseded it.
    Files of a delivery that repeat another file of it are counted in
    duplicate_file_count (their lines are quarantined, naming the other file). A leaf:
    tests read it without skipping any mart. -#}
with delivery_files as (

    select * from {{ ref('int_billing_delivery_files') }}

),

deliveries as (

    select
        x_provider,
        x_provider_name,
        x_export,
        billing_account_id,
        billing_period_start,
        x_delivery,
        min(x_source_format) as x_source_format,
        count(*) as file_count,
        {{ dbt.listagg(
            'x_source_file', "', '", 'order by x_source_file',
        ) }} as source_files,
        count(x_duplicate_of_file) as duplicate_file_count,
        cast(sum(line_count) as {{ dbt.type_bigint() }}) as line_count,
        cast(coalesce(sum(billed_cost), 0) as {{ mlcost.type_money() }}) as billed_cost,
        {#- the delivery's one billing currency; null when its lines bill in several #}
        case
            when count(distinct billing_currency) = 1
                and count(billing_currency) = count(*)
                then max(billing_currency)
        end as billing_currency,
        max(delivered_at) as delivered_at,
        cast(min(x_delivery_rank) as {{ dbt.type_bigint() }}) as delivery_rank,
        max(x_counted_delivery) as counted_delivery
    from delivery_files
    group by 1, 2, 3, 4, 5, 6

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "x_export", "'|'", "x_provider_name", "'|'", "billing_account_id", "'|'",
            "cast(billing_period_start as " ~ dbt.type_string() ~ ")", "'|'", "x_delivery",
        ])) }} as delivery_id,
        x_provider,
        x_provider_name,
        x_export,
        x_source_format,
        billing_account_id,
        billing_period_start,
        x_delivery,
        delivered_at,
        case when delivery_rank = 1 then 'counted' else 'superseded' end
            as delivery_status,
        case when delivery_rank > 1 then counted_delivery end as superseded_by,
        delivery_rank,
        file_count,
        source_files,
        duplicate_file_count,
        line_count,
        billing_currency,
        billed_cost
    from deliveries

)

select * from final
