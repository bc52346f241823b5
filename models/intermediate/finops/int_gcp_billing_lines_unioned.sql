{#- One GCP line set per billing account and invoice month. Per export, only the newest
    extract of a month counts (int_billing_delivery_files): a month extracted again and
    saved beside the old extract is read from the new one, not summed with it. A company
    may deliver the same month as several exports (the detailed and the standard table,
    or a flattened CSV of either): the first format of `mlcost_gcp_export_precedence` that
    has the month wins, so no charge is counted twice. The detailed export comes first by
    default, as it alone names resources. -#}
{%- set precedence = var('mlcost_gcp_export_precedence') %}
{%- set staged_columns = mlcost.gcp_billing_columns() | map(attribute='name') | list
    + mlcost.gcp_billing_staging_extra_columns() | map('first') | list
    + ['x_format_rank', 'x_delivery_key'] %}

with detailed as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('gcp', 'stg_gcp_billing__detailed_cost_lines') }}

),

standard as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('gcp', 'stg_gcp_billing__standard_cost_lines') }}

),

flat_csv as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('gcp', 'stg_gcp_billing__flat_csv_cost_lines') }}

),

delivery_files as (

    select * from {{ ref('int_billing_delivery_files') }}

),

detailed_counted as {{ mlcost.not_materialized() }} (

    {{ mlcost.delivery_selected_lines('gcp', 'detailed', 'delivery_files') }}

),

standard_counted as {{ mlcost.not_materialized() }} (

    {{ mlcost.delivery_selected_lines('gcp', 'standard', 'delivery_files') }}

),

flat_csv_counted as {{ mlcost.not_materialized() }} (

    {{ mlcost.delivery_selected_lines('gcp', 'flat_csv', 'delivery_files') }}

),

unioned as {{ mlcost.not_materialized() }} (

    select * from detailed_counted
    union all
    select * from standard_counted
    union all
    select * from flat_csv_counted

),

{{ mlcost.preferred_format_ctes(
    'gcp_', precedence, 'billing_account_id', 'invoice_month',
) }},

final as (

    select
        {#- Every staged column, the quarantine reason with the delivery's. #}
        -- noqa: disable=LT02
        {%- for column_name in staged_columns %}
        {%- if column_name == 'x_quarantine_reason' %}
        coalesce(
            preferred.x_quarantine_reason, preferred.x_delivery_quarantine_reason
        ) as x_quarantine_reason
        {%- else %}
        preferred.{{ column_name }}
        {%- endif %}
        {{- "," if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from preferred

)

select * from final
