{{ config(**mlcost.export_staging_config('mlcost_azure_mca_amortized')) }}
{{ mlcost.with_source_file_times('mlcost_azure_mca_amortized', mlcost.azure_cost_staging(
    var_name='mlcost_azure_mca_amortized',
    source_format='azure_mca_amortized',
    source_relation=source('azure_cost', 'mca_amortized'),
)) }}
