-- Which finished jobs ran on more GPU than their work needed, what should they have run on,
-- and what would each have saved? One select from the right-sizing mart: the candidates,
-- largest saving first (in the reporting currency), with the rule's inputs and whether the
-- price of the recommendation comes from the same bill or from the reference prices.
-- (`dbt compile` renders it; run it in any SQL client, on the build database or the
-- published BI file.)
with rightsizing as (

    select * from {{ mlcost.unqualified_ref('rpt_ml_rightsizing_opportunities') }}

)

select
    job_id,
    job_name,
    team,
    job_type,
    instance_type,
    gpu_count,
    gpu_utilization_pct,
    gpu_memory_peak_gb,
    needed_gpu_count,
    rightsizing_kind,
    recommended_instance_type,
    recommended_node_count,
    price_basis,
    billing_currency,
    effective_cost,
    estimated_effective_cost,
    rightsizing_saving,
    reporting_currency,
    rightsizing_saving_in_reporting_currency
from rightsizing
where rightsizing_status = 'candidate'
order by rightsizing_saving_in_reporting_currency desc nulls last, job_id asc
