{#- The billing resources each attempt ran on, from the attempt's source: the contract's
    attempt_nodes, or one node per SageMaker training instance (resource id: the training
    job's ARN, as its CUR lines carry it). MLflow runs carry no resource id: their cost
    cannot be attributed until the platform reports the nodes. -#}
{#- A table, not the folder's view: the job marts, attribution and their tests all read it;
    as a view each would read the platform's exports and deduplicate the sources again. -#}
{{ config(materialized='table') }}
{%- set max_instances = 64 %}

with attempts as (

    select * from {{ ref('int_ml_job_attempts_unioned') }}

),

contract_nodes as (

    select * from {{ ref('stg_ml_jobs__attempt_nodes') }}
    where x_quarantine_reason is null

),

training_jobs as (

    select * from {{ ref('stg_sagemaker__training_jobs') }}
    where x_quarantine_reason is null

),

gpu_catalog as (

    select * from {{ ref('gpu_catalog') }}

),

instance_numbers as (

    {% for number in range(max_instances) %}
    select {{ number }} as node_index
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

sagemaker_nodes as (

    select
        training_jobs.training_job_name as attempt_id,
        instance_numbers.node_index,
        training_jobs.training_job_arn as resource_id,
        training_jobs.instance_type,
        cast(gpu_catalog.gpu_count as {{ dbt.type_bigint() }}) as gpus_used,
        'sagemaker' as job_source
    from training_jobs
    inner join instance_numbers
        on instance_numbers.node_index < coalesce(training_jobs.instance_count, 1)
    left join gpu_catalog
        on gpu_catalog.provider = 'aws'
        and training_jobs.instance_type = gpu_catalog.instance_type

),

unioned as (

    select
        attempt_id,
        node_index,
        resource_id,
        instance_type,
        gpus_used,
        'ml_jobs' as job_source
    from contract_nodes
    union all
    select * from sagemaker_nodes

),

final as (

    select
        unioned.attempt_id,
        unioned.node_index,
        unioned.resource_id,
        unioned.instance_type,
        unioned.gpus_used,
        unioned.job_source
    from unioned
    inner join attempts
        on unioned.attempt_id = attempts.attempt_id
        and unioned.job_source = attempts.job_source

)

select * from final
