{#- No file of a delivery repeats another file of the same delivery line for line (a
    part file copied as `part_0 (1).csv`, a month saved twice into one folder). The
    repeat's lines are quarantined, their reason naming the file they repeat, so nothing
    is counted twice or lost; this test then fails the build naming both files. Reads a
    leaf, so its failure skips no mart. The failing rows are kept in the test's audit
    table (store_failures) for the user to read. -#}
{{ config(store_failures=true) }}

with quarantined as (

    select * from {{ ref('fct_quarantined_cost_lines') }}

),

final as (

    select
        x_source_format,
        x_source_file as duplicate_file,
        x_quarantine_reason,
        count(*) as line_count
    from quarantined
    where x_quarantine_reason like 'duplicate file:%'
    group by 1, 2, 3

)

select * from final
