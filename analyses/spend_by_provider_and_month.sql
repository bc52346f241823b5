-- Billed and effective spend per provider and billing month, the invoice view. It reads
-- the unified cost table's lines, which stay in the build database (the published BI
-- file holds them only where the project tags fct_cost_lines bi).
select
    x_provider,
    billing_period_start,
    billing_currency,
    sum(billed_cost) as billed_cost,
    sum(effective_cost) as effective_cost,
    count(*) as line_count
from {{ mlcost.unqualified_ref('fct_cost_lines') }}
group by 1, 2, 3
order by 1, 2
