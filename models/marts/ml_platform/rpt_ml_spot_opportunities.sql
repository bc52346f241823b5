{#- Spot opportunity: jobs that save checkpoints (so can resume after a preemption) but ran
    on demand, with what they would have cost on spot. The discount is the one observed in
    the same bill: 1 - spot billed cost / spot list cost of compute lines of the same
    provider and instance type, else of the provider's spot compute, over every month of
    the bill (int_spot_discounts_monthly, summed). Commitment-covered usage is already paid
    for, so the saving applies to billed cost only. -#}

with spot_months as (

    select * from {{ ref('int_spot_discounts_monthly') }}

),

jobs as (

    select * from {{ ref('fct_ml_job_costs') }}
    where checkpoint_enabled
        and not is_spot

),

spot_by_instance_type as (

    select
        x_provider as provider_name,
        instance_type,
        sum(spot_billed_cost) as spot_billed_cost,
        sum(spot_list_cost) as spot_list_cost
    from spot_months
    group by 1, 2

),

spot_by_provider as (

    select
        x_provider as provider_name,
        sum(spot_billed_cost) as spot_billed_cost,
        sum(spot_list_cost) as spot_list_cost
    from spot_months
    group by 1

),

discounts as (

    select
        jobs.job_id,
        case
            when spot_by_instance_type.spot_list_cost > 0
                then 1 - spot_by_instance_type.spot_billed_cost
                    / spot_by_instance_type.spot_list_cost
            when spot_by_provider.spot_list_cost > 0
                then 1 - spot_by_provider.spot_billed_cost / spot_by_provider.spot_list_cost
        end as spot_discount,
        case
            when spot_by_instance_type.spot_list_cost > 0 then 'instance_type'
            when spot_by_provider.spot_list_cost > 0 then 'provider'
        end as spot_discount_basis
    from jobs
    left join spot_by_instance_type
        on jobs.provider = spot_by_instance_type.provider_name
        and jobs.instance_type = spot_by_instance_type.instance_type
    left join spot_by_provider
        on jobs.provider = spot_by_provider.provider_name

),

final as (

    select
        jobs.job_id,
        jobs.job_name,
        jobs.job_type,
        jobs.user_email,
        jobs.team,
        jobs.project,
        jobs.model_name,
        jobs.provider,
        jobs.region,
        jobs.instance_type,
        jobs.final_status,
        jobs.gpu_hours,
        jobs.billing_currency,
        jobs.billed_cost,
        jobs.effective_cost,
        discounts.spot_discount_basis,
        cast(discounts.spot_discount as {{ mlcost.type_double() }}) as spot_discount,
        cast(
            jobs.billed_cost * coalesce(discounts.spot_discount, 0)
            as {{ mlcost.type_money() }}
        ) as spot_saving_billed_cost,
        jobs.reporting_currency,
        jobs.billed_cost_in_reporting_currency,
        jobs.effective_cost_in_reporting_currency,
        cast(
            jobs.billed_cost_in_reporting_currency * coalesce(discounts.spot_discount, 0)
            as {{ mlcost.type_money() }}
        ) as spot_saving_billed_cost_in_reporting_currency
    from jobs
    inner join discounts
        on jobs.job_id = discounts.job_id

)

select * from final
