{#- A compound primary key holds: no two rows share the same values of `columns`.
    Ours, not dbt_utils': the hub is not reachable from where mlcost is built. -#}
{% test unique_combination_of_columns(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
