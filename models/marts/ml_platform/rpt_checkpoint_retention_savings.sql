{#- Checkpoint retention: per job and bucket (or storage account), the checkpoints nobody
    needs any more: beyond the job's newest mlcost_checkpoints_keep, saved more than
    mlcost_checkpoint_archive_days before the as-of time, and not one an attempt resumed
    from. Their size, the storage price per GB-month observed in the same bill (the bucket's
    storage lines in their latest month: cost / GB-months; else its account's, price_basis
    says which), and what deleting them or moving them to the provider's archive class
    (seed storage_archive_prices, USD, converted into the bill's currency) saves a month.
    The as-of time is the end of the bill's storage lines, so a rebuild over the same data
    gives the same answer. Checkpoint URIs map to billed resources through the same macros
    as the stale-storage report (macros/storage_names.sql). -#}
{#- A table, not incremental: every row depends on the as-of time, which moves with each
    delivery of billing data (DECISIONS.md). It reads checkpoints and storage lines only. -#}
{{ config(materialized='table') }}

with checkpoints as (

    select * from {{ ref('stg_ml_jobs__checkpoints') }}
    where x_quarantine_reason is null

),

attempts as (

    select * from {{ ref('stg_ml_jobs__job_attempts') }}

),

jobs as (

    select * from {{ ref('fct_ml_job_costs') }}

),

cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where x_quarantine_reason is null
        and charge_category = 'Usage'
        and service_category = 'Storage'
        and resource_id is not null

),

archive_prices as (

    select * from {{ ref('storage_archive_prices') }}

),

storage_lines as (

    select
        x_provider,
        sub_account_id,
        billing_currency,
        resource_id,
        {{ mlcost.billed_storage_name('resource_name', 'resource_id') }} as storage_name,
        cast({{ dbt.date_trunc('month', 'charge_period_start') }} as date) as charge_month,
        charge_period_end,
        billed_cost,
        {{ mlcost.storage_gb_months('pricing_quantity', 'pricing_unit') }} as gb_months
    from cost_lines

),

stored_lines as (

    select * from storage_lines
    where gb_months > 0

),

{# The end of the bill's storage lines; without any, the latest checkpoint. #}
as_of as (

    select
        coalesce(
            (select max(charge_period_end) as storage_end_at from stored_lines),
            (select max(saved_at) as last_saved_at from checkpoints)
        ) as as_of_at

),

bucket_months as (

    select
        storage_name,
        x_provider,
        sub_account_id,
        billing_currency,
        charge_month,
        min(resource_id) as resource_id,
        sum(billed_cost) / sum(gb_months) as price_per_gb_month,
        row_number() over (
            partition by storage_name
            order by charge_month desc, sum(billed_cost) desc, billing_currency asc
        ) as month_rank
    from stored_lines
    group by 1, 2, 3, 4, 5

),

account_months as (

    select
        x_provider,
        sub_account_id,
        billing_currency,
        charge_month,
        sum(billed_cost) / sum(gb_months) as price_per_gb_month,
        row_number() over (
            partition by x_provider, sub_account_id
            order by charge_month desc, sum(billed_cost) desc, billing_currency asc
        ) as month_rank
    from stored_lines
    group by 1, 2, 3, 4

),

{# The account of a bucket the bill names without a stored-GB line (its requests only). #}
bucket_accounts as (

    select
        storage_name,
        min(x_provider) as x_provider,
        min(sub_account_id) as sub_account_id,
        min(resource_id) as resource_id
    from storage_lines
    group by 1

),

resumed_from as (

    select distinct resumed_from_checkpoint_id as checkpoint_id
    from attempts
    where resumed_from_checkpoint_id is not null

),

checkpoints_ranked as (

    select
        checkpoints.checkpoint_id,
        checkpoints.job_id,
        checkpoints.saved_at,
        checkpoints.size_gb,
        {{ mlcost.checkpoint_storage_name('checkpoints.uri') }} as storage_name,
        row_number() over (
            partition by checkpoints.job_id
            order by checkpoints.saved_at desc, checkpoints.checkpoint_id desc
        ) as recency
    from checkpoints

),

candidates as (

    select checkpoints_ranked.*
    from checkpoints_ranked
    cross join as_of
    left join resumed_from
        on checkpoints_ranked.checkpoint_id = resumed_from.checkpoint_id
    where checkpoints_ranked.recency > {{ var('mlcost_checkpoints_keep') }}
        and checkpoints_ranked.saved_at < {{ dbt.dateadd(
            'day', -1 * var('mlcost_checkpoint_archive_days'), 'as_of.as_of_at') }}
        and resumed_from.checkpoint_id is null

),

job_buckets as (

    select
        job_id,
        storage_name,
        count(*) as candidate_checkpoint_count,
        {{ mlcost.exact_sum('coalesce(size_gb, 0)') }} as candidate_size_gb,
        min(saved_at) as oldest_candidate_saved_at,
        max(saved_at) as newest_candidate_saved_at
    from candidates
    group by 1, 2

),

priced as (

    select
        job_buckets.*,
        jobs.team,
        jobs.user_email,
        jobs.project,
        jobs.model_name,
        jobs.provider,
        coalesce(bucket_months.resource_id, bucket_accounts.resource_id)
            as storage_resource_id,
        coalesce(bucket_months.sub_account_id, bucket_accounts.sub_account_id)
            as sub_account_id,
        case
            when bucket_months.storage_name is not null then 'bucket'
            when account_months.sub_account_id is not null then 'account'
        end as price_basis,
        coalesce(bucket_months.charge_month, account_months.charge_month)
            as storage_price_month,
        coalesce(bucket_months.billing_currency, account_months.billing_currency)
            as billing_currency,
        coalesce(bucket_months.price_per_gb_month, account_months.price_per_gb_month)
            as storage_price_per_gb_month,
        coalesce(bucket_months.x_provider, bucket_accounts.x_provider, jobs.provider)
            as storage_provider
    from job_buckets
    inner join jobs
        on job_buckets.job_id = jobs.job_id
    left join bucket_months
        on job_buckets.storage_name = bucket_months.storage_name
        and bucket_months.month_rank = 1
    left join bucket_accounts
        on job_buckets.storage_name = bucket_accounts.storage_name
    left join account_months
        on bucket_accounts.x_provider = account_months.x_provider
        and bucket_accounts.sub_account_id = account_months.sub_account_id
        and account_months.month_rank = 1

),

{# The archive list price per GB (10^9 bytes)-month in USD, in the reporting currency at
    the as-of month's rate, and in the bill's currency through the reporting one. #}
archive_priced as (

    select
        priced.*,
        as_of.as_of_at,
        archive_prices.storage_class as archive_storage_class,
        archive_prices.price_per_unit_month / case
            when archive_prices.price_unit = 'GiB' then 1.073741824 else 1
        end as archive_price_usd,
        {{ mlcost.to_reporting_currency(
            'archive_prices.price_per_unit_month / case'
            ~ " when archive_prices.price_unit = 'GiB' then 1.073741824 else 1 end",
            "'USD'", 'usd_rates') }} as archive_price_in_reporting_currency,
        reporting_rates.rate_to_reporting as billing_rate_to_reporting
    from priced
    cross join as_of
    left join archive_prices
        on priced.storage_provider = archive_prices.provider
    {{ mlcost.join_reporting_rates('priced.billing_currency', 'as_of.as_of_at') }}
    {{ mlcost.join_reporting_rates("'USD'", 'as_of.as_of_at', 'usd_rates') }}

),

savings as (

    select
        archive_priced.*,
        case
            when billing_currency = 'USD' then archive_price_usd
            when billing_currency = {{ dbt.string_literal(mlcost.reporting_currency()) }}
                then archive_price_in_reporting_currency
            else archive_price_in_reporting_currency / billing_rate_to_reporting
        end as archive_price_per_gb_month,
        candidate_size_gb * storage_price_per_gb_month as monthly_delete_saving
    from archive_priced

),

final as (

    select
        {{ dbt.concat([
            "savings.job_id", "'|'", "coalesce(savings.storage_name, '')",
        ]) }} as checkpoint_retention_id,
        savings.job_id,
        savings.team,
        savings.user_email,
        savings.project,
        savings.model_name,
        savings.provider,
        savings.storage_name,
        savings.storage_resource_id,
        savings.sub_account_id,
        savings.as_of_at,
        cast(savings.candidate_checkpoint_count as {{ dbt.type_bigint() }})
            as candidate_checkpoint_count,
        cast(savings.candidate_size_gb as {{ mlcost.type_double() }}) as candidate_size_gb,
        savings.oldest_candidate_saved_at,
        savings.newest_candidate_saved_at,
        savings.price_basis,
        savings.storage_price_month,
        savings.billing_currency,
        cast(savings.storage_price_per_gb_month as {{ mlcost.type_double() }})
            as storage_price_per_gb_month,
        savings.archive_storage_class,
        cast(savings.archive_price_per_gb_month as {{ mlcost.type_double() }})
            as archive_price_per_gb_month,
        cast(savings.monthly_delete_saving as {{ mlcost.type_money() }})
            as monthly_delete_saving,
        cast(
            savings.candidate_size_gb
            * (savings.storage_price_per_gb_month - savings.archive_price_per_gb_month)
            as {{ mlcost.type_money() }}
        ) as monthly_archive_saving,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        {{ mlcost.to_reporting_currency(
            'savings.monthly_delete_saving', 'savings.billing_currency') }}
            as monthly_delete_saving_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'savings.candidate_size_gb * (savings.storage_price_per_gb_month'
            ~ ' - savings.archive_price_per_gb_month)',
            'savings.billing_currency') }}
            as monthly_archive_saving_in_reporting_currency
    from savings
    {{ mlcost.join_reporting_rates('savings.billing_currency', 'savings.as_of_at') }}

)

select * from final
