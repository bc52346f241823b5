{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_jobs',
    source_relation=source('ml_jobs', 'jobs'),
    spec=mlcost.ml_jobs_columns(),
) }}
