{#- Requests per serving endpoint, UTC hour, tenant and model (contract table
    ml_serving_traffic). A negative count, or an hour that is not the start of a UTC hour
    (mlcost does not move it: rows of finer periods are the user's to sum), is quarantined.
    A key (endpoint_id, hour, tenant, model_name) delivered twice keeps its usable row with
    the most requests; the others are quarantined, never dropped. -#}
{%- set is_usable = 'final.x_quarantine_reason is null' %}
{%- set counts_valid = 'final.requests >= 0 and coalesce(final.input_tokens, 0) >= 0'
    ~ ' and coalesce(final.output_tokens, 0) >= 0 and coalesce(final.errors, 0) >= 0'
    ~ ' and final.hour = ' ~ dbt.date_trunc('hour', 'final.hour') %}
{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_serving_traffic',
    source_relation=source('ml_jobs', 'ml_serving_traffic'),
    spec=mlcost.ml_serving_traffic_columns(),
    extra_checks=[
        ('final.requests < 0', 'negative requests'),
        ('final.input_tokens < 0 or final.output_tokens < 0', 'negative tokens'),
        ('final.errors < 0', 'negative errors'),
        ('final.hour <> ' ~ dbt.date_trunc('hour', 'final.hour'),
         'hour is not the start of a UTC hour'),
        (
            is_usable ~ ' and ' ~ counts_valid
            ~ ' and row_number() over (partition by final.endpoint_id, final.hour,'
            ~ ' final.tenant, final.model_name, ' ~ is_usable ~ ', ' ~ counts_valid
            ~ ' order by final.requests desc, final.x_source_file) > 1',
            'duplicate endpoint_id, hour, tenant and model_name: one row is kept',
        ),
    ],
) }}
