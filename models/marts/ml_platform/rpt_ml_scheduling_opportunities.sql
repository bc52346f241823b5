{#- Money that a schedule would save, one row per opportunity (opportunity_type):
    - off_hours_machine: per month, dev machine and billing currency, the billed cost of
      the machine's hours outside its team's working hours (seed working_hours, local
      time) with no job attempt running on it (int_dev_machine_hours_classified): what
      stopping it out of hours would save.
    - peak_on_demand_job: a training or batch inference job that ran on demand and whose
      first attempt started inside peak hours (var mlcost_peak_hours) while spot capacity
      of the same instance type is in the same bill (provider, month of the first start,
      billing currency): the job's billed cost times the spot discount observed there
      (int_spot_discounts_monthly), what deferring it to spot off peak would save.
    Amounts in billing_currency and converted at the month's rate. -#}
{#- Incremental by month (macros/scheduling.sql): a month is rebuilt when its machine
    hours, its deferrable jobs, its spot discounts or the rule's settings change. -#}
{{ config(**mlcost.by_month_config('mlcost.scheduling_month_tokens()', 'opportunity_month')) }}
{%- set month_tokens = mlcost.scheduling_month_tokens() %}
{%- set months = mlcost.days_to_rebuild(month_tokens, 'opportunity_month', grain='month') %}
{%- set peak = mlcost.peak_hours() %}
{%- set deferrable_job_types = "'" ~ mlcost.deferrable_job_types() | join("', '") ~ "'" %}

with machine_hours as (

    select * from {{ ref('int_dev_machine_hours_classified') }}
    where is_idle_off_hour
        and {{ mlcost.on_days('hour_start', months, 'month') }}

),

jobs as (

    select * from {{ ref('fct_ml_job_costs') }}
    where job_type in ({{ deferrable_job_types }})
        and not is_spot
        and first_started_at is not null
        and billed_cost > 0
        and {{ mlcost.on_days('first_started_at', months, 'month') }}

),

spot_discounts as (

    select * from {{ ref('int_spot_discounts_monthly') }}
    where spot_discount > 0
        and {{ mlcost.on_days('spot_month', months, 'month') }}

),

off_hours_machines as (

    select
        cast({{ dbt.date_trunc('month', 'hour_start') }} as date) as opportunity_month,
        x_provider as provider,  -- noqa: RF04
        resource_key,
        billing_currency,
        min(resource_id) as resource_id,
        max(instance_type) as instance_type,
        max(team) as team,
        max(time_zone) as time_zone,
        count(*) as off_hours,
        sum(billed_cost) as billed_cost
    from machine_hours
    group by 1, 2, 3, 4

),

off_hours_opportunities as (

    select
        'off_hours_machine' as opportunity_type,
        opportunity_month,
        team,
        provider,
        resource_id,
        resource_key as opportunity_key,
        instance_type,
        cast(null as {{ dbt.type_string() }}) as job_id,
        cast(null as {{ dbt.type_string() }}) as job_name,
        cast(null as {{ dbt.type_string() }}) as job_type,
        time_zone,
        off_hours,
        cast(null as {{ dbt.type_timestamp() }}) as started_at,
        cast(null as {{ dbt.type_timestamp() }}) as started_at_local,
        cast(null as {{ mlcost.type_double() }}) as spot_discount,
        billing_currency,
        billed_cost,
        billed_cost as saving
    from off_hours_machines

),

jobs_localized as (

    select
        jobs.*,
        cast({{ dbt.date_trunc('month', 'jobs.first_started_at') }} as date) as job_month,
        {{ mlcost.to_local_timestamp('jobs.first_started_at', dbt.string_literal(peak.time_zone)) }}
            as started_at_local
    from jobs

),

peak_jobs as (

    select * from jobs_localized
    where {{ mlcost.iso_day_of_week('started_at_local') }} in ({{ peak.days | join(', ') }})
        and extract(hour from started_at_local) >= {{ peak.start_hour }}
        and extract(hour from started_at_local) < {{ peak.end_hour }}

),

peak_opportunities as (

    select
        'peak_on_demand_job' as opportunity_type,
        peak_jobs.job_month as opportunity_month,
        lower(peak_jobs.team) as team,
        peak_jobs.provider,
        cast(null as {{ dbt.type_string() }}) as resource_id,
        peak_jobs.job_id as opportunity_key,
        peak_jobs.instance_type,
        peak_jobs.job_id,
        peak_jobs.job_name,
        peak_jobs.job_type,
        {{ dbt.string_literal(peak.time_zone) }} as time_zone,
        cast(null as {{ dbt.type_bigint() }}) as off_hours,
        peak_jobs.first_started_at as started_at,
        peak_jobs.started_at_local,
        spot_discounts.spot_discount,
        peak_jobs.billing_currency,
        peak_jobs.billed_cost,
        peak_jobs.billed_cost * spot_discounts.spot_discount as saving
    from peak_jobs
    inner join spot_discounts
        on peak_jobs.provider = spot_discounts.x_provider
        and peak_jobs.instance_type = spot_discounts.instance_type
        and peak_jobs.billing_currency = spot_discounts.billing_currency
        and peak_jobs.job_month = spot_discounts.spot_month

),

opportunities as (

    select * from off_hours_opportunities
    union all
    select * from peak_opportunities

),

converted as (

    select
        opportunities.*,
        {{ mlcost.to_reporting_currency(
            'opportunities.billed_cost', 'opportunities.billing_currency') }}
            as billed_cost_in_reporting_currency,
        {{ mlcost.to_reporting_currency(
            'opportunities.saving', 'opportunities.billing_currency') }}
            as saving_in_reporting_currency
    from opportunities
    {{ mlcost.join_reporting_rates(
        'opportunities.billing_currency', 'opportunities.opportunity_month') }}

),

{# The macro names its group by column; this model numbers its own. #}
month_inputs as (

    {{ mlcost.day_inputs_hashes(month_tokens) }} -- noqa: AM06

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "converted.opportunity_type", "'|'",
            "cast(converted.opportunity_month as " ~ dbt.type_string() ~ ")", "'|'",
            "converted.provider", "'|'", "converted.opportunity_key", "'|'",
            "converted.billing_currency",
        ])) }} as scheduling_opportunity_id,
        converted.opportunity_month,
        converted.opportunity_type,
        converted.team,
        converted.provider,
        converted.resource_id,
        converted.instance_type,
        converted.job_id,
        converted.job_name,
        converted.job_type,
        converted.time_zone,
        cast(converted.off_hours as {{ dbt.type_bigint() }}) as off_hours,
        converted.started_at,
        converted.started_at_local,
        cast(converted.spot_discount as {{ mlcost.type_double() }}) as spot_discount,
        converted.billing_currency,
        cast(converted.billed_cost as {{ mlcost.type_money() }}) as billed_cost,
        cast(converted.saving as {{ mlcost.type_money() }}) as saving,
        {{ dbt.string_literal(mlcost.reporting_currency()) }} as reporting_currency,
        cast(converted.billed_cost_in_reporting_currency as {{ mlcost.type_money() }})
            as billed_cost_in_reporting_currency,
        cast(converted.saving_in_reporting_currency as {{ mlcost.type_money() }})
            as saving_in_reporting_currency,
        month_inputs.x_day_inputs_hash
    from converted
    left join month_inputs
        on converted.opportunity_month = month_inputs.x_day

)

select * from final
