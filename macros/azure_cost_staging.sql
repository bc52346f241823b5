{#- The four Azure cost details exports (EA and MCA, actual and amortized) share one body:
    they differ in column spelling, which the spec's aliases absorb, and in what their
    costs mean, which the source format records for the intermediate layer.
    Slashed dates read in the day/month order decided per file (macros/date_order.sql, var
    mlcost_azure_date_order). A line of a file that mixes both orders, dated outside its
    billing period or outside its export folder's date range is quarantined with the date,
    the period and the file in the reason; its date is kept as read, never moved. -#}
{% macro azure_cost_staging(var_name, source_format, source_relation) %}
{%- set spec = mlcost.azure_cost_columns() %}
{%- set source_relation = mlcost.export_relation_to_stage(var_name, source_relation) %}
{%- set extra_columns = [
    ('x_source_format', 'string'), ('x_source_file', 'string'),
    ('x_date_order', 'string'), ('x_date_order_basis', 'string'),
    ('x_line_key', 'string'), ('x_quarantine_reason', 'string'),
] %}
{%- set stand_in = mlcost.stand_in_staging_select(
    spec, extra_columns, var_name, source_format, source_relation) %}
{%- if stand_in %}
{{ stand_in }}
{%- else %}
{%- set source_columns = mlcost.get_source_columns(source_relation) %}
{%- set date_columns = spec | selectattr('type', 'equalto', 'timestamp')
    | map(attribute='name') | list %}
{%- set day_first = "hashed.x_date_order = 'day_first'" %}

with source as (

    select * from {{ source_relation }}

),

delivered as (

    select
        {{ mlcost.select_raw_columns(source_columns, spec, source_format ~ " export at " ~ var(var_name)) }},
        cast(filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

{{ mlcost.date_order_ctes(
    'delivered', 'raw', date_columns, 'charge_date', 'mlcost_azure_date_order') }},

{#- No line id: keyed by values and occurrence (macros/row_keys.sql). #}
{{ mlcost.keyed_lines_from_raw(
    spec, source_format,
    extra_columns=['x_date_order', 'x_date_order_basis'],
    first_reason=mlcost.date_order_conflict_reason('hashed', 'mlcost_azure_date_order'),
    extra_reason=mlcost.azure_date_outside_reason('hashed', day_first),
    day_first=day_first,
) }}
{%- endif %}
{% endmacro %}


{#- Why an Azure line's date cannot be booked as delivered: outside the billing period its
    billing-period columns name (end day included), else outside the date range of its
    export folder (`<export>/<YYYYMMDD-YYYYMMDD>/...`); null otherwise. -#}
{% macro azure_date_outside_reason(relation, day_first) %}
    {%- set charge_date = mlcost.parse_utc_timestamp(relation ~ '.charge_date', day_first) %}
    coalesce(
        {{ mlcost.date_outside_range_reason(
            charge_date,
            mlcost.parse_utc_timestamp(relation ~ '.billing_period_start_date', day_first),
            mlcost.parse_utc_timestamp(relation ~ '.billing_period_end_date', day_first),
            'billing period', relation ~ '.x_source_file') }},
        {{ mlcost.date_outside_range_reason(
            charge_date,
            relation ~ '.x_date_folder_start',
            relation ~ '.x_date_folder_end',
            "the export folder's date range", relation ~ '.x_source_file') }}
    )
{%- endmacro %}
