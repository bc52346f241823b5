{#- Columns of a FOCUS export as the clouds deliver it (AWS Data Exports FOCUS, GCP FOCUS
    BigQuery view, Azure FocusCost): the FOCUS columns of focus_columns(), each also matched
    in the spec's PascalCase (matching ignores case, so `billed_cost` is found as
    `BilledCost`). ChargePeriodStart and BilledCost are required; every other column a file
    has not sent is a typed null. Provider x_ columns and non-x_ extras are ignored. -#}
{% macro focus_export_columns() %}
    {%- set spec = [] %}
    {%- for column_spec in mlcost.focus_columns() if not column_spec.name.startswith('x_') %}
        {%- do spec.append({
            'name': column_spec.name,
            'type': column_spec.type,
            'aliases': [column_spec.name | replace('_', '')],
            'required': column_spec.name in ['charge_period_start', 'billed_cost'],
        }) %}
    {%- endfor %}
    {{ return(spec) }}
{% endmacro %}
