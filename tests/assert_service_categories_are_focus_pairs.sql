{#- Every service's category and sub-category is a FOCUS 1.2 pair: the sub-category is
    one of its category's, spelled as the spec spells it. -#}
with service_categories as (

    select * from {{ ref('service_categories') }}

),

focus_pairs as (

    select * from {{ ref('focus_service_subcategories') }}

),

final as (

    select
        service_categories.provider,
        service_categories.service_code,
        service_categories.service_category,
        service_categories.service_subcategory
    from service_categories
    left join focus_pairs
        on service_categories.service_category = focus_pairs.service_category
        and service_categories.service_subcategory = focus_pairs.service_subcategory
    where focus_pairs.service_subcategory is null

)

select * from final
