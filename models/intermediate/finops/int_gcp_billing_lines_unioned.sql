{#- One GCP line set per billing account and invoice month. A company may deliver the
    same month as several exports (the detailed and the standard table, or a flattened CSV
    of either): the first format of `mlcost_gcp_export_precedence` that has the month
    wins, so no charge is counted twice. The detailed export comes first by default, as
    it alone names resources. -#}
{%- set precedence = var('mlcost_gcp_export_precedence') %}

with detailed as (

    select * from {{ ref('stg_gcp_billing__detailed_cost_lines') }}

),

standard as (

    select * from {{ ref('stg_gcp_billing__standard_cost_lines') }}

),

flat_csv as (

    select * from {{ ref('stg_gcp_billing__flat_csv_cost_lines') }}

),

unioned as (

    select * from detailed
    union all
    select * from standard
    union all
    select * from flat_csv

),

{{ mlcost.preferred_format_ctes(
    'gcp_', precedence, 'billing_account_id', 'invoice_month',
) }},

final as (

    select * from preferred

)

select * from final
