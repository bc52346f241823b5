{#- Schema drift, handled once for every raw format.

    A format is described by a column spec: a list of
        {'name': canonical name, 'type': string|money|number|integer|timestamp|boolean,
         'aliases': [spellings as delivered], 'required': true|false}
    Staging selects each spec column from the first delivered column whose name matches the
    canonical name or an alias (case-insensitive), fills a typed null when the export has not
    sent it yet, and ignores delivered columns the spec does not know. A required column that
    is missing stops the build with a message naming the source and the column. -#}

{% macro spec_sql_type(type_name) %}
    {%- if type_name == 'money' -%}{{ mlcost.type_money() }}
    {%- elif type_name == 'number' -%}{{ mlcost.type_double() }}
    {%- elif type_name == 'integer' -%}{{ dbt.type_bigint() }}
    {%- elif type_name == 'timestamp' -%}{{ dbt.type_timestamp() }}
    {%- elif type_name == 'boolean' -%}{{ dbt.type_boolean() }}
    {%- else -%}{{ dbt.type_string() }}
    {%- endif -%}
{% endmacro %}


{% macro find_delivered_column(source_columns, column_spec) %}
    {% set wanted = [column_spec.name | lower] %}
    {% for alias in column_spec.get('aliases', []) %}
        {% do wanted.append(alias | lower) %}
    {% endfor %}
    {% for candidate in wanted %}
        {% for delivered in source_columns %}
            {#- Some exports (Azure EA) start with a byte-order mark that sticks to the
                first header. #}
            {% if delivered | replace('\ufeff', '') | lower == candidate %}
                {{ return(delivered) }}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {{ return(none) }}
{% endmacro %}


{#- A typed value, or null when it does not parse. `day_first`: how slashed dates read
    (macro parse_utc_timestamp). -#}
{% macro safe_cast_to(expression, type_name, day_first=none) %}
    {%- if type_name == 'timestamp' -%}
    {{ mlcost.parse_utc_timestamp(expression, day_first) }}
    {%- else -%}
    {{ mlcost.try_cast(expression, mlcost.spec_sql_type(type_name)) }}
    {%- endif -%}
{% endmacro %}


{#- Every delivered column that is a spelling of the spec column, in the spec's order. A
    glob over files of several versions of one format (read with union_by_name) delivers
    several spellings, each filled only on its own files' rows. -#}
{% macro find_delivered_columns(source_columns, column_spec) %}
    {% set wanted = [column_spec.name | lower] %}
    {% for alias in column_spec.get('aliases', []) %}
        {% do wanted.append(alias | lower) %}
    {% endfor %}
    {% set found = [] %}
    {% for candidate in wanted %}
        {% for delivered in source_columns %}
            {% if delivered | replace('\ufeff', '') | lower == candidate and delivered not in found %}
                {% do found.append(delivered) %}
            {% endif %}
        {% endfor %}
    {% endfor %}
    {{ return(found) }}
{% endmacro %}


{#- The delivered values, renamed, still untyped: `raw` CTEs keep them for quarantine rows.
    Several spellings delivered at once are coalesced (as text) in the spec's order. -#}
{% macro select_raw_columns(source_columns, spec, source_label) %}
    {%- for column_spec in spec %}
        {%- set delivered = mlcost.find_delivered_column(source_columns, column_spec) %}
        {%- set all_delivered = mlcost.find_delivered_columns(source_columns, column_spec) %}
        {%- if all_delivered | length > 1 %}
        coalesce(
            {%- for spelling in all_delivered %}
            nullif(trim(cast({{ adapter.quote(spelling) }} as {{ dbt.type_string() }})), '')
            {{- "," if not loop.last }}
            {%- endfor %}
        ) as {{ column_spec.name }}
        {%- elif delivered is not none %}
        {{ adapter.quote(delivered) }} as {{ column_spec.name }}
        {%- elif column_spec.get('map') and column_spec.map[0] | lower in source_columns | map('lower') | list %}
        {#- CUR 2.0 keeps most product attributes as keys of its `product` map. #}
        {{ mlcost.map_value(adapter.quote(column_spec.map[0]), column_spec.map[1]) }} as {{ column_spec.name }}
        {%- elif column_spec.get('required') and execute and source_columns | length > 0 %}
            {{ exceptions.raise_compiler_error(
                "mlcost: " ~ source_label ~ " has no column '" ~ column_spec.name ~ "'"
                ~ (" (delivered as '" ~ column_spec.aliases | join("' or '") ~ "')"
                   if column_spec.get('aliases') else '')
                ~ ". It is required: check that the var points at the right export format.") }}
        {%- else %}
        cast(null as {{ mlcost.spec_sql_type(column_spec.type) }}) as {{ column_spec.name }}
        {%- endif %}
        {{- "," if not loop.last }}
    {%- endfor %}
{% endmacro %}


{#- Typed values: a value that does not parse becomes null here and names itself in
    x_quarantine_reason, so nothing is dropped silently. -#}
{% macro select_typed_columns(spec, raw_relation='raw', day_first=none) %}
    {%- for column_spec in spec %}
        {%- if column_spec.type == 'string' %}
        cast({{ raw_relation }}.{{ column_spec.name }} as {{ dbt.type_string() }}) as {{ column_spec.name }}
        {%- else %}
        {{ mlcost.safe_cast_to(raw_relation ~ '.' ~ column_spec.name, column_spec.type,
                               day_first) }}
            as {{ column_spec.name }}
        {%- endif %}
        {{- "," if not loop.last }}
    {%- endfor %}
{% endmacro %}


{#- The first reason a row cannot be used, or null. Checks required columns for presence
    and every typed column for a value that did not parse. -#}
{% macro quarantine_reason(spec, raw_relation='raw', day_first=none) %}
    coalesce(
    {%- for column_spec in spec if column_spec.get('required') %}
        case
            when {{ raw_relation }}.{{ column_spec.name }} is null
                then 'missing {{ column_spec.name }}'
        end,
    {%- endfor %}
    {%- for column_spec in spec if column_spec.type != 'string' %}
        case
            when {{ raw_relation }}.{{ column_spec.name }} is not null
                and trim(cast({{ raw_relation }}.{{ column_spec.name }} as {{ dbt.type_string() }})) != ''
                and {{ mlcost.safe_cast_to(raw_relation ~ '.' ~ column_spec.name,
                                           column_spec.type, day_first) }} is null
                then 'unparseable {{ column_spec.name }}: '
                    || cast({{ raw_relation }}.{{ column_spec.name }} as {{ dbt.type_string() }})
        end,
    {%- endfor %}
        cast(null as {{ dbt.type_string() }})
    )
{% endmacro %}


{#- The value of one key of a map column, or null. Map access differs per engine. -#}
{% macro map_value(map_column, key) %}
    {{ return(adapter.dispatch('map_value', 'mlcost')(map_column, key)) }}
{% endmacro %}

{% macro default__map_value(map_column, key) %}
    {{ map_column }}['{{ key }}']
{% endmacro %}

{% macro duckdb__map_value(map_column, key) %}
    map_extract_value({{ map_column }}, '{{ key }}')
{% endmacro %}
