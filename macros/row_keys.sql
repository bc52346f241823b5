{#- Keys for exports without a line id (GCP, Azure, FOCUS): a line is its values. Identical
    lines are real (two identical meters on one day), so the key is the hash of the values,
    the line's occurrence number among identical ones in its file and the file's hash,
    stable across re-runs. -#}

{% macro row_values_hash(spec, source_format, relation='raw', extra_values=[]) %}
    {%- set values = ["'" ~ source_format ~ "'"] %}
    {%- for column_spec in spec if column_spec.get('hashed', true) %}
        {%- do values.extend(["'|'", "coalesce(cast(" ~ relation ~ "." ~ column_spec.name
                                     ~ " as " ~ dbt.type_string() ~ "), '')"]) %}
    {%- endfor %}
    {%- for value in extra_values %}
        {%- do values.extend(["'|'", value]) %}
    {%- endfor %}
    {{ dbt.hash(dbt.concat(values)) }}
{%- endmacro %}


{% macro occurrence_line_key(relation='hashed') %}
    {#- Numbered within the file, and the file's hash last: a file's keys do not depend
        on the other files, so staging can add files one at a time (incremental runs),
        and identical lines of two files of one delivery keep two keys. #}
    {{ dbt.concat([
        relation ~ ".x_row_hash", "'|'",
        "cast(row_number() over (partition by " ~ relation ~ ".x_source_file, "
            ~ relation ~ ".x_row_hash) as " ~ dbt.type_string() ~ ")", "'|'",
        dbt.hash(relation ~ ".x_source_file"),
    ]) }}
{%- endmacro %}


{#- The tail of a staging model over an export without line ids, given a `raw` CTE of the
    spec's columns plus x_source_file: hash and key each line, type the spec's columns
    (a `tags` column as a JSON object, Azure's brace-less form included) and say why a
    line cannot be used. Shared by the Azure and FOCUS staging bodies. `extra_columns` of
    raw are kept as they are; `extra_reason` is a reason the spec's checks do not give,
    `first_reason` one that goes before them; `day_first` says how slashed dates read
    (macro parse_utc_timestamp). -#}
{% macro keyed_lines_from_raw(spec, source_format, extra_columns=[], extra_reason=none,
                              first_reason=none, day_first=none) %}
hashed as (

    select
        raw.*,
        {{ mlcost.row_values_hash(spec, source_format) }} as x_row_hash
    from raw

),

final as (

    select
        {%- for column_spec in spec %}
        {%- if column_spec.name == 'tags' %}
        {{ mlcost.azure_tags_json('hashed.tags') }} as tags,
        {%- else %}
        {{ mlcost.select_typed_columns([column_spec], 'hashed', day_first) }},
        {%- endif %}
        {%- endfor %}
        '{{ source_format }}' as x_source_format,
        hashed.x_source_file,
        {%- for column in extra_columns %}
        hashed.{{ column }},
        {%- endfor %}
        {{ mlcost.occurrence_line_key('hashed') }} as x_line_key,
        {%- if extra_reason is none and first_reason is none %}
        {{ mlcost.quarantine_reason(spec, 'hashed', day_first) }} as x_quarantine_reason
        {%- else %}
        coalesce(
            {%- if first_reason is not none %}
            {{ first_reason }},
            {%- endif %}
            {{ mlcost.quarantine_reason(spec, 'hashed', day_first) }}
            {%- if extra_reason is not none %},
            {{ extra_reason }}
            {%- endif %}
        ) as x_quarantine_reason
        {%- endif %}
    from hashed

)

select * from final
{%- endmacro %}
