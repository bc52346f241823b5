{#- Every value of the column is a time zone name the engine knows (an IANA name such as
    Europe/Berlin): an unknown one would fail the conversion to local time. -#}
{% test is_time_zone(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is null
    or {{ column_name }} not in (
        select time_zone_names.time_zone_name
        from ({{ mlcost.time_zone_names_sql() }}) as time_zone_names
    )

{% endtest %}
