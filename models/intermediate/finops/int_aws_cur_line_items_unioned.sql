{#- One CUR line set per payer account and billing period. A company may deliver the same
    period in several formats (during a move from legacy CUR to CUR 2.0, or our sample,
    which writes all three): the first format of `mlcost_aws_format_precedence` that has the
    period wins, so no line is counted twice. -#}
{%- set precedence = var('mlcost_aws_format_precedence') %}

with legacy_csv_delivered as (

    select * from {{ ref('stg_aws_cur__legacy_csv_line_items') }}

),

manifests as (

    select * from {{ ref('stg_aws_cur__legacy_manifests') }}

),

legacy_csv as (

    {#- AWS rewrites an open month into a new assembly folder and points the period's
        manifest at it; older assemblies stay in the bucket. A file in a period folder
        with a manifest counts only if it is in the assembly the manifest names; files of
        periods without a manifest (or no manifests configured) all count. #}
    select legacy_csv_delivered.*
    from legacy_csv_delivered
    left join manifests as period_manifests
        on {{ mlcost.path_dirname(mlcost.path_dirname('legacy_csv_delivered.x_source_file')) }}
        = period_manifests.period_folder
    where
        period_manifests.period_folder is null
        or {{ mlcost.path_dirname('legacy_csv_delivered.x_source_file') }}
        = period_manifests.assembly_folder

),

legacy_parquet as (

    select * from {{ ref('stg_aws_cur__legacy_parquet_line_items') }}

),

cur2 as (

    select * from {{ ref('stg_aws_cur__cur2_line_items') }}

),

unioned as (

    select * from legacy_csv
    union all
    select * from legacy_parquet
    union all
    select * from cur2

),

ranked as (

    select
        unioned.*,
        case unioned.x_source_format
            {%- for source_format in precedence %}
            when 'aws_{{ source_format }}' then {{ loop.index }}
            {%- endfor %}
            else {{ precedence | length + 1 }}
        end as x_format_rank,
        {#- A key, not a join on the two columns: quarantined rows may lack either. #}
        {{ dbt.concat([
            "coalesce(unioned.bill_payer_account_id, '')", "'|'",
            "coalesce(cast(unioned.bill_billing_period_start_date as " ~ dbt.type_string() ~ "), '')",
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
