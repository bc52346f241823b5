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
