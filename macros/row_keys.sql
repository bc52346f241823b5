{#- Keys for exports without a line id (GCP, Azure, FOCUS): a line is its values. Identical
    lines are real (two identical meters on one day), so the key is the hash of the values
    plus the line's occurrence number among identical ones, stable across re-runs. -#}

{% macro row_values_hash(spec, source_format, relation='raw', extra_values=[]) %}
    {%- set values = ["'" ~ source_format ~ "'"] %}
    {%- for column_spec in spec %}
        {%- do values.extend(["'|'", "coalesce(cast(" ~ relation ~ "." ~ column_spec.name
                                     ~ " as " ~ dbt.type_string() ~ "), '')"]) %}
    {%- endfor %}
    {%- for value in extra_values %}
        {%- do values.extend(["'|'", value]) %}
    {%- endfor %}
    {{ dbt.hash(dbt.concat(values)) }}
{%- endmacro %}


{% macro occurrence_line_key(relation='hashed') %}
    {{ dbt.concat([
        relation ~ ".x_row_hash", "'|'",
        "cast(row_number() over (partition by " ~ relation ~ ".x_row_hash order by "
            ~ relation ~ ".x_source_file) as " ~ dbt.type_string() ~ ")",
    ]) }}
{%- endmacro %}
