{#- Serving traffic from the contract table (ml_serving_traffic) and from SageMaker
    CloudWatch metrics (int_sagemaker_endpoint_traffic_hourly), on one grain: serving job
    (endpoint), UTC hour, tenant, model. Every row is kept; one mlcost cannot use carries
    x_quarantine_reason (fct_quarantined_ml_job_records lists them):
    - staging's reasons (a negative count, an hour not on the hour, a duplicate key);
    - `unknown endpoint`: no serving job has that job_id (nor, for CloudWatch's
      EndpointName, that job_name);
    - `hour outside any serving attempt`: none of the job's attempts ran in that hour;
    - `delivered by both sources`: the same job, hour, tenant and model in the contract
      table and in CloudWatch; the contract row is kept.
    A CloudWatch endpoint is matched by job_id, else by the job_name of the latest serving
    job of that name; its variant is the tenant. model_name left empty is the job's. -#}
with contract_traffic as (

    select * from {{ ref('stg_ml_jobs__serving_traffic') }}

),

cloudwatch_traffic as (

    select * from {{ ref('int_sagemaker_endpoint_traffic_hourly') }}

),

jobs as (

    select * from {{ ref('int_ml_jobs_unioned') }}
    where job_type = 'serving'

),

attempts as (

    select * from {{ ref('int_ml_job_attempts_unioned') }}

),

{# A job name may be reused by later deployments of another job: the latest wins. -#}
jobs_by_name as (

    select
        job_name,
        job_id
    from (
        select
            job_name,
            job_id,
            row_number() over (
                partition by job_name order by submitted_at desc, job_id desc
            ) as name_rank
        from jobs
        where job_name is not null
    ) as named
    where name_rank = 1

),

delivered as (

    select
        'ml_serving_traffic' as traffic_source,
        endpoint_id,
        hour as hour_started_at,
        tenant,
        model_name,
        requests,
        input_tokens,
        output_tokens,
        errors,
        x_source_file,
        x_quarantine_reason
    from contract_traffic
    union all
    select
        'sagemaker_cloudwatch' as traffic_source,
        endpoint_name as endpoint_id,
        hour_started_at,
        variant_name as tenant,
        cast(null as {{ dbt.type_string() }}) as model_name,
        requests,
        cast(null as {{ dbt.type_bigint() }}) as input_tokens,
        cast(null as {{ dbt.type_bigint() }}) as output_tokens,
        errors,
        x_source_file,
        cast(null as {{ dbt.type_string() }}) as x_quarantine_reason
    from cloudwatch_traffic

),

matched as (

    select
        delivered.*,
        coalesce(jobs.job_id, jobs_by_name.job_id) as job_id
    from delivered
    left join jobs
        on delivered.endpoint_id = jobs.job_id
    left join jobs_by_name
        on delivered.traffic_source = 'sagemaker_cloudwatch'
        and delivered.endpoint_id = jobs_by_name.job_name

),

checked as (

    select
        matched.traffic_source,
        matched.endpoint_id,
        matched.job_id,
        matched.hour_started_at,
        matched.tenant,
        matched.requests,
        matched.input_tokens,
        matched.output_tokens,
        matched.errors,
        matched.x_source_file,
        coalesce(matched.model_name, jobs.model_name) as model_name,
        coalesce(
            matched.x_quarantine_reason,
            case when matched.job_id is null then 'unknown endpoint' end,
            case
                when not exists (
                        select attempts.attempt_id
                        from attempts
                        where attempts.job_id = matched.job_id
                            and attempts.started_at
                            < {{ dbt.dateadd('hour', 1, 'matched.hour_started_at') }}
                            and (
                                attempts.ended_at is null
                                or attempts.ended_at > matched.hour_started_at
                            )
                    ) then 'hour outside any serving attempt'
            end
        ) as x_quarantine_reason
    from matched
    left join jobs
        on matched.job_id = jobs.job_id

),

deduplicated as (

    select
        checked.*,
        case
            when x_quarantine_reason is null
                and row_number() over (
                    partition by
                        job_id, hour_started_at, tenant, model_name,
                        x_quarantine_reason is null
                    order by
                        case when traffic_source = 'ml_serving_traffic' then 0 else 1 end
                ) > 1
                then 'delivered by both sources: the ml_serving_traffic row is kept'
        end as x_duplicate_reason
    from checked

),

final as (

    select
        {{ dbt.concat([
            "traffic_source", "'|'", "coalesce(endpoint_id, '')", "'|'",
            "coalesce(cast(hour_started_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            "coalesce(tenant, '')", "'|'", "coalesce(model_name, '')", "'|'",
            "coalesce(x_source_file, '')", "'|'",
            "cast(row_number() over (partition by traffic_source, endpoint_id,"
            ~ " hour_started_at, tenant, model_name, x_source_file"
            ~ " order by x_quarantine_reason, requests) as " ~ dbt.type_string() ~ ")",
        ]) }} as serving_traffic_id,
        traffic_source,
        endpoint_id,
        job_id,
        hour_started_at,
        tenant,
        model_name,
        requests,
        input_tokens,
        output_tokens,
        errors,
        x_source_file,
        coalesce(x_quarantine_reason, x_duplicate_reason) as x_quarantine_reason
    from deduplicated

)

select * from final
