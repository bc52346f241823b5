{#- The CTEs `ranked`, `preferred_formats` and `preferred` over a CTE `unioned` of one
    provider's staged lines in several export formats: per delivery (billing account and
    billing period), only the lines of the first format in `precedence` that delivered it
    are `preferred`, so a period delivered in two formats counts once. Formats are the
    lines' x_source_format without `format_prefix`; a format not in the list ranks last.
    The delivery is a key, not a join on the two columns: quarantined rows may lack
    either. -#}
{% macro preferred_format_ctes(format_prefix, precedence, account_column, period_column) %}
ranked as {{ mlcost.not_materialized() }} (

    select
        unioned.*,
        case unioned.x_source_format
            {%- for source_format in precedence %}
            when '{{ format_prefix }}{{ source_format }}' then {{ loop.index }}
            {%- endfor %}
            else {{ precedence | length + 1 }}
        end as x_format_rank,
        {{ dbt.concat([
            "coalesce(cast(unioned." ~ account_column ~ " as " ~ dbt.type_string() ~ "), '')",
            "'|'",
            "coalesce(cast(unioned." ~ period_column ~ " as " ~ dbt.type_string() ~ "), '')",
        ]) }} as x_delivery_key
    from unioned

),

preferred_formats as (

    select
        x_delivery_key,
        min(x_format_rank) as x_format_rank
    from ranked
    group by 1

),

preferred as {{ mlcost.not_materialized() }} (

    select ranked.*
    from ranked
    inner join preferred_formats
        on ranked.x_delivery_key = preferred_formats.x_delivery_key
        and ranked.x_format_rank = preferred_formats.x_format_rank

)
{%- endmacro %}
