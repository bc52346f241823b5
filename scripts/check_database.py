"""Check the DuckDB file a build wrote: that it checkpointed, opens, and its marts read.

    python scripts/check_database.py                      # $MLCOST_DUCKDB_PATH or mlcost.duckdb
    python scripts/check_database.py --database /data/mlcost.duckdb --run-results target/run_results.json

Run it after `dbt build` (`make build` and `make run` do; add it to your own nightly job).
DuckDB writes committed changes to a write-ahead log (`<database>.wal`) and merges it into
the database file at a checkpoint. When the disk fills during a build, that merge fails
while dbt can still end "Completed successfully" (the checkpoint DuckDB makes on closing
fails silently): the log stays behind, the file holds yesterday's data plus a log that the
next writer must replay, and the next write fails. mlcost's build ends with a CHECKPOINT
(on-run-end, macros/checkpoint_database.sql) so such a write fails the build; this check
catches what is left either way:

- a leftover write-ahead log with content: the last write did not finish (disk full, a
  killed or crashed build, or a build still running);
- a failed write reported by the last dbt run (`run_results.json`: "Could not write file",
  "No space left on device", "File too large", a failed checkpoint or commit);
- a database that does not open (missing, not a DuckDB file, truncated, corrupt, locked by
  another process) or a mart that cannot be read (every mart is read in full, so DuckDB
  verifies the checksum of every block; `--quick` only counts rows).

Exits 0 when healthy, 1 on a problem (each printed with the file and what to do), 2 when
the database cannot be opened at all. It only reads: nothing is changed or repaired.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

MARTS_SCHEMA = "main_marts"
DEFAULT_DATABASE = os.environ.get("MLCOST_DUCKDB_PATH", "mlcost.duckdb")
DEFAULT_RUN_RESULTS = Path(os.environ.get("DBT_TARGET_PATH", "target")) / "run_results.json"

# What DuckDB and the OS say when a write does not reach the disk.
FAILED_WRITE = re.compile(
    r"could not (write|fsync|truncate|extend)|no space left on device|file too large"
    r"|disk quota exceeded|failed to (create checkpoint|commit|flush)", re.IGNORECASE)
DAMAGED = ("The file is damaged (cut short, overwritten, a disk error): restore it from a "
           "backup, or delete it (and its .wal) and run the build again, which rebuilds "
           "every table from the exports.")
LOCKED = re.compile(r"could not set lock|conflicting lock", re.IGNORECASE)


@dataclass
class Report:
    database: Path
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cannot_open: bool = False

    def problem(self, message: str) -> None:
        self.problems.append(message)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Check a DuckDB file after a build: no leftover write-ahead log, no "
                    "failed write in the last dbt run, the database opens and its marts "
                    "read. Exit 0 healthy, 1 problem, 2 cannot open.")
    parser.add_argument("--database", type=Path, default=Path(DEFAULT_DATABASE),
                        help="DuckDB file dbt built (default: $MLCOST_DUCKDB_PATH or "
                             "%(default)s)")
    parser.add_argument("--run-results", type=Path, default=DEFAULT_RUN_RESULTS,
                        help="run_results.json of the dbt run that wrote it, checked for "
                             "failed writes when it exists (default: "
                             "$DBT_TARGET_PATH/run_results.json, else %(default)s)")
    parser.add_argument("--no-run-results", action="store_true",
                        help="do not read run_results.json")
    parser.add_argument("--schema", default=MARTS_SCHEMA,
                        help="schema whose tables must read (default: %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help="count the marts' rows instead of reading every value")
    return parser.parse_args(argv)


def check_wal(report: Report) -> None:
    wal = Path(f"{report.database}.wal")
    size = wal.stat().st_size if wal.exists() else 0
    if size > 0:
        report.problem(
            f"{wal}: {size:,} bytes of write-ahead log were not merged into "
            f"{report.database} (no checkpoint). The last write did not finish: the disk "
            "filled, the build was killed or crashed, or a build is still running. Nothing "
            "committed is lost (the next writer replays the log): make room on the disk, "
            "then run the build again; its final CHECKPOINT merges the log.")


def check_run_results(report: Report, path: Path) -> None:
    if not path.is_file():
        return
    try:
        results = json.loads(path.read_text()).get("results", [])
    except (OSError, ValueError) as error:
        report.notes.append(f"{path}: not read ({error})")
        return
    for result in results:
        message = str(result.get("message") or "")
        if result.get("status") in ("error", "fail", "runtime error") and \
                FAILED_WRITE.search(message):
            first_line = message.strip().splitlines()[-1].strip()
            report.problem(
                f"{path}: dbt could not write in {result.get('unique_id')}: {first_line}. "
                "Free disk space (or raise the file size limit), then run the build again.")


def check_marts(report: Report, schema: str, quick: bool) -> tuple[int, int]:
    """Open read-only and read every table of `schema`; return (tables, rows)."""
    try:
        con = duckdb.connect(str(report.database), read_only=True)
    except duckdb.Error as error:
        report.cannot_open = True
        if LOCKED.search(str(error)):
            report.problem(
                f"{report.database}: locked by another process, which holds it open for "
                f"writing (a build still running, or a tool with a read-write connection): "
                f"{error}. Wait for it or stop it, then check again.")
        else:
            report.problem(f"{report.database}: cannot be opened as a DuckDB database "
                           f"({type(error).__name__}: {error}). {DAMAGED}")
        return 0, 0
    try:
        tables = [name for (name,) in con.execute(
            # Views too: fct_cost_lines and its quarantine are views, and reading them
            # reads the unified cost table they are made of.
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_type in ('BASE TABLE', 'VIEW') order by 1",
            [schema]).fetchall()]
        if not tables:
            report.problem(f"{report.database}: no tables in schema {schema}: the build "
                           "has not run on this database, or wrote elsewhere "
                           "(MLCOST_DUCKDB_PATH).")
        rows = 0
        for table in tables:
            relation = f'"{schema}"."{table}"'
            sql = (f"select count(*) from {relation}" if quick else
                   f"select count(*), bit_xor(hash(mart)) from {relation} as mart")
            try:
                rows += con.execute(sql).fetchall()[0][0]
            except duckdb.Error as error:
                report.problem(f"{report.database}: mart {schema}.{table} cannot be read "
                               f"({type(error).__name__}: {error}). {DAMAGED}")
        return len(tables), rows
    finally:
        con.close()


def check(database: Path, run_results: Path | None, schema: str = MARTS_SCHEMA,
          quick: bool = False) -> tuple[Report, str]:
    report = Report(database=database)
    if not database.is_file():
        report.cannot_open = True
        report.problem(f"{database}: no such database file. Run the build first "
                       "(`make build`), or point --database / MLCOST_DUCKDB_PATH at it.")
        return report, ""
    if run_results is not None:
        check_run_results(report, run_results)
    tables, rows = check_marts(report, schema, quick)
    # After opening: a write-ahead log of a writer that holds the lock is reported with it.
    check_wal(report)
    summary = (f"{database}: checkpointed (no write-ahead log left), {tables} mart(s) in "
               f"{schema} {'counted' if quick else 'read in full'}, {rows:,} rows")
    return report, summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    run_results = None if args.no_run_results else args.run_results
    report, summary = check(args.database, run_results, args.schema, args.quick)
    for note in report.notes:
        print(f"mlcost check_database: note: {note}", file=sys.stderr)
    if report.problems:
        for problem in report.problems:
            print(f"mlcost check_database: {problem}", file=sys.stderr)
        print(f"mlcost check_database: {args.database}: FAILED, "
              f"{len(report.problems)} problem(s)", file=sys.stderr)
        return 2 if report.cannot_open else 1
    print(f"mlcost check_database: {summary}: healthy in "
          f"{time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
