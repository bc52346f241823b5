{#- Runs past their plateau (fct_ml_plateau_waste): the metric each project watches and
    the rule's settings, from the vars mlcost_plateau_metric (the default watch),
    mlcost_plateau_metric_by_project ({project: watch}), mlcost_plateau_min_delta and
    mlcost_plateau_patience, checked once here so a typo stops the build with a message
    instead of a mart that finds no plateau. A watch is {metric: name, direction:
    minimize|maximize}. -#}
{% macro plateau_watch(watch, label) %}
    {%- if watch is not mapping or not (watch.get('metric') or '') | string | trim %}
        {{ exceptions.raise_compiler_error(
            "mlcost: " ~ label ~ " must be {metric: <name>, direction: minimize|maximize}; got "
            ~ watch) }}
    {%- endif %}
    {%- set direction = (watch.get('direction') or 'minimize') | string | trim | lower %}
    {%- if direction not in ['minimize', 'maximize'] %}
        {{ exceptions.raise_compiler_error(
            "mlcost: " ~ label ~ " direction must be minimize or maximize; got '"
            ~ watch.get('direction') ~ "'") }}
    {%- endif %}
    {{ return({'metric': watch.metric | string | trim, 'direction': direction}) }}
{% endmacro %}


{% macro plateau_settings() %}
    {%- set by_project = var('mlcost_plateau_metric_by_project', {}) or {} %}
    {%- if by_project is not mapping %}
        {{ exceptions.raise_compiler_error(
            "mlcost: mlcost_plateau_metric_by_project must map a project to {metric: <name>,"
            ~ " direction: minimize|maximize}; got " ~ by_project) }}
    {%- endif %}
    {%- set projects = {} %}
    {%- for project in by_project | sort %}
        {%- do projects.update({project | string: mlcost.plateau_watch(
            by_project[project], "mlcost_plateau_metric_by_project['" ~ project ~ "']")}) %}
    {%- endfor %}
    {%- set min_delta = var('mlcost_plateau_min_delta', 0.01) %}
    {%- if min_delta is not number or min_delta < 0 %}
        {{ exceptions.raise_compiler_error(
            "mlcost: mlcost_plateau_min_delta must be a number at least 0 (0.01 is 1% of the"
            ~ " best value); got " ~ min_delta) }}
    {%- endif %}
    {%- set patience = var('mlcost_plateau_patience', 5) %}
    {%- if patience is not number or patience != patience | int or patience < 1 %}
        {{ exceptions.raise_compiler_error(
            "mlcost: mlcost_plateau_patience must be a whole number of evaluations, at least"
            ~ " 1; got " ~ patience) }}
    {%- endif %}
    {{ return({
        'default': mlcost.plateau_watch(
            var('mlcost_plateau_metric', {'metric': 'val_loss', 'direction': 'minimize'}),
            'mlcost_plateau_metric'),
        'by_project': projects,
        'min_delta': min_delta,
        'patience': patience | int,
    }) }}
{% endmacro %}


{#- The watched metric's `field` (metric or direction) for the project in `project_column`. -#}
{% macro plateau_watch_value(project_column, field) %}
    {%- set settings = mlcost.plateau_settings() %}
    {%- if settings.by_project %}
    case
        {%- for project, watch in settings.by_project.items() %}
        when {{ project_column }} = {{ dbt.string_literal(project | replace("'", "''")) }}
            then {{ dbt.string_literal(watch[field] | replace("'", "''")) }}
        {%- endfor %}
        else {{ dbt.string_literal(settings.default[field] | replace("'", "''")) }}
    end
    {%- else %}
    {{ dbt.string_literal(settings.default[field] | replace("'", "''")) }}
    {%- endif %}
{%- endmacro %}


{#- The vars fct_ml_plateau_waste reads, for its month tokens: a changed one rebuilds
    every month. -#}
{% macro plateau_setting_values() %}
    {%- set settings = mlcost.plateau_settings() %}
    {{ return([settings.default, settings.by_project | dictsort, settings.min_delta,
               settings.patience, mlcost.reporting_currency()]) }}
{% endmacro %}


{#- Month tokens of fct_ml_plateau_waste (macros/incremental_months.sql): each attempt's
    plateau detection and its costs, on the month the attempt started. -#}
{% macro plateau_waste_month_tokens() %}
    {%- set settings = mlcost.plateau_setting_values() %}
    {{ return([
        mlcost.row_month_tokens(
            ref('int_ml_run_plateaus_detected'), 'started_at',
            ['attempt_id', 'metric_name', 'direction', 'evaluation_count', 'best_value',
             'plateau_step', 'plateau_at'],
            settings),
        mlcost.row_month_tokens(
            ref('fct_ml_job_attempt_costs'), 'started_at',
            ['attempt_id', 'job_id', 'attempt_status', 'ended_at', 'duration_hours',
             'job_name', 'user_email', 'team', 'project', 'model_name', 'provider',
             'billing_currency', 'billed_cost', 'effective_cost',
             'billed_cost_in_reporting_currency', 'effective_cost_in_reporting_currency'],
            settings,
            where='attempt_id in (select attempt_id from '
                ~ ref('int_ml_run_plateaus_detected') ~ ')'),
    ]) }}
{% endmacro %}
