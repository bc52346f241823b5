{{ mlcost.contract_table_staging(
    var_name='mlcost_ml_attempt_nodes',
    source_relation=source('ml_jobs', 'attempt_nodes') if mlcost.source_is_configured('mlcost_ml_attempt_nodes') else none,
    spec=mlcost.ml_attempt_nodes_columns(),
) }}
