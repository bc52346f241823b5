{#- Each Azure export file and when it was written. Empty when no Azure export var is set. -#}
{%- set source_relation = source('azure_cost', 'export_files') %}
{%- set export_vars = [
    'mlcost_azure_ea_actual', 'mlcost_azure_ea_amortized',
    'mlcost_azure_mca_actual', 'mlcost_azure_mca_amortized',
] %}
{%- set ns = namespace(any=false) %}
{%- for name in export_vars if mlcost.source_is_configured(name) %}
    {%- set ns.any = true %}
{%- endfor %}
{%- if not ns.any %}

select
    cast(null as {{ dbt.type_string() }}) as x_source_file,
    cast(null as {{ dbt.type_timestamp() }}) as file_modified_at
where 1 = 0
{%- else %}

with source as (

    select * from {{ source_relation }}

),

final as (

    select
        cast(filename as {{ dbt.type_string() }}) as x_source_file,
        cast(last_modified as {{ dbt.type_timestamp() }}) as file_modified_at
    from source

)

select * from final
{%- endif %}
