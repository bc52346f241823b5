{#- The canonical ML job contract (documented in models/staging/ml_jobs/_ml_jobs__docs.md).
    An ML platform exports its job tables in these shapes, or an adapter model maps its own
    (MLflow, SageMaker) onto them. -#}
{% macro ml_jobs_columns() %}
{{ return([
    {'name': 'job_id', 'type': 'string', 'required': true},
    {'name': 'job_name', 'type': 'string'},
    {'name': 'job_type', 'type': 'string', 'required': true},
    {'name': 'user_email', 'type': 'string', 'aliases': ['user', 'user_id', 'owner']},
    {'name': 'team', 'type': 'string'},
    {'name': 'project', 'type': 'string'},
    {'name': 'model_name', 'type': 'string', 'aliases': ['model']},
    {'name': 'provider', 'type': 'string', 'required': true},
    {'name': 'region', 'type': 'string'},
    {'name': 'instance_type', 'type': 'string'},
    {'name': 'node_count', 'type': 'integer'},
    {'name': 'gpu_model', 'type': 'string'},
    {'name': 'gpus_per_node', 'type': 'integer', 'aliases': ['gpu_count']},
    {'name': 'is_spot', 'type': 'boolean'},
    {'name': 'checkpoint_enabled', 'type': 'boolean'},
    {'name': 'submitted_at', 'type': 'timestamp'},
    {'name': 'status', 'type': 'string', 'required': true},
    {'name': 'config_hash', 'type': 'string'},
    {'name': 'dataset_uri', 'type': 'string'},
]) }}
{% endmacro %}


{% macro ml_job_attempts_columns() %}
{{ return([
    {'name': 'attempt_id', 'type': 'string', 'required': true},
    {'name': 'job_id', 'type': 'string', 'required': true},
    {'name': 'attempt_number', 'type': 'integer', 'required': true},
    {'name': 'status', 'type': 'string', 'required': true},
    {'name': 'started_at', 'type': 'timestamp', 'required': true},
    {'name': 'ended_at', 'type': 'timestamp'},
    {'name': 'failure_reason', 'type': 'string'},
    {'name': 'gpu_utilization_pct', 'type': 'number'},
    {'name': 'resumed_from_checkpoint_id', 'type': 'string'},
    {'name': 'gpu_memory_peak_gb', 'type': 'number'},
]) }}
{% endmacro %}


{% macro ml_attempt_nodes_columns() %}
{{ return([
    {'name': 'attempt_id', 'type': 'string', 'required': true},
    {'name': 'node_index', 'type': 'integer', 'required': true},
    {'name': 'resource_id', 'type': 'string', 'required': true},
    {'name': 'instance_type', 'type': 'string'},
    {'name': 'gpus_used', 'type': 'integer'},
    {'name': 'volume_ids', 'type': 'string'},
]) }}
{% endmacro %}


{% macro ml_checkpoints_columns() %}
{{ return([
    {'name': 'checkpoint_id', 'type': 'string', 'required': true},
    {'name': 'job_id', 'type': 'string', 'required': true},
    {'name': 'attempt_id', 'type': 'string', 'required': true},
    {'name': 'saved_at', 'type': 'timestamp', 'required': true},
    {'name': 'step', 'type': 'integer'},
    {'name': 'uri', 'type': 'string'},
    {'name': 'size_gb', 'type': 'number'},
]) }}
{% endmacro %}


{#- Evaluations of a metric per attempt, for platforms without MLflow (fct_ml_plateau_waste
    reads the watched metric). Key: attempt_id, metric_name, step. -#}
{% macro ml_metric_history_columns() %}
{{ return([
    {'name': 'attempt_id', 'type': 'string', 'required': true},
    {'name': 'metric_name', 'type': 'string', 'required': true, 'aliases': ['metric', 'key']},
    {'name': 'step', 'type': 'integer', 'required': true},
    {'name': 'value', 'type': 'number', 'required': true},
    {'name': 'logged_at', 'type': 'timestamp', 'required': true},
]) }}
{% endmacro %}


{#- Requests an endpoint served per UTC hour, tenant (or feature) and model, for inference
    unit costs: a dump of the team's own request metrics. endpoint_id is the serving job's
    job_id; hour the start of a UTC hour (a time inside the hour is quarantined, not moved).
    Key: endpoint_id, hour, tenant, model_name. -#}
{% macro ml_serving_traffic_columns() %}
{{ return([
    {'name': 'endpoint_id', 'type': 'string', 'required': true,
     'aliases': ['serving_job_id', 'endpoint']},
    {'name': 'hour', 'type': 'timestamp', 'required': true,
     'aliases': ['hour_start', 'hour_started_at', 'period_start']},
    {'name': 'tenant', 'type': 'string', 'aliases': ['tenant_id', 'feature', 'customer']},
    {'name': 'model_name', 'type': 'string', 'aliases': ['model']},
    {'name': 'requests', 'type': 'integer', 'required': true,
     'aliases': ['request_count', 'invocations']},
    {'name': 'input_tokens', 'type': 'integer', 'aliases': ['prompt_tokens']},
    {'name': 'output_tokens', 'type': 'integer', 'aliases': ['completion_tokens']},
    {'name': 'errors', 'type': 'integer', 'aliases': ['error_count']},
]) }}
{% endmacro %}
