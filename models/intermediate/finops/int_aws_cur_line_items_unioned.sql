{#- One CUR line set per payer account and billing period. Per format, only the newest
    delivery of a period counts (int_billing_delivery_files). A company may deliver the same
    period in several formats (during a move from legacy CUR to CUR 2.0, or our sample,
    which writes all three): the first format of `mlcost_aws_format_precedence` that has the
    period wins, so no line is counted twice. Within that format a line id delivered twice
    for the same time interval (identity/LineItemId + identity/TimeInterval) counts once: the
    second occurrence is quarantined as a duplicate, with its own key. -#}
{%- set precedence = var('mlcost_aws_format_precedence') %}
{%- set staged_columns = mlcost.aws_cur_columns() | map(attribute='name') | list
    + mlcost.aws_cur_staging_extra_columns() | map('first') | list
    + ['x_format_rank', 'x_delivery_key'] %}

with legacy_csv as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('aws', 'stg_aws_cur__legacy_csv_line_items') }}

),

legacy_parquet as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('aws', 'stg_aws_cur__legacy_parquet_line_items') }}

),

cur2 as {{ mlcost.not_materialized() }} (

    {{ mlcost.staged_lines_to_map('aws', 'stg_aws_cur__cur2_line_items') }}

),

delivery_files as (

    select * from {{ ref('int_billing_delivery_files') }}

),

{# Per format, payer and period only the newest delivery counts (an assembly folder,
    the one the period manifest names first; a parquet partition folder): macros/deliveries.sql. #}
legacy_csv_counted as {{ mlcost.not_materialized() }} (

    {{ mlcost.delivery_selected_lines('aws', 'legacy_csv', 'delivery_files') }}

),

legacy_parquet_counted as {{ mlcost.not_materialized() }} (

    {{ mlcost.delivery_selected_lines('aws', 'legacy_parquet', 'delivery_files') }}

),

cur2_counted as {{ mlcost.not_materialized() }} (

    {{ mlcost.delivery_selected_lines('aws', 'cur2', 'delivery_files') }}

),

unioned as {{ mlcost.not_materialized() }} (

    select * from legacy_csv_counted
    union all
    select * from legacy_parquet_counted
    union all
    select * from cur2_counted

),

{{ mlcost.preferred_format_ctes(
    'aws_', precedence, 'bill_payer_account_id', 'bill_billing_period_start_date',
) }},

{# Only the few keys delivered twice are numbered: a window over every line would sort
    all of them for nothing. #}
duplicated_line_keys as (

    select x_line_key
    from preferred
    group by 1
    having count(*) > 1

),

numbered as (

    select
        preferred.*,
        1 as x_line_occurrence
    from preferred
    left join duplicated_line_keys
        on preferred.x_line_key = duplicated_line_keys.x_line_key
    where duplicated_line_keys.x_line_key is null
    union all
    select
        preferred.*,
        row_number() over (
            partition by preferred.x_line_key
            order by
                {#- A repeated file's lines come last: the original keeps the key. #}
                case
                    when preferred.x_delivery_quarantine_reason is null then 0 else 1
                end,
                preferred.x_source_file,
                preferred.line_item_unblended_cost,
                preferred.line_item_usage_amount,
                preferred.tags
        ) as x_line_occurrence
    from preferred
    inner join duplicated_line_keys
        on preferred.x_line_key = duplicated_line_keys.x_line_key

),

final as (

    select
        {#- Generated column list (every staged column, two rewritten): SQLFluff cannot
            place the indentation of the loop's output, so LT02 is off for it. #}
        -- noqa: disable=LT02
        {%- for column_name in staged_columns %}
        {%- if column_name == 'x_line_key' %}
        case
            when numbered.x_line_occurrence = 1 then numbered.x_line_key
            else {{ dbt.concat([
                "numbered.x_line_key", "'|duplicate|'",
                "cast(numbered.x_line_occurrence as " ~ dbt.type_string() ~ ")",
            ]) }}
        end as x_line_key
        {%- elif column_name == 'x_quarantine_reason' %}
        coalesce(
            numbered.x_quarantine_reason,
            numbered.x_delivery_quarantine_reason,
            case
                when numbered.x_line_occurrence > 1
                    then {{ dbt.concat([
                        "'duplicate line id: '",
                        "coalesce(numbered.identity_line_item_id, '')",
                    ]) }}
            end
        ) as x_quarantine_reason
        {%- else %}
        numbered.{{ column_name }}
        {%- endif %}
        {{- "," if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from numbered

)

select * from final
