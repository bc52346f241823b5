{{ config(**mlcost.export_staging_config('mlcost_azure_mca_actual')) }}
{{ mlcost.with_source_file_times('mlcost_azure_mca_actual', mlcost.azure_cost_staging(
    var_name='mlcost_azure_mca_actual',
    source_format='azure_mca_actual',
    source_relation=source('azure_cost', 'mca_actual'),
)) }}
