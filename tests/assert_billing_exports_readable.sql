{#- Every configured billing export could be read. An unreadable one is quarantined as
    one row (macros/export_read_check.sql) so the other providers' marts still build;
    this test then fails the build, naming the export and DuckDB's error. Reads a leaf,
    so its failure skips nothing. -#}
with quarantined as (

    select * from {{ ref('fct_quarantined_cost_lines') }}

),

final as (

    select
        x_source_format,
        x_source_file,
        x_quarantine_reason
    from quarantined
    where x_quarantine_reason like 'unreadable export:%'

)

select * from final
