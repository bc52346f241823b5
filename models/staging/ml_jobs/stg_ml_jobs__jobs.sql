{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_jobs',
    source_relation=source('ml_jobs', 'jobs') if mlcost.source_is_configured('mlcost_ml_jobs') else none,
    spec=mlcost.ml_jobs_columns(),
) }}
