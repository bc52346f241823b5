{#- Day/month order of slashed dates, decided per file.

    `04/10/2026` is April 10 or October 4: the text does not say. Azure writes month-first,
    but a file re-saved by a spreadsheet of a day-first locale (or a tool that formats dates
    for one) is day-first, and reading it month-first books October 1-3 in January, February
    and March without any error. So each file's order is decided once, for all its lines, from
    (first that applies):
    1. the var (`day_first` or `month_first`; a mapping of path fragments to orders sets it
       for the files whose path contains the fragment);
    2. the file's values: a first field above 12 in any date column (13/10/2026) can only be
       day-first, a second field above 12 (10/13/2026) only month-first; both in one file
       leaves the order undecided (null) and the caller quarantines the slashed-date lines;
    3. the export folder's date range (`<export>/<YYYYMMDD-YYYYMMDD>/...`): the order under
       which more of the file's dates fall inside it;
    4. one calendar month: a cost export covers one billing period, so the order under which
       the file's dates fall in one month when the other spreads them over several;
    5. the default, month-first, as Azure writes them.
    A file without slashed dates has no order (null) and needs none.
    A decision is per file, so it is a window over the file's lines (x_source_file), not a
    join: staging keeps one row per delivered line. -#}


{#- The first (1) or second (2) number of a slashed date (`13/10/2026`, `10/13/2026 00:00:00`),
    or null for anything else. -#}
{% macro slashed_date_field(expression, position) %}
    {{ return(adapter.dispatch('slashed_date_field', 'mlcost')(expression, position)) }}
{% endmacro %}

{#- Other engines parse no slashed dates (default__parse_utc_timestamp): nothing to decide. -#}
{% macro default__slashed_date_field(expression, position) %}
    cast(null as {{ dbt.type_int() }})
{% endmacro %}

{#- DuckDB: regexp_extract gives the group, '' when the text is not a slashed date. -#}
{% macro duckdb__slashed_date_field(expression, position) %}
    try_cast(regexp_extract(
        trim(cast({{ expression }} as varchar)),
        '^([0-9]{1,2})/([0-9]{1,2})/[0-9]{4}([ T].*)?$',
        {{ position }}
    ) as integer)
{% endmacro %}


{#- The first (1) or last (2) day of the date range an export folder in the path names
    (`exports/ea-actual/20261001-20261031/run/part_0_0001.csv` -> 2026-10-01, 2026-10-31),
    or null when the path has no such folder. -#}
{% macro path_date_range(path_expression, position) %}
    {{ return(adapter.dispatch('path_date_range', 'mlcost')(path_expression, position)) }}
{% endmacro %}

{% macro default__path_date_range(path_expression, position) %}
    cast(null as {{ dbt.type_timestamp() }})
{% endmacro %}

{#- DuckDB: regexp_extract and strptime; either slash, as object stores and Windows write. -#}
{% macro duckdb__path_date_range(path_expression, position) %}
    try_strptime(
        regexp_extract({{ path_expression }}, '[/\\]([0-9]{8})-([0-9]{8})[/\\]', {{ position }}),
        '%Y%m%d'
    )
{% endmacro %}


{#- The var's setting: (default order, [(path fragment, order)]). -#}
{% macro date_order_setting(var_name) %}
    {%- set setting = var(var_name, 'auto') %}
    {%- set allowed = ['auto', 'day_first', 'month_first'] %}
    {%- set overrides = [] %}
    {%- if setting is mapping %}
        {%- set default_order = 'auto' %}
        {%- for fragment, order in setting.items() %}
            {%- do overrides.append((fragment | string, order | string | trim)) %}
        {%- endfor %}
    {%- else %}
        {%- set default_order = (setting or 'auto') | string | trim %}
    {%- endif %}
    {%- for order in [default_order] + overrides | map(attribute=1) | list %}
        {%- if order not in allowed %}
            {{ exceptions.raise_compiler_error(
                "mlcost: var " ~ var_name ~ " has '" ~ order ~ "'; use auto, day_first or"
                ~ " month_first, or a mapping of path fragments to one of them") }}
        {%- endif %}
    {%- endfor %}
    {{ return((default_order, overrides)) }}
{% endmacro %}


{#- CTEs that add x_date_order (day_first, month_first or null) and x_date_order_basis
    (var, values, folder_range, single_month, default or null) to every line of
    `input_relation`, ending in a CTE named `output_relation`. `date_columns` are the
    columns whose values count as evidence; `dated_column` is the line's own date, checked
    against the folder range and the calendar month. The working columns the CTEs add are
    prefixed x_date_ or x_file_. -#}
{% macro date_order_ctes(input_relation, output_relation, date_columns, dated_column, var_name,
                         file_column='x_source_file') %}
{%- set default_order, overrides = mlcost.date_order_setting(var_name) %}
{%- set over_file = "over (partition by " ~ file_column ~ ")" %}
{%- set months = {} %}
{%- for order in ['day_first', 'month_first'] %}
    {%- set month = "case when x_date_is_slashed then "
        ~ dbt.date_trunc('month', 'x_date_as_' ~ order) ~ " end" %}
    {#- The file's slashed dates all in one month under this order. #}
    {%- do months.update({order: "min(" ~ month ~ ") " ~ over_file
        ~ " = max(" ~ month ~ ") " ~ over_file}) %}
{%- endfor %}
{{ input_relation }}_date_evidence as (

    select
        {{ input_relation }}.*,
        {#- A value only one order can read, as evidence and as the example a reason
            quotes. #}
        case
            {%- for column in date_columns %}
            when {{ mlcost.slashed_date_field(column, 1) }} > 12
                then cast({{ column }} as {{ dbt.type_string() }})
            {%- endfor %}
        end as x_date_day_first_value,
        case
            {%- for column in date_columns %}
            when {{ mlcost.slashed_date_field(column, 2) }} > 12
                then cast({{ column }} as {{ dbt.type_string() }})
            {%- endfor %}
        end as x_date_month_first_value,
        (
            {%- for column in date_columns %}
            {{ mlcost.slashed_date_field(column, 1) }} is not null
            {{- " or" if not loop.last }}
            {%- endfor %}
        ) as x_date_has_slashed,
        {{ mlcost.slashed_date_field(dated_column, 1) }} is not null as x_date_is_slashed,
        {{ mlcost.path_date_range(file_column, 1) }} as x_date_folder_start,
        {{ mlcost.path_date_range(file_column, 2) }} as x_date_folder_end,
        {{ mlcost.parse_utc_timestamp(dated_column, 'true') }} as x_date_as_day_first,
        {{ mlcost.parse_utc_timestamp(dated_column, 'false') }} as x_date_as_month_first
    from {{ input_relation }}

),

{{ input_relation }}_date_files as (

    select
        {{ input_relation }}_date_evidence.*,
        max(x_date_day_first_value) {{ over_file }} as x_file_day_first_value,
        max(x_date_month_first_value) {{ over_file }} as x_file_month_first_value,
        max(case when x_date_has_slashed then 1 else 0 end) {{ over_file }}
            as x_file_has_slashed_dates,
        {#- The folder range's last day is inclusive (20261001-20261031). #}
        sum(
            case
                when x_date_is_slashed
                    and x_date_as_day_first >= x_date_folder_start
                    and x_date_as_day_first < {{ dbt.dateadd('day', 1, 'x_date_folder_end') }}
                    then 1
                else 0
            end
        ) {{ over_file }} as x_file_in_folder_day_first,
        sum(
            case
                when x_date_is_slashed
                    and x_date_as_month_first >= x_date_folder_start
                    and x_date_as_month_first < {{ dbt.dateadd('day', 1, 'x_date_folder_end') }}
                    then 1
                else 0
            end
        ) {{ over_file }} as x_file_in_folder_month_first,
        coalesce({{ months.day_first }}, false) as x_file_one_month_day_first,
        coalesce({{ months.month_first }}, false) as x_file_one_month_month_first
    from {{ input_relation }}_date_evidence

),

{{ output_relation }} as (

    select
        {{ input_relation }}_date_files.*,
        {{ mlcost._date_order_case(default_order, overrides, file_column, 'order') }}
            as x_date_order,
        {{ mlcost._date_order_case(default_order, overrides, file_column, 'basis') }}
            as x_date_order_basis
    from {{ input_relation }}_date_files

)
{%- endmacro %}


{#- The decision (what='order') or what it rests on (what='basis'), as a CASE over the
    columns date_order_ctes adds. -#}
{% macro _date_order_case(default_order, overrides, file_column, what) %}
    {%- set auto = {
        'order': "case
            when x_file_has_slashed_dates = 0 then null
            when x_file_day_first_value is not null
                and x_file_month_first_value is not null then null
            when x_file_day_first_value is not null then 'day_first'
            when x_file_month_first_value is not null then 'month_first'
            when x_file_in_folder_day_first > x_file_in_folder_month_first then 'day_first'
            when x_file_in_folder_month_first > x_file_in_folder_day_first then 'month_first'
            when x_file_one_month_day_first and not x_file_one_month_month_first
                then 'day_first'
            else 'month_first'
        end",
        'basis': "case
            when x_file_has_slashed_dates = 0 then null
            when x_file_day_first_value is not null
                or x_file_month_first_value is not null then 'values'
            when x_file_in_folder_day_first != x_file_in_folder_month_first
                then 'folder_range'
            when x_file_one_month_day_first != x_file_one_month_month_first
                then 'single_month'
            else 'default'
        end",
    } %}
    {%- set by_var = {'order': none, 'basis': "'var'"} %}
    {%- set otherwise = auto[what] if default_order == 'auto'
        else (by_var[what] or "'" ~ default_order ~ "'") %}
    {%- if overrides %}
    case
        {%- for fragment, order in overrides %}
        {%- set fragment_literal = dbt.string_literal(dbt.escape_single_quotes(fragment)) %}
        when {{ dbt.position(fragment_literal, file_column) }} > 0
            then {{ auto[what] if order == 'auto' else (by_var[what] or "'" ~ order ~ "'") }}
        {%- endfor %}
        else {{ otherwise }}
    end
    {%- else %}
    {{ otherwise }}
    {%- endif %}
{%- endmacro %}


{#- The quarantine reason of a line whose file mixes both orders (x_date_order null for a
    file with values only one order or the other can read), or null. -#}
{% macro date_order_conflict_reason(relation, var_name, file_column='x_source_file') %}
    case
        when {{ relation }}.x_date_order is null
            and {{ relation }}.x_date_order_basis = 'values'
            and {{ relation }}.x_date_has_slashed
            then {{ dbt.concat([
                "'dates in both day/month orders in one file ('",
                relation ~ ".x_file_day_first_value",
                "' reads only day-first, '",
                relation ~ ".x_file_month_first_value",
                "' only month-first): set var " ~ var_name ~ " for '",
                relation ~ "." ~ file_column,
            ]) }}
    end
{%- endmacro %}


{#- The quarantine reason of a line dated outside the range [start, end] (whole days, end
    included), naming the date, the range and the file; null inside it or when any of them
    is unknown. The line keeps its date: it is never moved into the range. -#}
{% macro date_outside_range_reason(date_expression, start_expression, end_expression,
                                   range_label, file_expression) %}
    {%- set as_text = "cast(cast({} as date) as " ~ dbt.type_string() ~ ")" %}
    case
        when {{ date_expression }} < {{ start_expression }}
            or {{ date_expression }} >= {{ dbt.dateadd('day', 1, end_expression) }}
            then {{ dbt.concat([
                "'charge date '", as_text | replace('{}', date_expression),
                "' outside " ~ dbt.escape_single_quotes(range_label) ~ " '",
                as_text | replace('{}', start_expression),
                "' to '", as_text | replace('{}', end_expression),
                "' of '", file_expression,
            ]) }}
    end
{%- endmacro %}
