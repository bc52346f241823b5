{#- Every billed machine under the keys an attempt node can name it by (macro
    resource_key): its resource key, and for a GCE instance also its project, zone and
    name (Kubernetes providerIDs and self-links name the instance, the bill's
    resource.global_name carries its numeric id). With the first and last hour billed, so
    that a node matching no line can say whether the resource was billed at all.
    Compute lines as int_job_costs_attributed reads them. -#}
{#- A table, not the folder's view: attempt nodes and the unmatched-node mart read it. -#}
{{ config(materialized='table') }}

with cost_lines as (

    select * from {{ ref('int_cost_lines_unioned') }}
    where {{ mlcost.is_billed_machine_line() }}

),

keyed_lines as (

    select
        x_provider,
        resource_id,
        {{ mlcost.resource_key('resource_id') }} as resource_key,
        case
            when x_provider = 'gcp'
                then {{ mlcost.gcp_instance_name_key(
                    'sub_account_id', 'availability_zone', 'resource_name') }}
        end as name_key,
        charge_period_start,
        charge_period_end
    from cost_lines

),

resources as (

    select
        resource_key,
        max(x_provider) as x_provider,
        max(name_key) as name_key,
        min(resource_id) as resource_id,
        min(charge_period_start) as first_charge_period_start,
        max(charge_period_end) as last_charge_period_end
    from keyed_lines
    group by 1

),

match_keys as (

    select
        resource_key as match_key,
        resources.*
    from resources
    union all
    select
        name_key as match_key,
        resources.*
    from resources
    where name_key is not null
        and name_key != resource_key

),

final as (

    select
        match_key,
        resource_key,
        x_provider,
        resource_id,
        first_charge_period_start,
        last_charge_period_end
    from match_keys

)

select * from final
