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

ranked as (

    select
        unioned.*,
        case unioned.x_source_format
            {%- for source_format in precedence %}
            when 'gcp_{{ source_format }}' then {{ loop.index }}
            {%- endfor %}
            else {{ precedence | length + 1 }}
        end as x_format_rank,
        {#- A key, not a join on the two columns: quarantined rows may lack either. #}
        {{ dbt.concat([
            "coalesce(unioned.billing_account_id, '')", "'|'",
            "coalesce(unioned.invoice_month, '')",
        ]) }} as x_delivery_key
    from unioned

),

preferred_formats as (

    select
        x_delivery_key,
        min(x_format_rank) as x_format_rank
    from ranked
    group by 1

),

final as (

    select ranked.*
    from ranked
    inner join preferred_formats
        on ranked.x_delivery_key = preferred_formats.x_delivery_key
        and ranked.x_format_rank = preferred_formats.x_format_rank

)

select * from final
