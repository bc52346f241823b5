{#- A value that is not a finite number (NaN, an infinity) cannot be compared: quarantined.
    A key (attempt, metric, step) delivered twice keeps its latest-logged usable row; the
    others are quarantined, never dropped. -#}
{%- set is_finite = 'final.value between -1e308 and 1e308' %}
{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_metric_history',
    source_relation=source('ml_jobs', 'metric_history'),
    spec=mlcost.ml_metric_history_columns(),
    extra_checks=[
        ('not (' ~ is_finite ~ ')', 'value is not a finite number'),
        (
            'final.x_quarantine_reason is null and ' ~ is_finite
            ~ ' and row_number() over (partition by final.attempt_id, final.metric_name,'
            ~ ' final.step, final.x_quarantine_reason, ' ~ is_finite
            ~ ' order by final.logged_at desc, final.value desc, final.x_source_file) > 1',
            'duplicate attempt_id, metric_name and step: the latest logged_at is kept',
        ),
    ],
) }}
