{#- MLflow tracking store tables (SQLAlchemy store schema, mlflow/store/tracking/dbmodels),
    as dumps of the tables: MLflow's own column names; times are epoch milliseconds. -#}
{% macro mlflow_runs_columns() %}
{{ return([
    {'name': 'run_uuid', 'type': 'string', 'required': true, 'aliases': ['run_id']},
    {'name': 'name', 'type': 'string', 'aliases': ['run_name']},
    {'name': 'source_type', 'type': 'string'},
    {'name': 'source_name', 'type': 'string'},
    {'name': 'entry_point_name', 'type': 'string'},
    {'name': 'user_id', 'type': 'string'},
    {'name': 'status', 'type': 'string', 'required': true},
    {'name': 'start_time', 'type': 'integer'},
    {'name': 'end_time', 'type': 'integer'},
    {'name': 'source_version', 'type': 'string'},
    {'name': 'lifecycle_stage', 'type': 'string'},
    {'name': 'artifact_uri', 'type': 'string'},
    {'name': 'experiment_id', 'type': 'string'},
    {'name': 'deleted_time', 'type': 'integer'},
]) }}
{% endmacro %}


{% macro mlflow_key_values_columns() %}
{{ return([
    {'name': 'run_uuid', 'type': 'string', 'required': true, 'aliases': ['run_id']},
    {'name': 'key', 'type': 'string', 'required': true},
    {'name': 'value', 'type': 'string'},
]) }}
{% endmacro %}


{% macro mlflow_metrics_columns() %}
{{ return([
    {'name': 'run_uuid', 'type': 'string', 'required': true, 'aliases': ['run_id']},
    {'name': 'key', 'type': 'string', 'required': true},
    {'name': 'value', 'type': 'number'},
    {'name': 'timestamp', 'type': 'integer'},
    {'name': 'step', 'type': 'integer'},
    {'name': 'is_nan', 'type': 'boolean'},
]) }}
{% endmacro %}


{% macro mlflow_experiments_columns() %}
{{ return([
    {'name': 'experiment_id', 'type': 'string', 'required': true},
    {'name': 'name', 'type': 'string'},
    {'name': 'artifact_location', 'type': 'string'},
    {'name': 'lifecycle_stage', 'type': 'string'},
    {'name': 'creation_time', 'type': 'integer'},
    {'name': 'last_update_time', 'type': 'integer'},
]) }}
{% endmacro %}
