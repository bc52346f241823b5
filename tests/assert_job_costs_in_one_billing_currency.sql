{#- Every job's attributed compute is billed in one currency, so the per-attempt and
    per-job marts (one row per attempt, per job) can carry one billing_currency beside
    billed_cost instead of adding two currencies. A failing row is a job whose nodes were
    billed in several currencies (one cloud account billed in EUR, another in USD): its
    reporting-currency amounts are right, its billing amounts would mix currencies, so
    the build stops before those marts. -#}
with attributed as (

    select * from {{ ref('int_attempt_node_days_costed') }}

),

final as (

    select
        job_id,
        count(distinct billing_currency) as billing_currency_count,
        min(billing_currency) as first_billing_currency,
        max(billing_currency) as last_billing_currency
    from attributed
    group by job_id
    having count(distinct billing_currency) > 1

)

select * from final
