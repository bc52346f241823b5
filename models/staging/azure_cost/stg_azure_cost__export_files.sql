{#- Each Azure export file and when it was written. Empty when no Azure export var is set. -#}
{{ mlcost.export_files_staging(
    source_relation=source('azure_cost', 'export_files'),
    export_vars=[
        'mlcost_azure_ea_actual', 'mlcost_azure_ea_amortized',
        'mlcost_azure_mca_actual', 'mlcost_azure_mca_amortized',
    ],
) }}
