{#- Job attempt nodes whose cost could not be found: one row per attempt node that matches
    no compute billing line during its attempt, so its job shows less cost than it ran up
    (the machine's cost stays unattributed compute) and the reason:
    - resource id form not recognised: the id is in none of the forms macro resource_key
      knows and no billing line carries it as written;
    - no billing loaded for this provider: no compute billing line of the node's cloud (read
      from the id's form, else the job's provider) is loaded;
    - no billing line for this resource id in any period: the cloud's billing is loaded
      but no line carries this machine (a typo, another billing account, a machine billed
      under another id);
    - billing lines for this resource exist but none overlap the attempt: the machine is
      billed, but not while the attempt ran (billing not yet delivered for those hours,
      wrong attempt times or time zone). -#}

with attempt_nodes as (

    select * from {{ ref('int_attempt_nodes_joined') }}

),

attributed as (

    select * from {{ ref('int_attempt_node_days_costed') }}

),

billed_resources as (

    select * from {{ ref('int_compute_resources_keyed') }}

),

matched_nodes as (

    select distinct attempt_node_id
    from attributed

),

billed_providers as (

    select distinct x_provider
    from billed_resources

),

unmatched_nodes as (

    select
        attempt_nodes.*,
        case
            when attempt_nodes.resource_id_form like 'aws%' then 'aws'
            when attempt_nodes.resource_id_form like 'gce%' then 'gcp'
            when attempt_nodes.resource_id_form like 'azure%' then 'azure'
            else attempt_nodes.provider
        end as node_provider
    from attempt_nodes
    left join matched_nodes
        on attempt_nodes.attempt_node_id = matched_nodes.attempt_node_id
    where matched_nodes.attempt_node_id is null

),

reasons as (

    select
        unmatched_nodes.*,
        billed_resources.first_charge_period_start as resource_billed_from,
        billed_resources.last_charge_period_end as resource_billed_to,
        case
            when billed_resources.match_key is not null
                then 'billing lines for this resource exist but none overlap the attempt'
            when unmatched_nodes.resource_id_form is null
                then 'resource id form not recognised'
            when billed_providers.x_provider is null
                then 'no billing loaded for this provider'
            else 'no billing line for this resource id in any period'
        end as unmatched_reason
    from unmatched_nodes
    left join billed_resources
        on unmatched_nodes.resource_key = billed_resources.match_key
    left join billed_providers
        on unmatched_nodes.node_provider = billed_providers.x_provider

),

final as (

    select
        attempt_node_id,
        attempt_id,
        job_id,
        cast(node_index as {{ dbt.type_bigint() }}) as node_index,
        cast(attempt_number as {{ dbt.type_bigint() }}) as attempt_number,
        attempt_status,
        team,
        user_email,
        project,
        provider,
        node_provider,
        resource_id,
        resource_id_form,
        resource_key,
        started_at,
        ended_at,
        unmatched_reason,
        resource_billed_from,
        resource_billed_to
    from reasons

)

select * from final
