-- What stale storage can I delete with confidence, and how much would it save? Stale
-- storage of the latest month, per confidence (high: the job contract or the disk's name
-- tie it to a machine that stopped; medium: tags, billed lifetimes or job URIs; low:
-- nothing ties it, check it first) and evidence: the resources, their stale days, what
-- they cost that month while stale and a month's saving at that rate (the stale cost
-- over the stale days, times 30). (`dbt compile` renders it; run it in any SQL client, on
-- the build database or the published BI file.)
with findings as (

    select * from {{ mlcost.unqualified_ref('rpt_idle_and_orphaned_resources') }}
    where finding = 'stale_storage'

),

latest_month as (

    select max(usage_month) as usage_month
    from findings

),

by_confidence as (

    select
        findings.confidence,
        findings.evidence,
        findings.reporting_currency,
        count(*) as stale_resources,
        sum(findings.stale_days) as stale_days,
        sum(findings.finding_billed_cost_in_reporting_currency) as stale_cost,
        sum(
            findings.finding_billed_cost_in_reporting_currency
            / findings.stale_days * 30
        ) as monthly_saving
    from findings
    inner join latest_month
        on findings.usage_month = latest_month.usage_month
    group by
        findings.confidence,
        findings.evidence,
        findings.reporting_currency

)

select
    confidence,
    evidence,
    reporting_currency,
    stale_resources,
    stale_days,
    stale_cost,
    monthly_saving
from by_confidence
order by
    case confidence when 'high' then 1 when 'medium' then 2 else 3 end,
    monthly_saving desc
