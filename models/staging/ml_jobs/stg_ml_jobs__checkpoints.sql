{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_checkpoints',
    source_relation=source('ml_jobs', 'checkpoints'),
    spec=mlcost.ml_checkpoints_columns(),
) }}
