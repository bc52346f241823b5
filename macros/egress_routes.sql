{#- Data-transfer lines and their routes, from what each cloud writes on the line:
    AWS usage types (`USE1-USW2-AWS-Out-Bytes`, `USE1-DataTransfer-Regional-Bytes`,
    `USE1-DataTransfer-Out-Bytes`, `USE1-NatGateway-Bytes`) and CUR product from/to location;
    GCP SKU descriptions (`Network Inter Region Data Transfer Out from Americas to EMEA`,
    `Network Inter Zone ...`, `Network Internet ...`, `Cloud CDN ...`); Azure meter category
    `Bandwidth` with meter names (`Intra Continent` / `Inter Continent` = between regions,
    `Inter Availability Zone`, `Standard Data Transfer Out` = internet). Plain SQL (lower,
    like): no dispatch needed. -#}

{#- True for a line that meters data moved over the network (GB). -#}
{% macro is_data_transfer_line(
    usage_type='x_usage_type',
    service_name='service_name',
    charge_description='charge_description'
) %}
(
    lower(coalesce({{ usage_type }}, '')) like '%bytes%'
    or lower(coalesce({{ usage_type }}, '')) like '%data transfer%'
    or lower(coalesce({{ usage_type }}, '')) like '%egress%'
    or lower(coalesce({{ usage_type }}, '')) like '%data processed%'
    or lower(coalesce({{ service_name }}, '')) in ('bandwidth', 'content delivery network')
    or lower(coalesce({{ charge_description }}, '')) like '%data transfer%'
)
{% endmacro %}


{#- The route of a data-transfer line: same_az, inter_az, inter_region, internet, cdn, nat or
    unclassified. Inter-cloud and on-premises destinations bill as internet egress; the
    egress_destinations seed names the resources whose internet egress goes to them. -#}
{% macro egress_route(
    usage_type='x_usage_type',
    service_name='service_name',
    charge_description='charge_description',
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
case
    when {{ text }} like '%cloudfront%'
        or {{ text }} like '%cdn%'
        or {{ text }} like '%content delivery%'
        then 'cdn'
    when {{ text }} like '%natgateway%'
        or {{ text }} like '%nat gateway%'
        or {{ text }} like '%data processed%'
        then 'nat'
    when {{ text }} like '%intra zone%'
        or {{ text }} like '%intra-zone%'
        or {{ text }} like '%same zone%'
        or {{ text }} like '%intraaz%'
        then 'same_az'
    when {{ text }} like '%datatransfer-regional-bytes%'
        or {{ text }} like '%inter zone%'
        or {{ text }} like '%inter-zone%'
        or {{ text }} like '%inter availability zone%'
        or {{ text }} like '%interzone%'
        then 'inter_az'
    when {{ text }} like '%-aws-out-bytes%'
        or {{ text }} like '%-aws-in-bytes%'
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
        or {{ text }} like '%standard data transfer out%'
        or lower(coalesce({{ to_location }}, '')) = 'external'
        then 'internet'
    else 'unclassified'
end
{% endmacro %}
