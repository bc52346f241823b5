{#- The FOCUS columns whose values come from a fixed list, with the spec's spelling of
    each value. The sets are the same in FOCUS 1.0, 1.1 and 1.2 (FOCUS_Spec tags v1.0,
    v1.1, v1.2: specification/columns/*.md). `renamed` holds values of FOCUS
    1.0-preview that 1.0 renamed (PricingCategory On-Demand -> Standard,
    Commitment-Based -> Committed), which early exports still write. Values are matched
    ignoring case, spaces, `-` and `_` (`Usage-based`, `usage_based` -> `Usage-Based`). -#}
{% macro focus_enumerations() %}
{{ return({
    'charge_category': {'values': ['Usage', 'Purchase', 'Tax', 'Credit', 'Adjustment']},
    'charge_class': {'values': ['Correction']},
    'charge_frequency': {'values': ['One-Time', 'Recurring', 'Usage-Based']},
    'pricing_category': {
        'values': ['Standard', 'Dynamic', 'Committed', 'Other'],
        'renamed': {'On-Demand': 'Standard', 'Commitment-Based': 'Committed'},
    },
    'commitment_discount_category': {'values': ['Spend', 'Usage']},
    'commitment_discount_status': {'values': ['Used', 'Unused']},
    'capacity_reservation_status': {'values': ['Used', 'Unused']},
    'service_category': {'values': [
        'AI and Machine Learning', 'Analytics', 'Business Applications', 'Compute',
        'Databases', 'Developer Tools', 'Multicloud', 'Identity', 'Integration',
        'Internet of Things', 'Management and Governance', 'Media', 'Migration',
        'Mobile', 'Networking', 'Security', 'Storage', 'Web', 'Other',
    ]},
}) }}
{% endmacro %}


{#- The columns each FOCUS version added (FOCUS_Spec tags v1.0 .. v1.2; 1.3 adds the
    provider columns mlcost carries). A file is the newest version whose added columns it
    fills on at least one line: none of them is mandatory, so this is a lower bound, and
    var mlcost_focus_version names the version when it is known. -#}
{% macro focus_version_markers() %}
{{ return([
    ('1.3', ['service_provider_name', 'host_provider_name']),
    ('1.2', ['billing_account_type', 'sub_account_type', 'invoice_id', 'pricing_currency',
             'pricing_currency_contracted_unit_price', 'pricing_currency_effective_cost',
             'pricing_currency_list_unit_price']),
    ('1.1', ['capacity_reservation_id', 'capacity_reservation_status',
             'commitment_discount_quantity', 'commitment_discount_unit',
             'service_subcategory', 'sku_meter', 'sku_price_details']),
]) }}
{% endmacro %}
