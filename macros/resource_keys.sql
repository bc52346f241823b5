{#- One key per machine, whatever form its id was written in, so that billing lines and
    job attempt nodes meet in the job join. The forms the clouds and schedulers write, in
    order (first match wins; ids are compared lowercased, surrounding blanks and trailing
    slashes dropped):

    | form | example | key |
    |---|---|---|
    | aws_instance_id | `i-0abc...` (CUR line_item_resource_id) | `i-0abc...` |
    | aws_instance_arn | `arn:aws:ec2:us-east-1:123456789012:instance/i-0abc...` | `i-0abc...` |
    | aws_provider_id | `aws:///us-east-1c/i-0abc...` (Kubernetes node providerID) | `i-0abc...` |
    | aws_arn | `arn:aws:sagemaker:...:training-job/name` and other ARNs | the ARN |
    | gce_instance_number | `//compute.googleapis.com/projects/p/zones/z/instances/123...` (billing resource.global_name), self-link or `projects/...` path ending in the numeric id | `gce:123...` |
    | gce_instance_name | `https://www.googleapis.com/compute/v1/projects/p/zones/z/instances/name` (self-link), `projects/p/zones/z/instances/name` | `gce:p/z/name` |
    | gce_provider_id | `gce://p/z/name` (Kubernetes node providerID) | `gce:p/z/name` |
    | gce_numeric_id | `1234567890123456789` (the instance's numeric id alone) | `gce:1234...` |
    | azure_vmss_instance | `.../virtualMachineScaleSets/pool/virtualMachines/3`, also with the `azure://` providerID prefix | the scale set's id (Azure bills the scale set) |
    | azure_resource_id | `/subscriptions/...`, `azure:///subscriptions/...`, `https://management.azure.com/subscriptions/...`, `subscriptions/...` | `/subscriptions/...` lowercased |

    A GCE instance's numeric id is unique on its own; a name only within its project and
    zone, so a billing line is also keyed by its project, zone and resource.name (macro
    gcp_instance_name_key). An id in no known form keys as itself (lowercased). -#}
{% macro resource_id_forms() %}
    {%- set gce = "(?:https?://(?:www|compute)\\.googleapis\\.com/compute/[a-z0-9]+/"
        ~ "|//compute\\.googleapis\\.com/)?projects/([^/]+)/zones/([^/]+)/instances/" %}
    {%- set arm = "^(?:azure:/+|https?://management\\.azure\\.com/+|/+)?(subscriptions/" %}
    {{ return([
        {'form': 'aws_instance_id', 'pattern': '^(i-[0-9a-f]+)$', 'key': '\\1'},
        {'form': 'aws_instance_arn',
         'pattern': '^arn:aws[a-z-]*:ec2:[^:]*:[0-9]*:instance/(i-[0-9a-f]+)$', 'key': '\\1'},
        {'form': 'aws_provider_id', 'pattern': '^aws:/+(?:[^/]+/)?(i-[0-9a-f]+)$',
         'key': '\\1'},
        {'form': 'aws_arn', 'pattern': '^(arn:aws[a-z-]*:.+)$', 'key': '\\1'},
        {'form': 'gce_instance_number', 'pattern': '^' ~ gce ~ '([0-9]+)$', 'key': 'gce:\\3'},
        {'form': 'gce_instance_name', 'pattern': '^' ~ gce ~ '([^/]+)$',
         'key': 'gce:\\1/\\2/\\3'},
        {'form': 'gce_provider_id', 'pattern': '^gce://([^/]+)/([^/]+)/([^/]+)$',
         'key': 'gce:\\1/\\2/\\3'},
        {'form': 'gce_numeric_id', 'pattern': '^([0-9]+)$', 'key': 'gce:\\1'},
        {'form': 'azure_vmss_instance',
         'pattern': arm ~ '[^/]+/resourcegroups/[^/]+/providers/microsoft\\.compute/'
            ~ 'virtualmachinescalesets/[^/]+)/virtualmachines/[^/]+$',
         'key': '/\\1'},
        {'form': 'azure_resource_id', 'pattern': arm ~ '.+)$', 'key': '/\\1'},
    ]) }}
{% endmacro %}


{#- The form of a resource id (a name from resource_id_forms), null when it is in none. -#}
{% macro resource_id_form(expression) %}
    {{ return(adapter.dispatch('resource_id_form', 'mlcost')(expression)) }}
{% endmacro %}

{% macro default__resource_id_form(expression) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: resource_id_form has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__resource_id_form in macros/resource_keys.sql") }}
{% endmacro %}

{#- DuckDB: regular expressions are engine-specific (RE2 syntax, regexp_matches). -#}
{% macro duckdb__resource_id_form(expression) %}
    {%- set cleaned = mlcost.resource_id_cleaned(expression) %}
    (case
        {%- for form in mlcost.resource_id_forms() %}
        when regexp_matches({{ cleaned }}, '{{ form.pattern }}') then '{{ form.form }}'
        {%- endfor %}
    end)
{% endmacro %}


{#- The canonical key of a resource id (table in resource_id_forms); null for no id. -#}
{% macro resource_key(expression) %}
    {{ return(adapter.dispatch('resource_key', 'mlcost')(expression)) }}
{% endmacro %}

{% macro default__resource_key(expression) %}
    {{ exceptions.raise_compiler_error(
        "mlcost: resource_key has no implementation for " ~ target.type
        ~ "; add " ~ target.type ~ "__resource_key in macros/resource_keys.sql") }}
{% endmacro %}

{% macro duckdb__resource_key(expression) %}
    {%- set cleaned = mlcost.resource_id_cleaned(expression) %}
    (case
        {%- for form in mlcost.resource_id_forms() %}
        when regexp_matches({{ cleaned }}, '{{ form.pattern }}')
            then regexp_replace({{ cleaned }}, '{{ form.pattern }}', '{{ form.key }}')
        {%- endfor %}
        else nullif({{ cleaned }}, '')
    end)
{% endmacro %}


{#- A GCE billing line's second key: its project, zone and instance name (resource.name),
    which Kubernetes providerIDs and self-links carry instead of the numeric id. Null for
    lines of other providers or without a name. -#}
{% macro gcp_instance_name_key(project_id, zone, resource_name) %}
    {{ mlcost.resource_key(dbt.concat([
        "'projects/'", project_id, "'/zones/'", zone, "'/instances/'", resource_name,
    ])) }}
{% endmacro %}


{#- Lowercased, without surrounding blanks or trailing slashes. -#}
{% macro resource_id_cleaned(expression) %}
    rtrim(lower(trim(cast({{ expression }} as {{ dbt.type_string() }}))), '/')
{% endmacro %}


{#- A kept usage line of a billed machine (an instance type and a resource id): the
    compute lines job attribution, the unattributed remainder and the resource keys all
    read, so they agree on what a machine is. The unused part of a commitment (Azure
    UnusedReservation) is no machine. -#}
{% macro is_billed_machine_line() %}
    x_quarantine_reason is null
    and resource_id is not null
    and charge_category = 'Usage'
    and x_instance_type is not null
    and coalesce(commitment_discount_status, '') != 'Unused'
{%- endmacro %}
