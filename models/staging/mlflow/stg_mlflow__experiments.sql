{{ mlcost.contract_table_staging(
    var_name='mlcost_mlflow_experiments',
    source_relation=source('mlflow', 'experiments'),
    spec=mlcost.mlflow_experiments_columns(),
) }}
