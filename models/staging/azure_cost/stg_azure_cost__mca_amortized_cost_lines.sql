{{ mlcost.azure_cost_staging(
    var_name='mlcost_azure_mca_amortized',
    source_format='azure_mca_amortized',
    source_relation=source('azure_cost', 'mca_amortized') if mlcost.source_is_configured('mlcost_azure_mca_amortized') else none,
) }}
