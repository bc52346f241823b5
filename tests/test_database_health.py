"""The database check after a build (scripts/check_database.py) and the faults it catches
(tests/bad_inputs/cases.py FAULT_CASES, README table): a disk that fills during a build, a
writer killed mid-write, a damaged file, a lock held by another process. Each fault is
produced cheaply in a folder of its own (tests/bad_inputs/faults.py), no sample build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

import check_database
from bad_inputs import faults
from bad_inputs.cases import FAULT_CASES, Fault


def run_check(database: Path, run_results: Path | None,
              capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    args = ["--database", str(database)]
    args += ["--run-results", str(run_results)] if run_results else ["--no-run-results"]
    exit_code = check_database.main(args)
    captured = capsys.readouterr()
    return exit_code, captured.out + captured.err


@pytest.mark.parametrize("fault", FAULT_CASES, ids=[fault.name for fault in FAULT_CASES])
def test_fault_is_reported_naming_file_and_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], fault: Fault) -> None:
    produced = fault.produce(tmp_path)
    if fault.build_fails:
        build = produced.build
        assert build is not None
        assert build.returncode != 0, f"the build hid the fault:\n{build.stdout[-3000:]}"
        assert "Could not write file" in build.stdout, build.stdout[-3000:]
        assert str(produced.database) in build.stdout, build.stdout[-3000:]
    exit_code, message = run_check(produced.database, produced.run_results, capsys)
    assert exit_code == fault.exit_code, message
    for expected in fault.message:
        expected = expected.format(database=produced.database,
                                   wal=f"{produced.database}.wal")
        assert expected.lower() in message.lower(), message


def test_checkpoint_on_close_fails_silently_and_the_check_catches_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Why the build ends with a CHECKPOINT: left to closing, DuckDB's checkpoint fails
    on a full disk without an error, and only the leftover log shows it."""
    produced = faults.disk_full_on_close(tmp_path)
    assert produced.build is not None
    assert produced.build.returncode == 0, produced.build.stderr
    assert "closed without an error" in produced.build.stdout
    exit_code, message = run_check(produced.database, None, capsys)
    assert exit_code == 1, message
    assert f"{produced.database}.wal" in message and "not merged" in message, message


def test_database_locked_by_another_process(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "mlcost.duckdb"
    faults.write_healthy(database)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, duckdb\n"
         f"con = duckdb.connect({str(database)!r})\n"
         "print('open', flush=True)\nsys.stdin.read()\n"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        exit_code, message = run_check(database, None, capsys)
    finally:
        holder.communicate("", timeout=60)
    assert exit_code == 2, message
    assert str(database) in message and "locked by another process" in message, message


def test_not_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "mlcost.duckdb"
    database.write_text("id,cost\n1,2\n")
    exit_code, message = run_check(database, None, capsys)
    assert exit_code == 2, message
    assert str(database) in message and "cannot be opened" in message, message


def test_missing_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exit_code, message = run_check(tmp_path / "nowhere.duckdb", None, capsys)
    assert exit_code == 2 and "no such database file" in message, message


def test_healthy_database_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "mlcost.duckdb"
    faults.write_healthy(database, rows=5000)
    exit_code, message = run_check(database, None, capsys)
    assert exit_code == 0, message
    assert "healthy" in message and "5,000 rows" in message, message
    assert not Path(f"{database}.wal").exists()


def test_empty_marts_schema_is_a_problem(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    database = tmp_path / "mlcost.duckdb"
    faults.run_python(f"import duckdb; duckdb.connect({str(database)!r}).close()", tmp_path)
    exit_code, message = run_check(database, None, capsys)
    assert exit_code == 1 and "no tables in schema main_marts" in message, message


# Sorting this many digests needs about 500 MB of memory: past SPILL_MEMORY_LIMIT, DuckDB
# writes the rest to its temp folder.
SPILL_ROWS = 6_000_000
SPILL_MEMORY_LIMIT = "128MB"
SPILLING_MODEL = ("select range as row_number, md5(cast(range as varchar)) as digest\n"
                  f"from range({SPILL_ROWS})\norder by digest\n")


def test_build_that_spills_past_the_memory_limit_completes(tmp_path: Path) -> None:
    """mlcost's own profile under a memory limit the build must spill past: the models
    after the spill, and the run's end, open new connections, and each must still set
    up (DuckDB refuses to switch its temp folder once it holds spilled data)."""
    database = tmp_path / "mlcost.duckdb"
    temp_directory = tmp_path / "spill"
    project = faults.fault_project(tmp_path, database)
    project_config = yaml.safe_load((project / "dbt_project.yml").read_text())
    (project / "dbt_project.yml").write_text(
        yaml.safe_dump({**project_config, "profile": "mlcost"}))
    (project / "models" / "fct_fault_rows.sql").write_text(SPILLING_MODEL)
    (project / "models" / "fct_after_spill.sql").write_text(
        "select count(*) as row_count from {{ ref('fct_fault_rows') }}\n")
    env = {**os.environ, "DBT_PROFILES_DIR": str(faults.PROJECT_DIR),
           "MLCOST_DUCKDB_PATH": str(database), "MLCOST_MEMORY_LIMIT": SPILL_MEMORY_LIMIT,
           "MLCOST_TEMP_DIRECTORY": str(temp_directory), "MLCOST_THREADS": "1",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    build = subprocess.run(
        [str(faults.DBT), "build", "--target-path", str(project / "target"),
         "--log-path", str(project / "logs")],
        cwd=project, env=env, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stdout[-3000:]
    with duckdb.connect(str(database), read_only=True) as con:
        assert con.execute("select row_count from main_marts.fct_after_spill"
                           ).fetchone() == (SPILL_ROWS,)

    # The premise: the same query under the same limit did spill, after which DuckDB
    # refuses to set the temp folder again (what dbt's per-connection settings did).
    with duckdb.connect(str(tmp_path / "premise.duckdb"),
                        config={"temp_directory": str(temp_directory)}) as con:
        con.execute(f"set memory_limit = '{SPILL_MEMORY_LIMIT}'")
        con.execute("set preserve_insertion_order = false")
        con.execute(f"create table spilled as {SPILLING_MODEL}")
        with pytest.raises(duckdb.NotImplementedException, match="temporary directory"):
            con.cursor().execute(f"set temp_directory = '{temp_directory}'")
