{#- Every provider's FOCUS-mapped lines on one column list (macro focus_columns), with
    their tags normalized (seed tag_aliases: keys lowercased, `-`/space/`:` as `_`, `user:`
    prefix dropped, aliases folded onto one canonical key) into x_tags_normalized, the
    canonical tags mlcost reads lifted into x_tag_ columns, and the region placed on the
    seed regions. Quarantined lines are still here (x_quarantine_reason set): the marts
    split them off, so the two always add up to what came in. A line whose billing
    currency is not an ISO 4217 code (seed iso_4217_currencies) is quarantined here, for
    every provider at once. -#}
{#- A table, not the folder's view: fct_cost_lines, the quarantine, job attribution and
    the governance models all read it; as a view, each would union and normalize the tags
    again. Incremental by billing period (macros/incremental_periods.sql): a nightly run
    rebuilds only the periods whose staged files changed, and the views it reads map only
    those periods' staged lines (staged_lines_to_map). -#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook=[
        "{{ mlcost.delete_rebuilt_cost_periods(ref('int_billing_delivery_files')) }}",
        "{{ mlcost.set_kept_cost_periods(ref('int_billing_delivery_files')) }}",
    ],
    post_hook="{{ mlcost.reset_kept_cost_periods() }}",
) }}
{%- set periods = mlcost.cost_periods_to_rebuild(ref('int_billing_delivery_files')) %}
{%- set tag_columns = ['team', 'project', 'owner', 'environment', 'cost_center', 'job_id'] %}

with all_lines as {{ mlcost.not_materialized() }} (

    {{ mlcost.union_focus_relations([
        ref('int_aws_cost_lines_mapped'),
        ref('int_azure_cost_lines_mapped'),
        ref('int_gcp_cost_lines_mapped'),
        ref('int_focus_cost_lines_mapped'),
    ]) }}

),

period_inputs as (

    {{ mlcost.period_inputs_hashes(ref('int_billing_delivery_files')) }}

),

{# The hash of the files a period is built from (macros/incremental_periods.sql). #}
lines_hashed as {{ mlcost.not_materialized() }} (

    select
        all_lines.*,
        period_inputs.x_period_inputs_hash
    from all_lines
    left join period_inputs
        on all_lines.x_provider = period_inputs.x_provider
        and all_lines.billing_period_start = period_inputs.billing_period_start

),

unioned as {{ mlcost.not_materialized() }} (

    select * from lines_hashed
    where {{ mlcost.in_cost_periods('lines_hashed', periods) }}

),

tag_aliases as (

    select * from {{ ref('tag_aliases') }}

),

regions as (

    select * from {{ ref('regions') }}

),

currencies as (

    select * from {{ ref('iso_4217_currencies') }}

),

{# Tags are normalized once per distinct tags text, not per line: the lines of one
    resource repeat the same tags, so this is a small fraction of the lines. #}
distinct_tags as (

    select distinct tags
    from unioned
    where tags is not null

),

tag_entries as (

    {{ mlcost.json_object_entries('distinct_tags', 'tags') }}

),

tag_keys_normalized as (

    select
        tags,
        tag_key,
        tag_value,
        {{ mlcost.normalized_tag_key('tag_key') }} as normalized_key
    from tag_entries
    where tag_value is not null and trim(tag_value) != ''

),

tag_keys_aliased as (

    {#- Two spellings of one tag on a line (in one tags text) (team and team_name): the one already
        canonical wins, then the first key in sort order, so the choice is stable. #}
    select
        tag_keys_normalized.tags,
        tag_keys_normalized.tag_value,
        coalesce(tag_aliases.canonical_key, tag_keys_normalized.normalized_key)
            as canonical_key,
        row_number() over (
            partition by
                tag_keys_normalized.tags,
                coalesce(tag_aliases.canonical_key, tag_keys_normalized.normalized_key)
            order by
                case when tag_aliases.canonical_key is null then 0 else 1 end,
                tag_keys_normalized.tag_key
        ) as spelling_rank
    from tag_keys_normalized
    left join tag_aliases
        on tag_keys_normalized.normalized_key = tag_aliases.tag_key

),

tags_normalized as (

    select
        tags,
        {{ mlcost.json_object_agg('canonical_key', 'tag_value') }} as x_tags_normalized
    from tag_keys_aliased
    where spelling_rank = 1
    group by tags

),

final as (

    select
        {%- for column_spec in mlcost.focus_columns() %}
        {%- if column_spec.name == 'x_quarantine_reason' %}
        coalesce(
            unioned.x_quarantine_reason,
            case
                when unioned.billing_currency is null then 'missing billing_currency'
                when currencies.currency_code is null
                    then {{ dbt.concat(["'unknown currency: '", "unioned.billing_currency"]) }}
            end
        ) as x_quarantine_reason,
        {%- elif column_spec.name == 'pricing_currency_effective_cost' %}
        {#- Costs are in the billing currency unless the export gives the pricing one. #}
        coalesce(
            unioned.pricing_currency_effective_cost,
            case
                when unioned.pricing_currency = unioned.billing_currency
                    then unioned.effective_cost
            end
        ) as pricing_currency_effective_cost,
        {%- else %}
        unioned.{{ column_spec.name }},
        {%- endif %}
        {%- endfor %}
        regions.canonical_region as x_region_canonical,
        regions.geography as x_geography,
        coalesce(tags_normalized.x_tags_normalized, '{}') as x_tags_normalized,
        unioned.x_period_inputs_hash,
        {#- Generated columns: the indentation is mlcost.json_text's, which SQLFluff
            cannot fix here, so LT02 (layout.indent) is off for them. #}
        -- noqa: disable=LT02
        {%- for tag_name in tag_columns %}
        {{ mlcost.json_text('tags_normalized.x_tags_normalized', tag_name) }}
        as x_tag_{{ tag_name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    -- noqa: enable=LT02
    from unioned
    left join tags_normalized
        on unioned.tags = tags_normalized.tags
    left join regions
        on unioned.x_provider = regions.provider
        and lower(unioned.region_id) = regions.region_id
    left join currencies
        on unioned.billing_currency = currencies.currency_code

)

select * from final
