{#- FOCUS exports (CSV or parquet) read as they are. Real ones carry literal `NULL` / `null`
    strings for empty values, timestamps with or without `T` and `Z`, tag keys with stray
    spaces and extra columns; the first become nulls, timestamps are parsed as UTC, tags are
    kept as delivered (keys are trimmed and normalized downstream) and extras are ignored.
    No line id in FOCUS: a line is keyed by its values plus an occurrence number.
    FOCUS 1.0 to 1.3 are read alike: a column a version lacks is a typed null (the
    mapping applies the spec's defaults), enumerations are spelled as the spec spells them
    whatever the case (macro focus_enumerations), a value no rule maps quarantines the line
    with its reason, x_focus_version says which version the file is, and a 1.3 file without
    the deprecated ProviderName / PublisherName has them from ServiceProviderName. -#}
{% macro focus_export_staging(var_name, source_format, source_relation) %}
{%- set spec = mlcost.focus_export_columns() %}
{%- set source_relation = mlcost.export_relation_to_stage(var_name, source_relation) %}
{%- set enumerations = mlcost.focus_enumerations() %}
{%- set extra_columns = [
    ('x_source_format', 'string'), ('x_source_file', 'string'),
    ('x_focus_version', 'string'), ('x_line_key', 'string'),
    ('x_quarantine_reason', 'string'),
] %}
{%- set stand_in = mlcost.stand_in_staging_select(
    spec, extra_columns, var_name, source_format, source_relation) %}
{%- if stand_in %}
{{ stand_in }}
{%- else %}
{%- set source_columns = mlcost.get_source_columns(source_relation) %}

with source as (

    select * from {{ source_relation }}

),

delivered as (

    select
        {{ mlcost.select_raw_columns(source_columns, spec, source_format ~ " export at " ~ var(var_name)) }},
        cast(filename as {{ dbt.type_string() }}) as x_source_file
    from source

),

{#- Literal NULL strings (any case) and empty strings are missing values. #}
nulled as (

    select
        {%- for column_spec in spec %}
        case
            when upper(trim(cast(delivered.{{ column_spec.name }} as {{ dbt.type_string() }})))
                in ('NULL', '')
                then null
            else cast(delivered.{{ column_spec.name }} as {{ dbt.type_string() }})
        end as {{ column_spec.name }},
        {%- endfor %}
        delivered.x_source_file
    from delivered

),

raw as (

    select
        {%- for column_spec in spec %}
        {%- if column_spec.name in ['provider_name', 'publisher_name'] %}
        {#- Deprecated in FOCUS 1.3, which names the provider in ServiceProviderName. #}
        coalesce(nulled.{{ column_spec.name }}, nulled.service_provider_name)
            as {{ column_spec.name }},
        {%- elif column_spec.name in enumerations %}
        {{ mlcost.focus_enumeration_value('nulled.' ~ column_spec.name,
                                          enumerations[column_spec.name]) }}
            as {{ column_spec.name }},
        {%- else %}
        nulled.{{ column_spec.name }},
        {%- endif %}
        {%- endfor %}
        nulled.x_source_file,
        {{ mlcost.focus_file_version('nulled') }} as x_focus_version,
        coalesce(
            case
                when nulled.charge_category is null then 'missing charge_category'
            end,
            {%- for name, enumeration in enumerations.items() %}
            case
                when nulled.{{ name }} is not null
                    and {{ mlcost.focus_enumeration_value('nulled.' ~ name, enumeration,
                                                          unmapped='null') }} is null
                    then {{ dbt.concat(["'unknown " ~ name ~ ": '", 'nulled.' ~ name]) }}
            end,
            {%- endfor %}
            cast(null as {{ dbt.type_string() }})
        ) as x_enumeration_reason
    from nulled

),

{{ mlcost.keyed_lines_from_raw(spec, source_format,
                               extra_columns=['x_focus_version'],
                               extra_reason='hashed.x_enumeration_reason') }}
{%- endif %}
{% endmacro %}


{#- A FOCUS enumeration value in the spec's spelling: matched ignoring case, spaces, `-`
    and `_`, renamed preview values mapped; a value no rule maps is returned as
    delivered (the line is quarantined), or `unmapped` when given. -#}
{% macro focus_enumeration_value(column, enumeration, unmapped=none) %}
    {%- set key = "lower(replace(replace(replace(trim(" ~ column ~ "), '-', ''), ' ', ''), '_', ''))" %}
    {%- set spellings = {} %}
    {%- for value in enumeration['values'] %}
        {%- do spellings.update({value | lower | replace('-', '') | replace(' ', '') | replace('_', ''): value}) %}
    {%- endfor %}
    {%- for old, value in enumeration.get('renamed', {}).items() %}
        {%- do spellings.update({old | lower | replace('-', '') | replace(' ', '') | replace('_', ''): value}) %}
    {%- endfor %}
    case {{ key }}
        {%- for spelling, value in spellings.items() %}
        when '{{ spelling }}' then '{{ value }}'
        {%- endfor %}
        else {{ unmapped if unmapped is not none else column }}
    end
{%- endmacro %}


{#- The FOCUS version of a line's file: var mlcost_focus_version when set, else the newest
    version whose added columns (macro focus_version_markers) the file fills. -#}
{% macro focus_file_version(relation) %}
    {%- set version = var('mlcost_focus_version', 'auto') | string | trim %}
    {%- set markers = mlcost.focus_version_markers() %}
    {%- if version != 'auto' %}
        {%- if version not in ['1.0'] + markers | map(attribute=0) | list %}
            {{ exceptions.raise_compiler_error(
                "mlcost: var mlcost_focus_version is '" ~ version
                ~ "'; use auto, 1.0, 1.1, 1.2 or 1.3") }}
        {%- endif %}
    '{{ version }}'
    {%- else %}
    case max(
        case
            {%- for marker_version, columns in markers %}
            when {{ relation }}.{{ columns | join(' is not null or ' ~ relation ~ '.') }} is not null
                then {{ markers | length - loop.index0 }}
            {%- endfor %}
            else 0
        end
    ) over (partition by {{ relation }}.x_source_file)
        {%- for marker_version, columns in markers %}
        when {{ markers | length - loop.index0 }} then '{{ marker_version }}'
        {%- endfor %}
        else '1.0'
    end
    {%- endif %}
{%- endmacro %}
