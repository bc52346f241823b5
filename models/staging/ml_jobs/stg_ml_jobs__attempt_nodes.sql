{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_attempt_nodes',
    source_relation=source('ml_jobs', 'attempt_nodes'),
    spec=mlcost.ml_attempt_nodes_columns(),
) }}
