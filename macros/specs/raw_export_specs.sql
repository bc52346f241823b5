{#- Which column spec each raw export var is read with, and how its files are read: the
    list scripts/validate.py checks before dbt (`reader`: csv, csv_lax for Azure, whose
    sources read with strict_mode off, parquet, gcp_json for the BigQuery NDJSON extracts).
    A spec column added in macros/specs/ reaches the validator through this list. -#}
{% macro raw_export_specs() %}
{{ return([
    {'var': 'mlcost_aws_cur_legacy_csv', 'reader': 'csv', 'spec': 'aws_cur_columns', 'columns': mlcost.aws_cur_columns()},
    {'var': 'mlcost_aws_cur_legacy_parquet', 'reader': 'parquet', 'spec': 'aws_cur_columns', 'columns': mlcost.aws_cur_columns()},
    {'var': 'mlcost_aws_cur2_parquet', 'reader': 'parquet', 'spec': 'aws_cur_columns', 'columns': mlcost.aws_cur_columns()},
    {'var': 'mlcost_gcp_billing_detailed', 'reader': 'gcp_json', 'spec': 'gcp_billing_columns', 'columns': mlcost.gcp_billing_columns()},
    {'var': 'mlcost_gcp_billing_standard', 'reader': 'gcp_json', 'spec': 'gcp_billing_columns', 'columns': mlcost.gcp_billing_columns()},
    {'var': 'mlcost_gcp_billing_flat_csv', 'reader': 'csv', 'spec': 'gcp_billing_columns', 'columns': mlcost.gcp_billing_columns()},
    {'var': 'mlcost_azure_ea_actual', 'reader': 'csv_lax', 'spec': 'azure_cost_columns', 'columns': mlcost.azure_cost_columns()},
    {'var': 'mlcost_azure_ea_amortized', 'reader': 'csv_lax', 'spec': 'azure_cost_columns', 'columns': mlcost.azure_cost_columns()},
    {'var': 'mlcost_azure_mca_actual', 'reader': 'csv_lax', 'spec': 'azure_cost_columns', 'columns': mlcost.azure_cost_columns()},
    {'var': 'mlcost_azure_mca_amortized', 'reader': 'csv_lax', 'spec': 'azure_cost_columns', 'columns': mlcost.azure_cost_columns()},
    {'var': 'mlcost_ml_jobs', 'reader': 'csv', 'spec': 'ml_jobs_columns', 'columns': mlcost.ml_jobs_columns()},
    {'var': 'mlcost_ml_job_attempts', 'reader': 'csv', 'spec': 'ml_job_attempts_columns', 'columns': mlcost.ml_job_attempts_columns()},
    {'var': 'mlcost_ml_attempt_nodes', 'reader': 'csv', 'spec': 'ml_attempt_nodes_columns', 'columns': mlcost.ml_attempt_nodes_columns()},
    {'var': 'mlcost_ml_checkpoints', 'reader': 'csv', 'spec': 'ml_checkpoints_columns', 'columns': mlcost.ml_checkpoints_columns()},
    {'var': 'mlcost_ml_metric_history', 'reader': 'csv', 'spec': 'ml_metric_history_columns', 'columns': mlcost.ml_metric_history_columns()},
    {'var': 'mlcost_ml_serving_traffic', 'reader': 'csv', 'spec': 'ml_serving_traffic_columns', 'columns': mlcost.ml_serving_traffic_columns()},
    {'var': 'mlcost_mlflow_runs', 'reader': 'csv', 'spec': 'mlflow_runs_columns', 'columns': mlcost.mlflow_runs_columns()},
    {'var': 'mlcost_mlflow_tags', 'reader': 'csv', 'spec': 'mlflow_key_values_columns', 'columns': mlcost.mlflow_key_values_columns()},
    {'var': 'mlcost_mlflow_params', 'reader': 'csv', 'spec': 'mlflow_key_values_columns', 'columns': mlcost.mlflow_key_values_columns()},
    {'var': 'mlcost_mlflow_metrics', 'reader': 'csv', 'spec': 'mlflow_metrics_columns', 'columns': mlcost.mlflow_metrics_columns()},
    {'var': 'mlcost_mlflow_experiments', 'reader': 'csv', 'spec': 'mlflow_experiments_columns', 'columns': mlcost.mlflow_experiments_columns()},
]) }}
{% endmacro %}


{#- `dbt run-operation print_raw_export_specs` prints, as one JSON line, the raw export specs,
    the SQL staging parses each spec type with (the value written as `__mlcost_value__`) and,
    per spec, staging's quarantine reason over a relation `raw_file` of its columns as text,
    all rendered for this adapter: the validator checks rows with dbt's own casts, timestamp
    formats and rules. Needs no data: run it with MLCOST_DUCKDB_PATH=:memory:. -#}
{% macro print_raw_export_specs() %}
    {%- set token = '__mlcost_value__' %}
    {%- set parsers = {} %}
    {%- for type_name in ['money', 'number', 'integer', 'boolean', 'timestamp'] %}
        {%- do parsers.update({type_name: mlcost.safe_cast_to(token, type_name) | trim}) %}
    {%- endfor %}
    {%- set row_checks = {} %}
    {%- for raw_export in mlcost.raw_export_specs() if raw_export.spec not in row_checks %}
        {%- do row_checks.update({
            raw_export.spec: mlcost.quarantine_reason(raw_export.columns, 'raw_file') | trim}) %}
    {%- endfor %}
    {%- set payload = {
        'value_token': token,
        'parsers': parsers,
        'row_checks': row_checks,
        'formats': mlcost.raw_export_specs(),
    } %}
    {{ print('MLCOST_RAW_SPECS ' ~ tojson(payload)) }}
{% endmacro %}
