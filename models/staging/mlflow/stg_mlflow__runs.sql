{{ mlcost.contract_table_staging(
    var_name='mlcost_mlflow_runs',
    source_relation=source('mlflow', 'runs'),
    spec=mlcost.mlflow_runs_columns(),
) }}
