{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_job_attempts',
    source_relation=source('ml_jobs', 'job_attempts'),
    spec=mlcost.ml_job_attempts_columns(),
) }}
