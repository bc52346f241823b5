{#- Data-transfer lines and their routes. Each provider's own fields decide first:
    AWS `product/transferType` (`AWS Inbound`, `AWS Outbound`, `InterRegion Inbound`,
    `InterRegion Outbound`, `IntraRegion`...), Azure meter sub-categories (`VNet Peering`
    with `Intra-Region` / `Inter-Region` `Ingress` / `Egress` meters, `Private Link` with
    `Data Processed - Ingress` / `- Egress`, Bandwidth `Inter-Region`), GCP SKU descriptions
    (`Network Inter Region Data Transfer Out from Americas to EMEA`, `Network Internet Egress
    from Americas to APAC`, `Network Data Transfer Out via Carrier Peering`, `Download
    Worldwide Destinations ...`, `... GCP Replication within Northern America`). Usage-type
    and meter-name patterns (`USE1-USW2-AWS-Out-Bytes`, `USE1-DataTransfer-In-Bytes`,
    `USE1-DataTransfer-xAZ-In-Bytes`, `NatGateway-Bytes`, `Intra Continent Data Transfer
    Out`) are the fallback for lines without them. Plain SQL (lower, like): no dispatch. -#}


{#- True for a line that meters data moved over the network (GB). -#}
{% macro is_data_transfer_line(
    usage_type='x_usage_type',
    service_name='service_name',
    charge_description='charge_description',
    transfer_type='x_transfer_type',
    sub_category='x_operation',
    provider='x_provider'
) %}
(
    nullif(trim(coalesce({{ transfer_type }}, '')), '') is not null
    or lower(coalesce({{ usage_type }}, '')) like '%bytes%'
    or lower(coalesce({{ usage_type }}, '')) like '%data transfer%'
    or lower(coalesce({{ usage_type }}, '')) like '%egress%'
    or lower(coalesce({{ usage_type }}, '')) like '%ingress%'
    or lower(coalesce({{ usage_type }}, '')) like '%data processed%'
    or lower(coalesce({{ service_name }}, '')) in ('bandwidth', 'content delivery network')
    or lower(coalesce({{ charge_description }}, '')) like '%data transfer%'
    or ({{ provider }} = 'azure'
        and lower(coalesce({{ sub_category }}, '')) like '%peering%')
    or ({{ provider }} = 'gcp'
        and lower(coalesce({{ usage_type }}, '')) like 'download %')
)
{% endmacro %}


{#- The route of a data-transfer line: same_az, inter_az, inter_region, internet, cdn, nat,
    peering, private_link; inter_az_inbound, inter_region_inbound, internet_inbound,
    peering_inbound, private_link_inbound for data into the line's region; unclassified.
    Inter-cloud and on-premises destinations bill as internet egress; the
    egress_destinations seed names the resources whose internet egress goes to them. -#}
{% macro egress_route(
    provider='x_provider',
    usage_type='x_usage_type',
    service_name='service_name',
    charge_description='charge_description',
    transfer_type='x_transfer_type',
    sub_category='x_operation',
    from_region='x_transfer_from_region',
    to_region='x_transfer_to_region',
    to_location='x_transfer_to_location'
) %}
{%- set text -%}
lower(concat(
    coalesce({{ service_name }}, ''), ' | ',
    coalesce({{ usage_type }}, ''), ' | ',
    coalesce({{ charge_description }}, '')
))
{%- endset -%}
{%- set aws_type = "lower(coalesce(" ~ transfer_type ~ ", ''))" -%}
{%- set meter = "lower(coalesce(" ~ usage_type ~ ", ''))" -%}
{%- set azure_sub = "lower(coalesce(" ~ sub_category ~ ", ''))" -%}
case
    {#- AWS product/transferType: the price list's own class of the line. #}
    when {{ provider }} = 'aws' and {{ aws_type }} like '%cloudfront%' then 'cdn'
    when {{ provider }} = 'aws' and {{ aws_type }} like '%interregion%inbound%'
        then 'inter_region_inbound'
    when {{ provider }} = 'aws' and {{ aws_type }} like '%interregion%' then 'inter_region'
    when {{ provider }} = 'aws' and {{ aws_type }} like '%intraregion%inbound%'
        then 'inter_az_inbound'
    when {{ provider }} = 'aws' and {{ aws_type }} like '%intraregion%' then 'inter_az'
    when {{ provider }} = 'aws' and {{ aws_type }} like '%inbound%' then 'internet_inbound'
    when {{ provider }} = 'aws' and {{ aws_type }} like '%outbound%' then 'internet'
    {#- Azure meter sub-categories: VNet peering bills both ends, within a region or
        (global peering) across regions; Private Link bills data processed both ways. #}
    when {{ provider }} = 'azure' and {{ azure_sub }} like '%peering%'
        and {{ meter }} like '%inter%region%' and {{ meter }} like '%ingress%'
        then 'inter_region_inbound'
    when {{ provider }} = 'azure' and {{ azure_sub }} like '%peering%'
        and {{ meter }} like '%inter%region%'
        then 'inter_region'
    when {{ provider }} = 'azure' and {{ azure_sub }} like '%peering%'
        and {{ meter }} like '%ingress%'
        then 'peering_inbound'
    when {{ provider }} = 'azure' and {{ azure_sub }} like '%peering%' then 'peering'
    when {{ provider }} = 'azure' and {{ azure_sub }} like '%private link%'
        and {{ meter }} like '%ingress%'
        then 'private_link_inbound'
    when {{ provider }} = 'azure' and {{ azure_sub }} like '%private link%'
        and {{ meter }} like '%data processed%'
        then 'private_link'
    when {{ provider }} = 'azure' and {{ azure_sub }} = 'inter-region' then 'inter_region'
    {#- GCP SKU descriptions name the kind and the continents. #}
    when {{ provider }} = 'gcp' and ({{ meter }} like '%cdn%' or {{ meter }} like '%cache%')
        then 'cdn'
    when {{ provider }} = 'gcp'
        and ({{ meter }} like '%carrier peering%' or {{ meter }} like '%direct peering%'
            or {{ meter }} like '%interconnect%')
        then 'peering'
    when {{ provider }} = 'gcp' and {{ meter }} like '%inter%zone%' then 'inter_az'
    when {{ provider }} = 'gcp' and {{ meter }} like '%intra%zone%' then 'same_az'
    when {{ provider }} = 'gcp'
        and ({{ meter }} like '%inter%region%' or {{ meter }} like '%replication%')
        then 'inter_region'
    when {{ provider }} = 'gcp'
        and ({{ meter }} like '%internet%' or {{ meter }} like 'download %')
        then 'internet'
    {#- Fallback: usage-type and meter-name patterns. #}
    when {{ text }} like '%cloudfront%'
        or {{ text }} like '%cdn%'
        or {{ text }} like '%content delivery%'
        then 'cdn'
    when {{ text }} like '%natgateway%'
        or {{ text }} like '%nat gateway%'
        then 'nat'
    when {{ text }} like '%data processed - ingress%' then 'private_link_inbound'
    when {{ text }} like '%data processed - egress%' then 'private_link'
    when {{ text }} like '%data processed%' then 'nat'
    when {{ text }} like '%-aws-in-bytes%'
        or {{ text }} like '%inter-region ingress%'
        then 'inter_region_inbound'
    when {{ text }} like '%datatransfer-xaz-in-bytes%' then 'inter_az_inbound'
    when {{ text }} like '%datatransfer-in-bytes%' then 'internet_inbound'
    when {{ text }} like '%intra-region ingress%' then 'peering_inbound'
    when {{ text }} like '%intra-region egress%' then 'peering'
    when {{ text }} like '%intra zone%'
        or {{ text }} like '%intra-zone%'
        or {{ text }} like '%same zone%'
        or {{ text }} like '%intraaz%'
        then 'same_az'
    when {{ text }} like '%datatransfer-regional-bytes%'
        or {{ text }} like '%datatransfer-xaz-out-bytes%'
        or {{ text }} like '%inter zone%'
        or {{ text }} like '%inter-zone%'
        or {{ text }} like '%inter availability zone%'
        or {{ text }} like '%interzone%'
        then 'inter_az'
    when {{ text }} like '%-aws-out-bytes%'
        or {{ text }} like '%inter region%'
        or {{ text }} like '%inter-region%'
        or {{ text }} like '%intra continent%'
        or {{ text }} like '%inter continent%'
        or ({{ from_region }} is not null
            and {{ to_region }} is not null
            and {{ from_region }} != {{ to_region }})
        then 'inter_region'
    when {{ text }} like '%datatransfer-out-bytes%'
        or {{ text }} like '%internet%'
        or {{ text }} like '%data transfer out%'
        or lower(coalesce({{ to_location }}, '')) = 'external'
        then 'internet'
    else 'unclassified'
end
{% endmacro %}
