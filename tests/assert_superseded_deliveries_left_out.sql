{#- Superseded deliveries are exactly the lines left out, for every provider. Per export,
    provider, billing account and billing period:
    - every staged line is in one delivery of rpt_billing_deliveries: staged lines and
      billed cost = counted + superseded deliveries' lines and cost (to the cent), and
      exactly one delivery counts;
    - no line of a superseded delivery's files reaches fct_cost_lines or
      fct_quarantined_cost_lines.
    With the reconciliation tests (the marts hold exactly the counted deliveries' lines),
    staging = marts + superseded. Returns the groups or files that break a rule. -#}

with deliveries as (

    select * from {{ ref('rpt_billing_deliveries') }}

),

delivery_files as (

    select * from {{ ref('int_billing_delivery_files') }}

),

staged_lines as (

    {{ mlcost.all_delivery_lines() }}

),

staged as (

    select
        x_export,
        x_provider_name,
        billing_account_id,
        billing_period_start,
        count(*) as line_count,
        coalesce(sum(billed_cost), 0) as billed_cost
    from staged_lines
    group by 1, 2, 3, 4

),

recorded as (

    select
        x_export,
        x_provider_name,
        billing_account_id,
        billing_period_start,
        sum(case when delivery_status = 'counted' then line_count else 0 end)
            as counted_line_count,
        sum(case when delivery_status = 'superseded' then line_count else 0 end)
            as superseded_line_count,
        sum(case when delivery_status = 'counted' then billed_cost else 0 end)
            as counted_billed_cost,
        sum(case when delivery_status = 'superseded' then billed_cost else 0 end)
            as superseded_billed_cost,
        count(case when delivery_status = 'counted' then 1 end) as counted_deliveries
    from deliveries
    group by 1, 2, 3, 4

),

unaccounted_groups as (

    select
        coalesce(staged.x_export, recorded.x_export) as x_export,
        coalesce(staged.billing_account_id, recorded.billing_account_id)
            as billing_account_id,
        cast(
            coalesce(staged.billing_period_start, recorded.billing_period_start)
            as {{ dbt.type_string() }}
        ) as billing_period,
        cast(null as {{ dbt.type_string() }}) as x_source_file,
        case
            when recorded.counted_deliveries != 1
                then 'not exactly one counted delivery'
            else 'staged lines or cost != counted + superseded deliveries'
        end as problem
    from staged
    full outer join recorded
        on staged.x_export = recorded.x_export
        and staged.x_provider_name = recorded.x_provider_name
        and staged.billing_account_id = recorded.billing_account_id
        and staged.billing_period_start = recorded.billing_period_start
    where staged.line_count is null
        or recorded.counted_line_count is null
        or recorded.counted_deliveries != 1
        or staged.line_count
        != recorded.counted_line_count + recorded.superseded_line_count
        or abs(
            staged.billed_cost
            - recorded.counted_billed_cost - recorded.superseded_billed_cost
        ) > 0.005

),

mart_lines as (

    select
        x_source_file,
        billing_account_id,
        billing_period_start
    from {{ ref('fct_cost_lines') }}
    union all
    select
        x_source_file,
        billing_account_id,
        billing_period_start
    from {{ ref('fct_quarantined_cost_lines') }}

),

superseded_files as (

    select distinct
        x_export,
        x_source_file,
        billing_account_id,
        billing_period_start
    from delivery_files
    where not is_counted

),

superseded_in_marts as (

    select
        superseded_files.x_export,
        superseded_files.billing_account_id,
        cast(superseded_files.billing_period_start as {{ dbt.type_string() }})
            as billing_period,
        superseded_files.x_source_file,
        'line of a superseded delivery reached the marts' as problem
    from superseded_files
    inner join mart_lines
        on superseded_files.x_source_file = mart_lines.x_source_file
        and superseded_files.billing_account_id = mart_lines.billing_account_id
        and superseded_files.billing_period_start = mart_lines.billing_period_start
    group by 1, 2, 3, 4

),

final as (

    select * from unaccounted_groups
    union all
    select * from superseded_in_marts

)

select * from final
