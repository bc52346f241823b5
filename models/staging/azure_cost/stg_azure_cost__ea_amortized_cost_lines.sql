{{ mlcost.azure_cost_staging(
    var_name='mlcost_azure_ea_amortized',
    source_format='azure_ea_amortized',
    source_relation=source('azure_cost', 'ea_amortized'),
) }}
