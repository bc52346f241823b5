"""Run the floor (floor.sql) into a DuckDB file: the plain-SQL way to mlcost's outputs.

Run as its own process by scripts/benchmark.py, so that its time and memory are measured
like dbt's: python scripts/bench/floor.py --database out.duckdb --cur2 'glob' --jobs ...
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

FLOOR_SQL = Path(__file__).with_name("floor.sql")
SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
INPUTS = ("cur2", "jobs", "attempts", "nodes", "checkpoints")
# The floor's tables and mlcost's models they stand for.
OUTPUTS = {
    "cost_lines": "main_marts.fct_cost_lines",
    "ml_job_costs": "main_marts.fct_ml_job_costs",
    "egress_routes_daily": "main_marts.fct_egress_routes_daily",
    "tag_coverage_daily": "main_marts.fct_tag_coverage_daily",
}


def floor_statements(paths: dict[str, str], seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """floor.sql's statements with the input paths filled in."""
    sql = FLOOR_SQL.read_text()
    for name, value in {**paths, "seeds": str(seeds_dir)}.items():
        sql = sql.replace("{" + name + "}", value.replace("'", "''"))
    return [statement for statement in sql.split(";\n") if statement.strip(" \n;")
            and not all(line.startswith("--") or not line.strip()
                        for line in statement.splitlines())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", required=True, help="DuckDB file to write (replaced)")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads")
    for name in INPUTS:
        parser.add_argument(f"--{name}", required=True, help=f"path or glob of the {name} input")
    args = parser.parse_args(argv)
    Path(args.database).unlink(missing_ok=True)
    con = duckdb.connect(args.database)
    if args.threads:
        con.execute(f"set threads = {int(args.threads)}")
    for statement in floor_statements({name: getattr(args, name) for name in INPUTS}):
        con.execute(statement)
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
