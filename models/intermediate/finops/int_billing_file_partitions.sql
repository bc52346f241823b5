{#- Per staged file, each billing account and period it holds lines for: the lines, their
    billed cost and a fingerprint of their values, which is what the delivery model
    (int_billing_delivery_files) compares. Lines without an account or period are not
    here (they always count). -#}
{#- Incremental by file, as billing staging is (macros/incremental_exports.sql): a run
    summarizes only the files staged since the last one (new, or rewritten: another
    modification time) and first deletes the summaries of files rewritten or gone, so
    the delivery model reads a table of one row per file and period instead of every
    staged line. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ mlcost.delete_resummarized_files() }}",
) }}
{%- set is_incremental_run = mlcost.is_incremental_run('x_source_file_modified_at') %}

with delivered_lines as (

    {{ mlcost.all_delivery_lines() }}

),

{% if is_incremental_run -%}
summarized_files as (

    select distinct
        x_source_file,
        x_source_file_modified_at
    from {{ this }}

),

{% endif -%}
lines_to_summarize as (

    select delivered_lines.*
    from delivered_lines
    {%- if is_incremental_run %}
    left join summarized_files
        on delivered_lines.x_source_file = summarized_files.x_source_file
        and delivered_lines.x_source_file_modified_at
        = summarized_files.x_source_file_modified_at
    where summarized_files.x_source_file is null
    {%- endif %}

),

final as (

    select
        x_provider,
        x_provider_name,
        x_export,
        x_source_format,
        x_source_file,
        x_source_file_modified_at,
        x_delivery,
        billing_account_id,
        billing_period_start,
        {#- A FOCUS file is dated from the FOCUS export's files, not the cloud's. #}
        case when x_export = 'focus' then 'focus' else x_provider end as x_files_source,
        count(*) as line_count,
        sum(billed_cost) as billed_cost,
        {#- the file's one billing currency for the period; null when it bills in several #}
        case
            when count(distinct billing_currency) = 1
                and count(billing_currency) = count(*)
                then max(billing_currency)
        end as billing_currency,
        {{ mlcost.unordered_fingerprint('x_line_value_key') }} as x_lines_fingerprint
    from lines_to_summarize
    group by 1, 2, 3, 4, 5, 6, 7, 8, 9, 10

)

select * from final
