{{ mlcost.contract_table_staging(
    var_name='mlcost_mlflow_tags',
    source_relation=source('mlflow', 'tags'),
    spec=mlcost.mlflow_key_values_columns(),
) }}
