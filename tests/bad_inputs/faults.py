"""Faults of the database a build writes, produced cheaply: a disk that fills during a build,
a writer killed mid-write, a database file cut short. Each `produce` leaves a broken DuckDB
file in a folder; tests/test_database_health.py runs scripts/check_database.py on it and
asserts the exit code and the message (the file named, the problem said).

A full disk is a file-size limit (RLIMIT_FSIZE) on the writing process: a write past it
fails with EFBIG ("File too large") as a write to a full disk fails with ENOSPC, and the
process ignores SIGXFSZ so that it sees the error instead of being killed.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).with_name("dbt")
# The faults replace a table of FAULT_ROWS rows (about 0.9 MB of write-ahead log) in a
# database that also holds older history (HISTORY_ROWS, about 2 MB, untouched). The disk
# has room for 128 KiB more than the database file holds: the write-ahead log and dbt's own
# files (manifest, logs) fit, the checkpoint, which must append the new table's blocks to
# the file, does not.
FAULT_ROWS = 20000
HISTORY_ROWS = 100000
ROOM_LEFT = 128 * 1024


def disk_limit(database: Path) -> int:
    return database.stat().st_size + ROOM_LEFT


@dataclass(frozen=True)
class Produced:
    database: Path
    run_results: Path | None = None
    build: subprocess.CompletedProcess | None = None  # the dbt run that hit the fault


def limited_disk(limit: int):
    """preexec_fn: writes past `limit` bytes in any file fail, as on a full disk."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def run_python(code: str, cwd: Path, limit: int | None = None
               ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                          capture_output=True, text=True, timeout=120,
                          preexec_fn=limited_disk(limit) if limit else None)


def write_healthy(database: Path, rows: int = 1000, history_rows: int = 0) -> None:
    """A database as a build leaves it: a marts schema with a table (and, with
    `history_rows`, a second one), checkpointed."""
    result = run_python(f"""
        import duckdb
        con = duckdb.connect({str(database)!r})
        con.execute("create schema if not exists main_marts")
        con.execute("create or replace table main_marts.fct_fault_rows as "
                    "select range as row_number, md5(cast(range as varchar)) as digest "
                    "from range({rows})")
        if {history_rows}:
            con.execute("create or replace table main_marts.fct_fault_history as "
                        "select range as row_number, md5(cast(-range as varchar)) as digest "
                        "from range({history_rows})")
        con.close()
    """, database.parent)
    assert result.returncode == 0, result.stderr


def fault_project(folder: Path, database: Path) -> Path:
    """A one-model dbt project with mlcost's macros and mlcost's own on-run-end hooks."""
    project = folder / "project"
    (project / "models").mkdir(parents=True)
    (project / "macros").symlink_to(PROJECT_DIR / "macros")
    hooks = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text()).get("on-run-end")
    (project / "dbt_project.yml").write_text(yaml.safe_dump({
        "name": "mlcost",  # the macros dispatch in the mlcost namespace
        "version": "1.0.0",
        "config-version": 2,
        "profile": "fault",
        "macro-paths": ["macros"],
        "on-run-end": hooks or [],
        "models": {"mlcost": {"+materialized": "table", "+schema": "marts"}},
    }))
    (project / "profiles.yml").write_text(yaml.safe_dump({"fault": {
        "target": "duckdb",
        "outputs": {"duckdb": {"type": "duckdb", "path": str(database), "threads": 1}},
    }}))
    (project / "models" / "fct_fault_rows.sql").write_text(
        "select range as row_number,\n"
        "    md5(cast(range + 1 as varchar)) as digest\n"
        f"from range({FAULT_ROWS})\n")
    return project


def run_fault_build(project: Path, limit: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "DBT_PROFILES_DIR": str(project),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(
        [str(DBT), "build", "--exclude-resource-type", "unit_test",
         "--target-path", str(project / "target"),
         "--log-path", str(project / "logs")],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
        preexec_fn=limited_disk(limit))


def disk_full_during_build(folder: Path) -> Produced:
    """Last night's build wrote the table; tonight's replaces it on a disk that fills."""
    database = folder / "mlcost.duckdb"
    write_healthy(database, FAULT_ROWS, HISTORY_ROWS)  # what last night's build left
    project = fault_project(folder, database)
    build = run_fault_build(project, limit=disk_limit(database))
    return Produced(database=database, run_results=project / "target" / "run_results.json",
                    build=build)


def disk_full_on_close(folder: Path) -> Produced:
    """The same write in plain DuckDB, left to the checkpoint DuckDB makes on closing."""
    database = folder / "mlcost.duckdb"
    write_healthy(database, FAULT_ROWS, HISTORY_ROWS)
    build = run_python(f"""
        import duckdb
        con = duckdb.connect({str(database)!r})
        con.execute("create or replace table main_marts.fct_fault_rows as "
                    "select range as row_number, md5(cast(range + 1 as varchar)) as digest "
                    "from range({FAULT_ROWS})")
        con.close()
        print("closed without an error")
    """, folder, limit=disk_limit(database))
    return Produced(database=database, build=build)


def killed_writer(folder: Path) -> Produced:
    """A build killed (out of memory, a timeout, kill -9) after it committed a write."""
    database = folder / "mlcost.duckdb"
    write_healthy(database)
    build = run_python(f"""
        import os, signal
        import duckdb
        con = duckdb.connect({str(database)!r})
        con.execute("create or replace table main_marts.fct_fault_rows as "
                    "select range as row_number from range(5000)")
        os.kill(os.getpid(), signal.SIGKILL)
    """, folder)
    return Produced(database=database, build=build)


def truncated_database(folder: Path) -> Produced:
    """A database file cut short (a copy interrupted, a restore from a partial backup)."""
    database = folder / "mlcost.duckdb"
    write_healthy(database, rows=100000)
    size = database.stat().st_size
    with database.open("r+b") as handle:
        handle.truncate(size // 2)
    return Produced(database=database)
