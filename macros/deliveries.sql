{#- Deliveries: one rule for every provider (int_billing_delivery_files). A delivery is
    what the provider writes at once: an AWS legacy CUR assembly folder, a CUR 2.0 or
    Athena parquet partition folder, a GCP extract (one file, or the shards of one
    wildcard extract), an Azure export run, a FOCUS delivery folder. Per export, provider,
    billing account and billing period the newest delivery counts; older ones are
    superseded, never summed. -#}

{#- How each provider's staged lines name the unit deliveries compete in: the export
    (`x_export`: the source format; FOCUS files of any format compete as one `focus`
    export), the provider (FOCUS: ProviderName), the billing account and the billing
    period start (a timestamp), and the delivery the line's file belongs to. Expressions
    over `relation`; shared by the delivery model and the filters below, so both key a
    line the same way. -#}
{% macro delivery_keys(provider, relation) %}
    {%- set file = relation ~ '.x_source_file' %}
    {%- if provider == 'aws' %}
        {%- set keys = {
            'provider': "'aws'",
            'export': relation ~ '.x_source_format',
            'provider_name': "'aws'",
            'account': relation ~ '.bill_payer_account_id',
            'period': 'cast(' ~ relation ~ '.bill_billing_period_start_date as '
                ~ dbt.type_timestamp() ~ ')',
            'delivery': mlcost.path_dirname(file),
            'billed_cost': relation ~ '.line_item_unblended_cost',
            'currency': relation ~ '.line_item_currency_code',
        } %}
    {%- elif provider == 'gcp' %}
        {%- set keys = {
            'provider': "'gcp'",
            'export': relation ~ '.x_source_format',
            'provider_name': "'gcp'",
            'account': relation ~ '.billing_account_id',
            'period': mlcost.gcp_invoice_month_start(relation ~ '.invoice_month'),
            'delivery': mlcost.gcp_extract(file),
            'billed_cost': relation ~ '.cost + ' ~ relation ~ '.credits_amount',
            'currency': relation ~ '.currency',
        } %}
    {%- elif provider == 'azure' %}
        {#- Exports without a billing account column (pre-2020 usage details) bill to
            their subscription; some MCA exports leave the period empty (calendar months). #}
        {%- set keys = {
            'provider': "'azure'",
            'export': relation ~ '.x_source_format',
            'provider_name': "'azure'",
            'account': 'coalesce(' ~ relation ~ '.billing_account_id, '
                ~ relation ~ '.subscription_id)',
            'period': 'cast(coalesce(' ~ relation ~ '.billing_period_start_date, '
                ~ dbt.date_trunc('month', relation ~ '.charge_date') ~ ') as '
                ~ dbt.type_timestamp() ~ ')',
            'delivery': mlcost.azure_export_run(file),
            'billed_cost': relation ~ '.cost_in_billing_currency',
            'currency': relation ~ '.billing_currency',
        } %}
    {%- elif provider == 'focus' %}
        {%- set keys = {
            'provider': mlcost.focus_provider(relation ~ '.provider_name'),
            'export': "'focus'",
            'provider_name': relation ~ '.provider_name',
            'account': relation ~ '.billing_account_id',
            'period': 'cast(' ~ relation ~ '.billing_period_start as '
                ~ dbt.type_timestamp() ~ ')',
            'delivery': mlcost.path_dirname(file),
            'billed_cost': relation ~ '.billed_cost',
            'currency': relation ~ '.billing_currency',
        } %}
    {%- else %}
        {{ exceptions.raise_compiler_error("mlcost.delivery_keys: unknown provider " ~ provider) }}
    {%- endif %}
    {{ return(keys) }}
{%- endmacro %}


{#- One row per staged line with its delivery keys, billed cost and the value key of the
    line (the hash its staging key starts with, without the occurrence number), for the
    delivery model. Lines without an account or a period are left out: they are never
    superseded (staging quarantines them). -#}
{% macro delivery_lines(provider, relation, alias=none) %}
    {%- set keys = mlcost.delivery_keys(provider, alias or relation) %}
    select
        {{ keys.provider }} as x_provider,
        {{ keys.provider_name }} as x_provider_name,
        {{ keys.export }} as x_export,
        {{ alias or relation }}.x_source_format,
        {{ alias or relation }}.x_source_file,
        {{ alias or relation }}.x_source_file_modified_at,
        {{ keys.delivery }} as x_delivery,
        {{ keys.account }} as billing_account_id,
        {{ keys.period }} as billing_period_start,
        cast({{ keys.billed_cost }} as {{ mlcost.type_money() }}) as billed_cost,
        {{ keys.currency }} as billing_currency,
        {{ dbt.split_part((alias or relation) ~ '.x_line_key', "'|'", 1) }} as x_line_value_key
    from {{ relation }}{{ ' as ' ~ alias if alias }}
    where {{ keys.account }} is not null
        and {{ keys.period }} is not null
{%- endmacro %}


{#- Every billing export's staging model, with the provider whose delivery keys it takes:
    the one list the delivery model and the test of what it left out read, so neither can
    miss an export. -#}
{% macro billing_staging_models() %}
    {{ return([
        ('aws', 'stg_aws_cur__legacy_csv_line_items'),
        ('aws', 'stg_aws_cur__legacy_parquet_line_items'),
        ('aws', 'stg_aws_cur__cur2_line_items'),
        ('gcp', 'stg_gcp_billing__detailed_cost_lines'),
        ('gcp', 'stg_gcp_billing__standard_cost_lines'),
        ('gcp', 'stg_gcp_billing__flat_csv_cost_lines'),
        ('azure', 'stg_azure_cost__ea_actual_cost_lines'),
        ('azure', 'stg_azure_cost__ea_amortized_cost_lines'),
        ('azure', 'stg_azure_cost__mca_actual_cost_lines'),
        ('azure', 'stg_azure_cost__mca_amortized_cost_lines'),
        ('focus', 'stg_focus__csv_cost_lines'),
        ('focus', 'stg_focus__parquet_cost_lines'),
    ]) }}
{% endmacro %}


{#- delivery_lines of every billing staging model, one union. -#}
{% macro all_delivery_lines() %}
    {%- for provider, model in mlcost.billing_staging_models() %}
    {{ mlcost.delivery_lines(provider, ref(model), alias=model) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}


{#- The staged lines of `lines_relation` (one provider's staging model, or a CTE over it)
    whose delivery counts (`status='counted'`: the newest delivery of their export,
    provider, account and period, and every line without an account or period) or was
    superseded (`status='superseded'`), with the delivery's quarantine reason for the
    line (`x_delivery_quarantine_reason`: a file repeating another file of its delivery).
    Used by every provider's union and by the reconciliation tests, so both select the
    same lines. -#}
{% macro delivery_selected_lines(provider, lines_relation, delivery_files_relation, status='counted') %}
    {%- set keys = mlcost.delivery_keys(provider, 'delivered') %}
    select
        delivered.*,
        delivery_files.x_delivery_quarantine_reason
    from {{ lines_relation }} as delivered
    left join {{ delivery_files_relation }} as delivery_files
        on delivered.x_source_file = delivery_files.x_source_file
        and {{ keys.export }} = delivery_files.x_export
        and {{ keys.provider_name }} = delivery_files.x_provider_name
        and {{ keys.account }} = delivery_files.billing_account_id
        and {{ keys.period }} = delivery_files.billing_period_start
    {%- if status == 'counted' %}
    where delivery_files.x_source_file is null or delivery_files.is_counted
    {%- elif status == 'superseded' %}
    where not delivery_files.is_counted
    {%- else %}
    {{ exceptions.raise_compiler_error("mlcost.delivery_selected_lines: status is counted or superseded") }}
    {%- endif %}
{%- endmacro %}


{#- The first day of a GCP invoice month (`YYYYMM`) as a timestamp; null if it is not one. -#}
{% macro gcp_invoice_month_start(expression) %}
    {{- mlcost.try_cast(dbt.concat([
        'substr(' ~ expression ~ ', 1, 4)', "'-'",
        'substr(' ~ expression ~ ', 5, 2)', "'-01'",
    ]), dbt.type_timestamp()) -}}
{%- endmacro %}


{#- The cloud a FOCUS line's ProviderName names: aws, gcp, azure, else other. -#}
{% macro focus_provider(expression) %}
    case
        when lower({{ expression }}) like '%amazon%'
            or lower({{ expression }}) like 'aws%' then 'aws'
        when lower({{ expression }}) like '%google%'
            or lower({{ expression }}) like 'gcp%' then 'gcp'
        when lower({{ expression }}) like '%microsoft%'
            or lower({{ expression }}) like '%azure%' then 'azure'
        else 'other'
    end
{%- endmacro %}


{#- The GCP extract a file belongs to. BigQuery's wildcard extract (`gs://b/name-*.json`)
    writes one extract as shards numbered in twelve digits (`name-000000000000.json`,
    `name-000000000001.json`): the extract is the path with that number as `*`. Any other
    file is an extract of its own. -#}
{% macro gcp_extract(expression) %}
    {{ return(adapter.dispatch('gcp_extract', 'mlcost')(expression)) }}
{% endmacro %}

{% macro default__gcp_extract(expression) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: gcp_extract has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__gcp_extract in macros/deliveries.sql") }}
{% endmacro %}

{#- DuckDB: regexp_replace (RE2; no look-behind, so the character before the number is
    captured and put back). The number must be the file name's, not a folder's. -#}
{% macro duckdb__gcp_extract(expression) %}
    regexp_replace(
        {{ expression }}, '([^0-9])[0-9]{12}([^0-9/][^/]*)?$', '\1*\2'
    )
{%- endmacro %}


{#- An order-independent fingerprint of the values of `expression` over a group (with
    their multiplicity): two files with the same fingerprint, line count and cost hold
    the same lines. -#}
{% macro unordered_fingerprint(expression) %}
    {{ return(adapter.dispatch('unordered_fingerprint', 'mlcost')(expression)) }}
{% endmacro %}

{% macro default__unordered_fingerprint(expression) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: unordered_fingerprint has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__unordered_fingerprint in macros/deliveries.sql") }}
{% endmacro %}

{#- DuckDB: the sum of the values' 64-bit hashes (a hugeint, so it cannot overflow). -#}
{% macro duckdb__unordered_fingerprint(expression) %}
    cast(sum(hash({{ expression }})) as {{ dbt.type_string() }})
{%- endmacro %}


{#- Pre-hook of int_billing_file_partitions: delete the summaries of files no longer
    staged with the modification time they were summarized with (rewritten or gone). -#}
{% macro delete_resummarized_files() %}
    {%- if not mlcost.is_incremental_run('x_source_file_modified_at') %}{{ return('') }}{% endif %}
    delete from {{ this }}
    where not exists (
        select 1
        from (
            {%- for provider, model in mlcost.billing_staging_models() %}
            select distinct x_source_file, x_source_file_modified_at from {{ ref(model) }}
            {%- if not loop.last %}
            union
            {%- endif %}
            {%- endfor %}
        ) as staged_files
        where staged_files.x_source_file = {{ this }}.x_source_file
            and staged_files.x_source_file_modified_at = {{ this }}.x_source_file_modified_at
    )
{% endmacro %}
