{#- SageMaker endpoint invocations per endpoint name, variant and UTC hour: the usable
    metric-stream records (one per minute) summed to their hour, Invocations as requests
    and Invocation4XXErrors + Invocation5XXErrors as errors. CloudWatch counts no tokens. -#}
with metric_records as (

    select * from {{ ref('stg_sagemaker__endpoint_invocation_metrics') }}
    where x_quarantine_reason is null

),

hourly as (

    select
        endpoint_name,
        variant_name,
        {{ dbt.date_trunc('hour', 'period_start_at') }} as hour_started_at,
        sum(case when metric_name = 'Invocations' then value_sum else 0 end) as requests,
        sum(case when metric_name <> 'Invocations' then value_sum else 0 end) as errors,
        count(case when metric_name = 'Invocations' then 1 end) as invocation_record_count,
        max(x_source_file) as x_source_file
    from metric_records
    group by 1, 2, 3

),

final as (

    select
        endpoint_name,
        variant_name,
        hour_started_at,
        cast(round(requests) as {{ dbt.type_bigint() }}) as requests,
        cast(round(errors) as {{ dbt.type_bigint() }}) as errors,
        invocation_record_count,
        x_source_file
    from hourly

)

select * from final
