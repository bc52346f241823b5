{#- An attempt with no end is running; one that ends before it starts is quarantined. -#}
{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_job_attempts',
    source_relation=source('ml_jobs', 'job_attempts'),
    spec=mlcost.ml_job_attempts_columns(),
    extra_checks=[('final.ended_at < final.started_at', 'ends before it starts')],
) }}
