{#- The export run a delivered Azure file belongs to. Cost Management exports with file
    partitioning (and the manifest-based exports) write each run as part files in a run
    folder, `<export>/<YYYYMMDD-YYYYMMDD>/<run id>/part_<n>_<nnnn>.csv`: the run is that
    folder. A classic export writes one file per run, `<export>/<YYYYMMDD-YYYYMMDD>/<name>.csv`:
    the file is its own run. -#}
{% macro azure_export_run(path_expression) %}
    case
        when substr(
            {{ path_expression }},
            length({{ mlcost.path_dirname(path_expression) }}) + 2
        ) like 'part\_%' escape '\'
            then {{ mlcost.path_dirname(path_expression) }}
        else {{ path_expression }}
    end
{%- endmacro %}


{#- Staging of an export-files source (read_blob over the export vars: file names and
    modification times, content not read). Empty when none of the vars is set. -#}
{% macro export_files_staging(source_relation, export_vars) %}
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
{%- endmacro %}

