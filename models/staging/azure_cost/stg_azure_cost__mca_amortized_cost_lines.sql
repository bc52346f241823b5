{{ mlcost.azure_cost_staging(
    var_name='mlcost_azure_mca_amortized',
    source_format='azure_mca_amortized',
    source_relation=source('azure_cost', 'mca_amortized'),
) }}
