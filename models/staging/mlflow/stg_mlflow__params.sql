{{ mlcost.contract_table_staging(
    var_name='mlcost_mlflow_params',
    source_relation=source('mlflow', 'params'),
    spec=mlcost.mlflow_key_values_columns(),
) }}
