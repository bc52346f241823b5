"""The published BI file: DuckDB 1.x clients read it, whole and exact, and a client holding
it open neither blocks the nightly build nor sees a half-published state.

The 1.x clients are virtualenvs of their own (`make bi-readers`, which `make test` runs),
driven through subprocesses: the project's own DuckDB is 2.0, and a 2.0 reader proves
nothing about what BI tools bundle.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from build_support import (PROJECT_DIR, BuiltProject, publish_bi, published_sample,
                           query_database, run_dbt)

DASHBOARD = PROJECT_DIR / "scripts" / "build_dashboard.py"
OLDEST_1X, NEWEST_1X = "1.0.0", "1.5.6"

# Every table's row count, column types and money totals, as a 1.x client reads them.
READ_EVERY_TABLE = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = {}
for schema, table in con.execute(
        "select table_schema, table_name from information_schema.tables").fetchall():
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table]).fetchall()
    money = [name for name, data_type in columns if data_type.startswith("DECIMAL")]
    sums = con.execute("select count(*)" + "".join(
        f', cast(sum("{name}") as varchar)' for name in money)
        + f' from "{schema}"."{table}"').fetchone()
    con.execute(f'select * from "{schema}"."{table}"').fetchall()
    tables[f"{schema}.{table}"] = {"rows": sums[0], "columns": columns,
                     "sums": dict(zip(money, sums[1:]))}
print(json.dumps({"version": duckdb.__version__, "tables": tables}))
"""

# Holds the file open for the whole nightly build, reading it in a loop, until the stop
# file appears. (A second connection in the same process would share the held one's
# database instance: new connections are new processes, `published_ids`.)
HOLD_AND_READ = """
import json, pathlib, sys, time
import duckdb
path, stop = sys.argv[1], pathlib.Path(sys.argv[2])
held = duckdb.connect(path, read_only=True)
held_ids, reads = set(), 0
print("ready", flush=True)
while not stop.exists():
    held_ids.update(row[0] for row in held.execute(
        "select distinct dbt_invocation_id from mlcost_publication").fetchall())
    held.execute("select count(*), sum(billed_cost) from main_marts.fct_ml_job_costs"
                 ).fetchall()
    reads += 1
    time.sleep(0.05)
print(json.dumps({"reads": reads, "held": sorted(held_ids)}))
"""


def reader_python(version: str) -> Path:
    python = PROJECT_DIR / f".venv-duckdb-{version}" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no DuckDB {version} client in {python.parent.parent.name}: run "
                    "`make bi-readers` (make test does)")
    return python


