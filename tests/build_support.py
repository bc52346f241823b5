"""Build the project once over small generated data, for tests that check the marts.

The build is what `make run` does, smaller: generate sample exports with a known seed,
`dbt build` (models, seeds, data tests, unit tests) into a DuckDB file of its own, and hand
the tests the database and the generator's ground truth.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from fetch_real_fixtures import default_out

PROJECT_DIR = Path(__file__).resolve().parents[1]


# The real-schema fixtures: env var MLCOST_REAL_FIXTURES, else ../shared/fixtures/real (the
# download script's own rule, so tests read where `make fixtures` writes).
SHARED_FIXTURES = default_out()

# Small but complete: two billing periods, every provider and job scenario.
SAMPLE_ARGS = ["--seed", "7", "--start", "2026-10-20", "--days", "21", "--scale", "0.2"]


@dataclass(frozen=True)
class BuiltProject:
    data_dir: Path
    database: Path
    truth: dict
    dbt_output: str

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        return query_database(self.database, sql, params)


def query_database(database: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of `sql` on a built database, opened read-only and closed again."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def run_dbt(args: list[str], database: Path, work_dir: Path,
            unit_tests: bool = False) -> subprocess.CompletedProcess:
    """Run dbt in the project with its own database, target and log folders.

    A `dbt build` leaves the unit tests out, as the nightly command does, unless asked for
    them or told which resource types to build: they check mlcost's logic on hand-written
    rows, whatever the data, so the shared sample build (built_sample) runs them once
    and the other builds do not repeat them."""
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR),
           "MLCOST_DUCKDB_PATH": str(database), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if (args[:1] == ["build"] and not unit_tests
            and not {"--resource-type", "--exclude-resource-type"} & set(args)):
        args = [*args, "--exclude-resource-type", "unit_test"]
    command = [str(Path(sys.executable).with_name("dbt")), *args,
               "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")]
    return subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True)


def generate_sample(out_dir: Path, extra_args: list[str] | None = None) -> None:
    subprocess.run([sys.executable, str(PROJECT_DIR / "scripts" / "generate_sample_data.py"),
                    *SAMPLE_ARGS, *(extra_args or []), "--out", str(out_dir)],
                   check=True, capture_output=True, text=True)


def build_project(work_dir: Path, vars_yaml: str,
                  unit_tests: bool = False) -> subprocess.CompletedProcess:
    return run_dbt(["build", "--vars", vars_yaml], work_dir / "mlcost.duckdb", work_dir,
                   unit_tests=unit_tests)


def build_cost_lines(data_dir: Path, work_dir: Path, vars_yaml: str, what: str) -> BuiltProject:
    """Build only the unified cost table, its quarantine and the delivery report (with
    their tests) over the exports `vars_yaml` names, into a database of its own; fail the
    test naming `what`."""
    database = work_dir / "mlcost.duckdb"
    result = run_dbt(["build", "--select", "+fct_cost_lines", "+fct_quarantined_cost_lines",
                      "+rpt_billing_deliveries", "--vars", vars_yaml], database, work_dir)
    if result.returncode != 0:
        pytest.fail(f"dbt build failed on {what}:\n{result.stdout[-8000:]}")
    return BuiltProject(data_dir=data_dir, database=database,
                        truth=json.loads((data_dir / "truth.json").read_text()),
                        dbt_output=result.stdout)


@pytest.fixture(scope="session")
def built_sample(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    work_dir = tmp_path_factory.mktemp("built_sample")
    data_dir = work_dir / "data"
    generate_sample(data_dir)
    vars_yaml = (data_dir / "mlcost_vars.yml").read_text()
    result = build_project(work_dir, vars_yaml, unit_tests=True)
    if result.returncode != 0:
        pytest.fail(f"dbt build failed on the generated sample:\n{result.stdout[-8000:]}"
                    f"\n{result.stderr[-2000:]}")
    return BuiltProject(data_dir=data_dir, database=work_dir / "mlcost.duckdb",
                        truth=json.loads((data_dir / "truth.json").read_text()),
                        dbt_output=result.stdout)


def publish_bi(database: Path, out: Path, target: Path, *extra: str
               ) -> subprocess.CompletedProcess:
    """scripts/publish_bi.py from a build database into `out`, with the artifacts of the
    dbt run that built it (`target`: manifest.json, run_results.json)."""
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "publish_bi.py"),
         "--database", str(database), "--out", str(out),
         "--manifest", str(target / "manifest.json"),
         "--run-results", str(target / "run_results.json"), *extra],
        capture_output=True, text=True, timeout=600)


def published_sample(built: BuiltProject, out: Path, *extra: str) -> Path:
    """The built sample published for BI into `out`; fails the test if it is not."""
    result = publish_bi(built.database, out, built.database.parent / "target", *extra)
    if result.returncode != 0:
        pytest.fail(f"publish_bi.py failed:\n{result.stdout}\n{result.stderr}")
    return out
