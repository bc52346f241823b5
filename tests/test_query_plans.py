"""What DuckDB plans for the views that carry every billing line from staging to the
unified cost table (macros/cte_materialization.sql). DuckDB holds whole a CTE that a query
reads twice; held, a chain of line-level CTEs is every staged line of the rebuilt periods
in memory, spilled past the memory limit and read back (at 9.9M lines the unified table
took 159 s and 15 GiB so, 56 s and 4.5 GiB without). Only small lookups may be held.
"""

from __future__ import annotations

import json

import pytest
from build_support import BuiltProject

LINE_VIEWS = [
    "int_aws_cur_line_items_unioned",
    "int_aws_cost_lines_mapped",
    "int_gcp_billing_lines_unioned",
    "int_gcp_cost_lines_mapped",
    "int_azure_cost_lines_mapped",
    "int_focus_cost_lines_mapped",
]

# One row per delivery file, billing account and period, duplicated key, export run or
# region: a few hundred rows where the lines are millions.
SMALL_LOOKUPS = {
    "delivery_files", "preferred_formats", "duplicated_line_keys", "runs_checked", "regions",
}


def held_ctes(built: BuiltProject, sql: str) -> set[str]:
    """Names of the CTEs DuckDB's physical plan of `sql` materializes."""
    [(_, plan)] = built.query(f"explain (format json) {sql}")
    names: set[str] = set()
    pending = list(json.loads(plan))
    while pending:
        node = pending.pop()
        if "CTE Name" in node.get("extra_info", {}):
            names.add(node["extra_info"]["CTE Name"])
        pending.extend(node.get("children", []))
    return names


@pytest.mark.parametrize("view", LINE_VIEWS)
def test_views_to_the_unified_table_hold_no_line_level_cte(
        built_sample: BuiltProject, view: str) -> None:
    held = held_ctes(built_sample, f"select * from main_intermediate.{view}")
    assert held <= SMALL_LOOKUPS, (
        f"{view}: DuckDB holds the CTEs {sorted(held - SMALL_LOOKUPS)} whole; mark each "
        "line-level CTE {{ mlcost.not_materialized() }}")


def test_the_plan_reader_sees_held_ctes(built_sample: BuiltProject) -> None:
    """The premise: a CTE of lines read twice without the hint shows in the plan."""
    assert "lines" in held_ctes(built_sample, """
        with lines as (select * from main_intermediate.int_aws_cost_lines_mapped)
        select count(*) from lines union all select count(*) from lines""")
