{#- Rows of the gpu_quotas seed the quota mart cannot judge by, with the reason: a
    non-positive limit, an amount without its currency, a month not given as its first
    day, or two rows for one team (case-insensitive), month and GPU model. -#}
with quotas as (

    select * from {{ ref('gpu_quotas') }}

),

problems as (

    select
        team,
        quota_month,
        gpu_model,
        case
            when gpu_hours <= 0 then 'gpu_hours not above 0'
            when amount is not null and amount <= 0 then 'amount not above 0'
            when amount is not null and currency is null then 'amount without currency'
            when quota_month is not null
                and quota_month != cast({{ dbt.date_trunc('month', 'quota_month') }} as date)
                then 'quota_month not the first day of a month'
        end as problem
    from quotas

),

duplicates as (

    select
        min(team) as team,
        quota_month,
        min(gpu_model) as gpu_model,
        'several rows for one team, month and GPU model' as problem
    from quotas
    group by lower(team), quota_month, lower(gpu_model)
    having count(*) > 1

)

select * from problems
where problem is not null
union all
select * from duplicates
