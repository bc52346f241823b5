{#- Nothing lost, nothing doubled, for GCP and Azure as for AWS: per provider and billing
    account, the lines and billed cost staging read (GCP: cost plus credits; Azure: the
    actual-cost exports) all arrive in fct_cost_lines + fct_quarantined_cost_lines. GCP
    staging is read after the export precedence (int_gcp_billing_lines_unioned): a month
    also delivered in a preferred export is not expected twice. Azure lines count from the
    files of each period's latest export run (an older run of a re-exported period is not
    expected in the marts).
    Azure lines are compared by cost only: where an amortized export exists, covered usage
    arrives as its amortized rows (billed 0) instead of the actual rows (cost 0), so the
    line count legitimately differs while the billed cost may not. An Azure export without
    a billing account column (pre-2020 usage details) bills to its subscription, as
    int_azure_cost_lines_mapped does. Returns the accounts that do not add up. -#}

with gcp_staged as (

    select
        'gcp' as x_provider,
        billing_account_id,
        cost + credits_amount as billed_cost
    from {{ ref('int_gcp_billing_lines_unioned') }}

),

azure_ea_staged as (

    select
        'azure' as x_provider,
        coalesce(staged.billing_account_id, staged.subscription_id) as billing_account_id,
        staged.cost_in_billing_currency as billed_cost
    from {{ ref('stg_azure_cost__ea_actual_cost_lines') }} as staged
    inner join {{ ref('int_azure_export_files_selected') }} as selected_files
        on staged.x_source_file = selected_files.x_source_file

),

azure_mca_staged as (

    select
        'azure' as x_provider,
        coalesce(staged.billing_account_id, staged.subscription_id) as billing_account_id,
        staged.cost_in_billing_currency as billed_cost
    from {{ ref('stg_azure_cost__mca_actual_cost_lines') }} as staged
    inner join {{ ref('int_azure_export_files_selected') }} as selected_files
        on staged.x_source_file = selected_files.x_source_file

),

mart_lines as (

    select
        x_provider,
        billing_account_id,
        billed_cost
    from {{ ref('fct_cost_lines') }}
    where x_provider in ('gcp', 'azure') and x_source_format not like 'focus%'
    union all
    select
        x_provider,
        billing_account_id,
        billed_cost
    from {{ ref('fct_quarantined_cost_lines') }}
    where x_provider in ('gcp', 'azure') and x_source_format not like 'focus%'

),

staged_lines as (

    select * from gcp_staged
    union all
    select * from azure_ea_staged
    union all
    select * from azure_mca_staged

),

staged as (

    select
        x_provider,
        coalesce(billing_account_id, '') as billing_account_id,
        count(*) as line_count,
        coalesce(sum(billed_cost), 0) as billed_cost
    from staged_lines
    group by 1, 2

),

delivered as (

    select
        x_provider,
        coalesce(billing_account_id, '') as billing_account_id,
        count(*) as line_count,
        coalesce(sum(billed_cost), 0) as billed_cost
    from mart_lines
    group by 1, 2

),

final as (

    select
        staged.line_count as staged_lines,
        delivered.line_count as delivered_lines,
        staged.billed_cost as staged_cost,
        delivered.billed_cost as delivered_cost,
        coalesce(staged.x_provider, delivered.x_provider) as x_provider,
        coalesce(staged.billing_account_id, delivered.billing_account_id)
            as billing_account_id
    from staged
    full outer join delivered
        on staged.x_provider = delivered.x_provider
        and staged.billing_account_id = delivered.billing_account_id
    where staged.line_count is null
        or delivered.line_count is null
        or (staged.x_provider = 'gcp' and staged.line_count != delivered.line_count)
        or abs(staged.billed_cost - delivered.billed_cost) > 0.005

)

select * from final
