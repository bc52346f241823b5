{#- A model as the analyses name it: schema and table, without the database. Compiled, an
    analysis then runs on whichever file a SQL client opened: the build database, or the
    published BI file (scripts/publish_bi.py), which keeps the build's schema and table
    names under another database name. -#}
{% macro unqualified_ref(model_name) %}
    {{- return(ref(model_name).include(database=false)) -}}
{% endmacro %}
