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


{#- The delivered type of each spec column that one delivered column feeds, from
    {name: type} of the source (macro get_source_column_types): {spec name: type}. A spec
    column coalesced from several spellings or read from a map arrives as text. -#}
{% macro delivered_column_types(source_column_types, spec) %}
    {% set types = {} %}
    {% for column_spec in spec %}
        {% set delivered = mlcost.find_delivered_columns(source_column_types | list, column_spec) %}
        {% if delivered | length == 1 %}
            {% do types.update({column_spec.name: source_column_types[delivered[0]] | string | upper}) %}
        {% endif %}
    {% endfor %}
    {{ return(types) }}
{% endmacro %}


{#- The typed fast path. Parquet (and typed tables) deliver money as DECIMAL or DOUBLE and
    timestamps as TIMESTAMP: a value of such a type needs no text round trip (cast to text,
    trimmed, parsed, cast back). Returns {'sql': the typed value, 'can_fail': whether the
    conversion can still give null for a non-null value (a DOUBLE that is NaN or beyond the
    money decimal)}, or none when the delivered type is text or unknown here: the checked
    text path and its quarantine reasons apply. Only conversions that keep every value
    (integers and decimals that fit, timestamps to the microsecond, dates at midnight) or
    that the text path made the same way (a DOUBLE to the money decimal) are taken. -#}
{% macro typed_delivered_value(expression, type_name, delivered_type) %}
    {%- set integer_types = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT',
                             'UTINYINT', 'USMALLINT', 'UINTEGER'] %}
    {%- set float_types = ['FLOAT', 'DOUBLE'] %}
    {%- set timestamp_types = ['TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'DATE'] %}
    {%- set delivered = (delivered_type or '') | upper | replace(' ', '') %}
    {%- set decimal_digits = none %}
    {%- if delivered.startswith('DECIMAL(') and delivered.endswith(')') %}
        {%- set precision_scale = delivered[8:-1].split(',') %}
        {%- if precision_scale | length == 2 %}
            {#- Integer digits of the delivered decimal; the money decimal has 28. #}
            {%- set decimal_digits = (precision_scale[0] | int) - (precision_scale[1] | int) %}
        {%- endif %}
    {%- endif %}
    {%- set target = mlcost.spec_sql_type(type_name) %}
    {%- if type_name == 'money' and (delivered in integer_types
                                     or (decimal_digits is not none and decimal_digits <= 28)) %}
        {{ return({'sql': 'cast(' ~ expression ~ ' as ' ~ target ~ ')', 'can_fail': false}) }}
    {%- elif type_name == 'money' and delivered in float_types %}
        {{ return({'sql': mlcost.try_cast(expression, target), 'can_fail': true}) }}
    {%- elif type_name == 'number' and (delivered in integer_types or delivered in float_types
                                        or decimal_digits is not none) %}
        {{ return({'sql': 'cast(' ~ expression ~ ' as ' ~ target ~ ')', 'can_fail': false}) }}
    {%- elif type_name == 'integer' and delivered in integer_types %}
        {{ return({'sql': 'cast(' ~ expression ~ ' as ' ~ target ~ ')', 'can_fail': false}) }}
    {%- elif type_name == 'boolean' and delivered == 'BOOLEAN' %}
        {{ return({'sql': 'cast(' ~ expression ~ ' as ' ~ target ~ ')', 'can_fail': false}) }}
    {%- elif type_name == 'timestamp' and delivered in timestamp_types %}
        {{ return({'sql': 'cast(' ~ expression ~ ' as ' ~ target ~ ')', 'can_fail': false}) }}
    {%- elif type_name == 'timestamp' and delivered in ['TIMESTAMPWITHTIMEZONE', 'TIMESTAMPTZ'] %}
        {{ return({'sql': mlcost.utc_timestamp_from_timestamptz(expression), 'can_fail': false}) }}
    {%- endif %}
    {{ return(none) }}
{% endmacro %}


{#- Typed values: a value that does not parse becomes null here and names itself in
    x_quarantine_reason, so nothing is dropped silently. `delivered_types`: {spec name:
    delivered type} (macro delivered_column_types); a column delivered typed skips the
    text round trip (macro typed_delivered_value). -#}
{% macro select_typed_columns(spec, raw_relation='raw', day_first=none, delivered_types={}) %}
    {%- for column_spec in spec %}
        {%- set typed = mlcost.typed_delivered_value(
            raw_relation ~ '.' ~ column_spec.name, column_spec.type,
            delivered_types.get(column_spec.name)) if column_spec.type != 'string' else none %}
        {%- if column_spec.type == 'string' %}
        cast({{ raw_relation }}.{{ column_spec.name }} as {{ dbt.type_string() }}) as {{ column_spec.name }}
        {%- elif typed is not none %}
        {{ typed.sql }} as {{ column_spec.name }}
        {%- else %}
        {{ mlcost.safe_cast_to(raw_relation ~ '.' ~ column_spec.name, column_spec.type,
                               day_first) }}
            as {{ column_spec.name }}
        {%- endif %}
        {{- "," if not loop.last }}
    {%- endfor %}
{% endmacro %}


{#- The first reason a row cannot be used, or null. Checks required columns for presence
    and every typed column for a value that did not parse. A column delivered typed
    (`delivered_types`, macro typed_delivered_value) is checked without text: not at all
    when its conversion cannot fail, else for a non-null value that converts to null. -#}
{% macro quarantine_reason(spec, raw_relation='raw', day_first=none, delivered_types={}) %}
    coalesce(
    {%- for column_spec in spec if column_spec.get('required') %}
        case
            when {{ raw_relation }}.{{ column_spec.name }} is null
                then 'missing {{ column_spec.name }}'
        end,
    {%- endfor %}
    {%- for column_spec in spec if column_spec.type != 'string' %}
        {%- set typed = mlcost.typed_delivered_value(
            raw_relation ~ '.' ~ column_spec.name, column_spec.type,
            delivered_types.get(column_spec.name)) %}
        {%- if typed is not none %}
        {%- if typed.can_fail %}
        case
            when {{ raw_relation }}.{{ column_spec.name }} is not null
                and {{ typed.sql }} is null
                then 'unparseable {{ column_spec.name }}: '
                    || cast({{ raw_relation }}.{{ column_spec.name }} as {{ dbt.type_string() }})
        end,
        {%- endif %}
        {%- else %}
        case
            when {{ raw_relation }}.{{ column_spec.name }} is not null
                and trim(cast({{ raw_relation }}.{{ column_spec.name }} as {{ dbt.type_string() }})) != ''
                and {{ mlcost.safe_cast_to(raw_relation ~ '.' ~ column_spec.name,
                                           column_spec.type, day_first) }} is null
                then 'unparseable {{ column_spec.name }}: '
                    || cast({{ raw_relation }}.{{ column_spec.name }} as {{ dbt.type_string() }})
        end,
        {%- endif %}
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
