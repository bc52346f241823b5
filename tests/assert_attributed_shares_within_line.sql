{#- No billing line gives away more than all of itself to job attempts. -#}
select
    x_line_key,
    sum(attributed_share) as total_share
from {{ ref('int_job_costs_attributed') }}
group by 1
having sum(attributed_share) > 1.000001