def run_with(version: str, script: str, *args: Path) -> Any:
    """What `script` prints as JSON, run by the DuckDB `version` client with `args`."""
    result = subprocess.run([str(reader_python(version)), "-c", script,
                             *(str(arg) for arg in args)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def read_with(version: str, database: Path) -> dict:
    return run_with(version, READ_EVERY_TABLE, database)


def published_ids(version: str, database: Path) -> list[str]:
    """The dbt runs the published file says it holds, read by a new 1.x process."""
    script = ("import duckdb, json, sys\n"
              "con = duckdb.connect(sys.argv[1], read_only=True)\n"
              "print(json.dumps([row[0] for row in con.execute('select distinct "
              "dbt_invocation_id from mlcost_publication').fetchall()]))")
    return run_with(version, script, database)


def invocation_id(target: Path) -> str:
    return json.loads((target / "run_results.json").read_text())["metadata"]["invocation_id"]


def tagged_bi(target: Path) -> set[str]:
    nodes = json.loads((target / "manifest.json").read_text())["nodes"].values()
    return {f'{node["schema"]}.{node.get("alias") or node["name"]}' for node in nodes
            if node["resource_type"] in ("model", "seed") and "bi" in node["tags"]}


@pytest.fixture(scope="module")
def published(built_sample: BuiltProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return published_sample(built_sample, tmp_path_factory.mktemp("bi") / "mlcost_bi.duckdb")


def build_side(built_sample: BuiltProject, schema: str, table: str) -> dict:
    """Row count, column types and money totals of one relation, read from the build."""
    columns = built_sample.query(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table])
    money = [name for name, data_type in columns if data_type.startswith("DECIMAL")]
    (sums,) = built_sample.query("select count(*)" + "".join(
        f', cast(sum("{name}") as varchar)' for name in money)
        + f' from "{schema}"."{table}"')
    return {"rows": sums[0], "columns": [list(column) for column in columns],
            "sums": dict(zip(money, sums[1:]))}


@pytest.mark.parametrize("version", [OLDEST_1X, NEWEST_1X])
def test_duckdb_1x_reads_every_published_table_exactly(
        version: str, published: Path, built_sample: BuiltProject) -> None:
    read = read_with(version, published)
    assert read["version"] == version
    tables = read["tables"]
    target = built_sample.database.parent / "target"
    assert set(tables) == tagged_bi(target) | {"main.mlcost_publication"}

    published_tables = query_database(
        published, "select table_schema, table_name, row_count from mlcost_publication")
    assert {f"{schema}.{name}" for schema, name, _ in published_tables} == tagged_bi(target)
    for schema, name, row_count in published_tables:
        expected = build_side(built_sample, schema, name)
        assert tables[f"{schema}.{name}"] == expected, name
        assert row_count == expected["rows"], name
    # The sample has jobs and money: an empty copy would pass the comparison above.
    jobs = tables["main_marts.fct_ml_job_costs"]
    assert jobs["rows"] > 100 and float(jobs["sums"]["billed_cost"]) > 0


def test_published_tables_carry_their_descriptions(published: Path) -> None:
    (table_comment,) = query_database(
        published, "select comment from duckdb_tables() where table_name = 'fct_ml_job_costs'")
    (column_comment,) = query_database(
        published, "select comment from duckdb_columns() "
                   "where table_name = 'fct_ml_job_costs' and column_name = 'billed_cost'")
    assert table_comment[0] and column_comment[0]


def test_parquet_files_hold_the_same_rows_for_duckdb_1x(published: Path) -> None:
    folder = published.with_name("mlcost_bi_parquet")
    assert folder.is_symlink()
    counts = dict(query_database(published, "select table_name, row_count "
                                            "from mlcost_publication"))
    script = ("import duckdb, json, sys, pathlib\n"
              "print(json.dumps({path.stem: duckdb.sql(f\"select count(*) from "
              "read_parquet('{path}')\").fetchall()[0][0] "
              "for path in pathlib.Path(sys.argv[1]).glob('*.parquet')}))")
    read = run_with(OLDEST_1X, script, folder)
    assert read.pop("mlcost_publication") == len(counts)
    assert read == counts


def test_a_failed_build_is_not_published(built_sample: BuiltProject, published: Path,
                                         tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.mkdir()
    shutil.copy(built_sample.database.parent / "target" / "manifest.json", target)
    run_results = json.loads(
        (built_sample.database.parent / "target" / "run_results.json").read_text())
    run_results["results"][0]["status"] = "error"
    (target / "run_results.json").write_text(json.dumps(run_results))
    out = tmp_path / "mlcost_bi.duckdb"
    shutil.copy(published, out)
    before = out.read_bytes()

    result = publish_bi(built_sample.database, out, target)

    assert result.returncode == 1
    assert "not published: the last dbt run failed 1 node" in result.stderr
    assert out.read_bytes() == before
    assert not list(tmp_path.glob(".mlcost_bi*"))


def test_readers_of_the_bi_file_neither_block_nor_see_the_nightly_build(
        built_sample: BuiltProject, tmp_path: Path) -> None:
    """A 1.x client holds the published file open while the nightly build runs on the
    build database and publishes again: the build and the publication succeed, the held
    connection keeps reading the publication it opened, other clients (and the dashboard)
    open the file throughout the build, and once published they read the new one."""
    work_dir = tmp_path / "nightly"
    work_dir.mkdir()
    database = work_dir / "mlcost.duckdb"
    shutil.copy(built_sample.database, database)
    out = tmp_path / "bi" / "mlcost_bi.duckdb"
    first = publish_bi(database, out, built_sample.database.parent / "target")
    assert first.returncode == 0, first.stderr
    stop = tmp_path / "stop"
    reader = subprocess.Popen([str(reader_python(NEWEST_1X)), "-c", HOLD_AND_READ, str(out),
                               str(stop)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        assert reader.stdout.readline().strip() == "ready", reader.stderr.read()
        vars_yaml = (built_sample.data_dir / "mlcost_vars.yml").read_text()
        builds: list[subprocess.CompletedProcess] = []
        nightly = threading.Thread(target=lambda: builds.append(
            run_dbt(["build", "--vars", vars_yaml], database, work_dir)))
        nightly.start()
        during_build, pages = [], []
        while nightly.is_alive():
            during_build.append(published_ids(OLDEST_1X, out))
            if not pages:  # the dashboard reads the published file too, build or not
                pages.append(subprocess.run(
                    [sys.executable, str(DASHBOARD), "--database", str(out),
                     "--out", str(tmp_path / "dashboard.html")],
                    capture_output=True, text=True, timeout=300))
            time.sleep(1)
        nightly.join()
        assert builds[0].returncode == 0, builds[0].stdout[-4000:]
        second = publish_bi(database, out, work_dir / "target")
        assert second.returncode == 0, second.stderr
        time.sleep(0.5)  # a few reads after the swap
    finally:
        stop.touch()
        stdout, stderr = reader.communicate(timeout=120)
    assert reader.returncode == 0, stderr
    seen = json.loads(stdout.strip().splitlines()[-1])

    old_id = invocation_id(built_sample.database.parent / "target")
    new_id = invocation_id(work_dir / "target")
    assert old_id != new_id
    assert seen["reads"] > 10
    assert seen["held"] == [old_id]
    assert len(during_build) >= 3 and all(ids == [old_id] for ids in during_build)
    assert pages[0].returncode == 0, pages[0].stderr
    assert 'data-metric="jobs_total_billed_cost"' in (tmp_path / "dashboard.html").read_text()
    assert published_ids(OLDEST_1X, out) == [new_id]
    assert not list(out.parent.glob(".mlcost_bi.duckdb.*"))
    # The parquet link moved to the new folder; the previous one stays for its readers.
    parquet = out.with_name("mlcost_bi_parquet") / "mlcost_publication.parquet"
    (in_parquet,) = query_database(
        out, f"select distinct dbt_invocation_id from read_parquet('{parquet}')")
    assert in_parquet == (new_id,)
    assert len(list(out.parent.glob(".mlcost_bi_parquet-*"))) == 2


def test_compiled_analyses_run_on_the_published_file(
        built_sample: BuiltProject, published: Path, tmp_path: Path) -> None:
    """Analyses compile to schema.table names, so the same SQL runs on the BI file (its
    database has another name) with a 1.x client; last week's top jobs are found."""
    vars_yaml = (built_sample.data_dir / "mlcost_vars.yml").read_text()
    result = run_dbt(["compile", "--select", "high_cost_jobs_last_week", "--vars", vars_yaml],
                     built_sample.database, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    (compiled,) = (tmp_path / "target" / "compiled").rglob("high_cost_jobs_last_week.sql")
    sql = compiled.read_text()
    assert '"mlcost".' not in sql
    script = ("import duckdb, json, sys\n"
              "con = duckdb.connect(sys.argv[1], read_only=True)\n"
              "rows = con.execute(open(sys.argv[2]).read()).fetchall()\n"
              "print(json.dumps([[str(value) for value in row] for row in rows]))")
    on_bi_file = run_with(OLDEST_1X, script, published, compiled)
    on_build = [[str(value) for value in row] for row in built_sample.query(sql)]
    assert on_bi_file == on_build
    # The jobs of the latest week with attributed usage, ranked from 1.
    assert [int(row[0]) for row in on_bi_file] == list(range(1, len(on_bi_file) + 1))
    assert len(on_bi_file) >= 5
