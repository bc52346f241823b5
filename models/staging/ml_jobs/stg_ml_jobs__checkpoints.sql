{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_checkpoints',
    source_relation=source('ml_jobs', 'checkpoints') if mlcost.source_is_configured('mlcost_ml_checkpoints') else none,
    spec=mlcost.ml_checkpoints_columns(),
) }}
