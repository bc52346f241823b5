{{ mlcost.contract_table_staging(
    var_name='mlcost_mlflow_metrics',
    source_relation=source('mlflow', 'metrics'),
    spec=mlcost.mlflow_metrics_columns(),
) }}
