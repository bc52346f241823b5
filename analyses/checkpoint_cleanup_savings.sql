-- Which teams' old checkpoints cost the most to keep, and what would deleting or
-- archiving them save a month? Candidates per team and bucket (beyond each job's newest
-- mlcost_checkpoints_keep, older than mlcost_checkpoint_archive_days, never one a retry
-- resumed from), in the reporting currency: one select from the retention mart.
-- (`dbt compile` renders it; run it in any SQL client, on the build database or the
-- published BI file.)
with retention as (

    select * from {{ mlcost.unqualified_ref('rpt_checkpoint_retention_savings') }}

)

select
    team,
    storage_name,
    price_basis,
    reporting_currency,
    count(*) as job_count,
    sum(candidate_checkpoint_count) as candidate_checkpoint_count,
    sum(candidate_size_gb) as candidate_size_gb,
    sum(monthly_delete_saving_in_reporting_currency)
        as monthly_delete_saving_in_reporting_currency,
    sum(monthly_archive_saving_in_reporting_currency)
        as monthly_archive_saving_in_reporting_currency
from retention
group by team, storage_name, price_basis, reporting_currency
order by monthly_delete_saving_in_reporting_currency desc
