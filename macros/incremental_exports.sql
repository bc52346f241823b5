{#- Nightly builds read only what is new. A billing export's staging model is a table
    that grows by file: a run lists the export's files (name, size and modification time,
    no content read), reads only the files that are new or were rewritten since they were
    staged, and first deletes the lines of files rewritten or gone. A full refresh (or the
    first run) reads every file. Each staged line keeps its file's modification time
    (x_source_file_modified_at), which is how the next run knows what it already has. -#}

{#- Config of a billing export's staging model (one line in each model). on_schema_change
    'fail': after an mlcost upgrade that changes staging columns, dbt says to run with
    --full-refresh instead of mixing old and new rows. -#}
{% macro export_staging_config(var_name) %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'on_schema_change': 'fail',
        'pre_hook': "{{ mlcost.delete_restaged_files('" ~ var_name ~ "') }}",
    }) }}
{% endmacro %}


{#- The export's files now: path, size in bytes, modification time (content not read).
    An unset var lists nothing. -#}
{% macro export_file_listing(var_name) %}
    {{ return(adapter.dispatch('export_file_listing', 'mlcost')(var_name)) }}
{% endmacro %}

{% macro default__export_file_listing(var_name) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: staging billing exports from files needs a file listing, which mlcost has"
        ~ " for DuckDB only. Where the exports are warehouse tables, override the sources"
        ~ " and materialize staging as views.") }}
{% endmacro %}

{% macro duckdb__export_file_listing(var_name) %}
    {%- if not mlcost.source_is_configured(var_name) %}
    select
        cast(null as {{ dbt.type_string() }}) as x_source_file,
        cast(null as {{ dbt.type_bigint() }}) as x_source_file_bytes,
        cast(null as {{ dbt.type_timestamp() }}) as x_source_file_modified_at
    where 1 = 0
    {%- else %}
    select
        cast(filename as {{ dbt.type_string() }}) as x_source_file,
        cast(size as {{ dbt.type_bigint() }}) as x_source_file_bytes,
        cast(last_modified as {{ dbt.type_timestamp() }}) as x_source_file_modified_at
    from read_blob({{ dbt.string_literal(dbt.escape_single_quotes(mlcost.source_location(var_name))) }})
    {%- endif %}
{% endmacro %}


{#- Is this model's run an incremental one (its table exists, no --full-refresh)? Never
    in a unit test, which has no table of its own. A table an older mlcost built without
    the bookkeeping column an incremental run reads stops the run with what to do. -#}
{% macro is_incremental_run(state_column) %}
    {%- if not (execute and this is not none and is_incremental()) %}{{ return(false) }}{% endif %}
    {%- if state_column not in adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
        {{ exceptions.raise_compiler_error(
            "mlcost: " ~ this ~ " was built by an older mlcost, without " ~ state_column
            ~ ". Build once with --full-refresh (dbt build --full-refresh ...).") }}
    {%- endif %}
    {{ return(true) }}
{% endmacro %}


{#- The files an incremental run stages: listed now, and not staged with this size and
    modification time. none on a full build (read the whole export). -#}
{% macro export_files_to_stage(var_name) %}
    {%- if not mlcost.is_incremental_run('x_source_file_modified_at') %}{{ return(none) }}{% endif %}
    {%- set query %}
        with listed as ({{ mlcost.export_file_listing(var_name) }}),
        staged as (
            select distinct x_source_file, x_source_file_bytes, x_source_file_modified_at
            from {{ this }}
        )
        select listed.x_source_file
        from listed
        left join staged
            on listed.x_source_file = staged.x_source_file
            and listed.x_source_file_bytes = staged.x_source_file_bytes
            and listed.x_source_file_modified_at = staged.x_source_file_modified_at
        where staged.x_source_file is null
        order by 1
    {%- endset %}
    {{ return(run_query(query).columns[0].values() | list) }}
{% endmacro %}


{#- Pre-hook: delete the staged lines of files rewritten or gone since they were staged
    (and the stand-in row of an export that did not read), so their new version replaces
    them and nothing is counted twice. Nothing on a full build. -#}
{% macro delete_restaged_files(var_name) %}
    {%- if not mlcost.is_incremental_run('x_source_file_modified_at') %}{{ return('') }}{% endif %}
    delete from {{ this }}
    where not exists (
        select 1
        from ({{ mlcost.export_file_listing(var_name) }}) as listed
        where listed.x_source_file = {{ this }}.x_source_file
            and listed.x_source_file_bytes = {{ this }}.x_source_file_bytes
            and listed.x_source_file_modified_at = {{ this }}.x_source_file_modified_at
    )
{% endmacro %}


{#- The source relation a staging model reads: on a full build the whole export; on an
    incremental run the same reader over just the files to stage (the var's glob, quoted
    in the source's external_location, replaced by their list), so DuckDB opens no other
    file; none when there is nothing new to stage. -#}
{% macro export_relation_to_stage(var_name, source_relation) %}
    {%- set files = mlcost.export_files_to_stage(var_name) %}
    {%- if files is none %}{{ return(source_relation) }}{% endif %}
    {%- if files | length == 0 %}{{ return(none) }}{% endif %}
    {%- set location = dbt.string_literal(dbt.escape_single_quotes(mlcost.source_location(var_name))) %}
    {%- set relation_text = source_relation | string %}
    {%- if location not in relation_text %}
        {{ exceptions.raise_compiler_error(
            "mlcost: cannot read only new files: the source " ~ relation_text
            ~ " does not read the location " ~ location ~ " of var " ~ var_name) }}
    {%- endif %}
    {%- set file_list = [] %}
    {%- for file in files %}
        {%- do file_list.append(dbt.string_literal(dbt.escape_single_quotes(file))) %}
    {%- endfor %}
    {{ return(relation_text | replace(location, '[' ~ file_list | join(', ') ~ ']')) }}
{% endmacro %}


{#- A billing export's staging rows with the size and modification time of their file
    (null for a stand-in row naming no file): what the next incremental run compares the
    listing with. -#}
{% macro with_source_file_times(var_name, staged_sql) %}

with staged as (

    {{ staged_sql }}

),

export_files as (

    {{ mlcost.export_file_listing(var_name) }}

),

final as (

    select
        staged.*,
        export_files.x_source_file_bytes,
        export_files.x_source_file_modified_at
    from staged
    left join export_files
        on staged.x_source_file = export_files.x_source_file

)

select * from final
{% endmacro %}
