"""Sizes the generator does not reach in minutes: one generated export, K companies over.

The generator simulates every machine and job attempt in Python (about 22k billing lines a
second), which puts 100M lines hours away. The benchmark generates a smaller world once and
writes it K times with DuckDB: copy 0 is the world itself, copy k has its own machines and
jobs (instance, volume and NAT gateway ids, job, attempt and checkpoint ids, and every line
id re-keyed with k), so the job attribution, the keys and the marts do the work of K
companies, not of one company counted K times. Accounts, teams, prices and tags are the
world's own.

CUR 2.0 files: copy k of `x.snappy.parquet` is `x-copyNN.snappy.parquet` beside it, in the
same billing period folder (one delivery). The four job tables hold every copy's rows.
"""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import duckdb

CUR_FILES = "aws/cur2/**/*.parquet"
JOB_TABLES = ["jobs", "job_attempts", "attempt_nodes", "checkpoints"]
# Resource ids that name one machine, disk or gateway: re-keyed per copy by the hex digits
# right after their prefix, so every resource-id form (bare id, ARN, provider id) of the
# same machine stays the same machine within a copy. SageMaker training jobs (billed by
# their ARN) get the copy after their name.
RESOURCE_ID_PATTERN = r"(^|[/:])(i|vol|nat)-([0-9a-f])"
TRAINING_JOB_PATTERN = r"(:training-job/[^/]+)$"
JOB_ID_COLUMNS = {
    "jobs": ["job_id"],
    "job_attempts": ["attempt_id", "job_id", "resumed_from_checkpoint_id"],
    "attempt_nodes": ["attempt_id"],
    "checkpoints": ["checkpoint_id", "job_id", "attempt_id"],
}


def copy_tag(copy: int) -> str:
    return f"{copy:02x}"


def rekeyed_resource_id(column: str, copy: int) -> str:
    machines = (f"regexp_replace({column}, '{RESOURCE_ID_PATTERN}', "
                f"'\\1\\2-{copy_tag(copy)}\\3', 'g')")
    return f"regexp_replace({machines}, '{TRAINING_JOB_PATTERN}', '\\1-{copy_tag(copy)}')"


def rekeyed_job_id(column: str, copy: int) -> str:
    return f"regexp_replace({column}, '^job-', 'job-{copy_tag(copy)}-')"


def cur_copy_query(source: Path, copy: int, columns: list[str]) -> str:
    """The CUR 2.0 file `source` as copy `copy`: same columns, in the same order."""
    rekeyed = {
        "identity_line_item_id": f"identity_line_item_id || '{copy_tag(copy)}'",
        "line_item_resource_id": rekeyed_resource_id("line_item_resource_id", copy),
        "split_line_item_parent_resource_id": rekeyed_resource_id(
            "split_line_item_parent_resource_id", copy),
        "resource_tags": (
            "map_from_entries(list_transform(map_entries(resource_tags), lambda entry: "
            "{'key': entry.key, 'value': case when entry.key = 'user_job_id' then "
            f"{rekeyed_job_id('entry.value', copy)} else entry.value end}}))"),
    }
    select = ", ".join(f"{rekeyed[name]} as {name}" if name in rekeyed else f'"{name}"'
                       for name in columns)
    return f"select {select} from read_parquet('{source}', hive_partitioning = false)"


def rekeyed_job_table_column(table: str, name: str, copy: int) -> str:
    """A job-table column as copy `copy` writes it (copy 0: as it is)."""
    if copy and name in JOB_ID_COLUMNS[table]:
        return f"{rekeyed_job_id(name, copy)} as {name}"
    if copy and name == "resource_id":
        return f"{rekeyed_resource_id(name, copy)} as {name}"
    return name


def copy_path(path: Path, copy: int) -> Path:
    """Where copy `copy` of a CUR file goes (copy 0 is the file itself)."""
    if not copy:
        return path
    stem = path.name.split(".", 1)
    return path.with_name(f"{stem[0]}-copy{copy_tag(copy)}.{stem[1]}")


def replicate(source: Path, target: Path, copies: int,
              unchanged_from: tuple[Path, Path] | None = None) -> None:
    """Write `source`'s CUR 2.0 files and job tables `copies` times over into `target`.

    With `unchanged_from` = (an earlier source, its replica), a CUR file whose bytes equal
    the earlier source's is taken from that replica, copies included, byte for byte: what
    the benchmark's nightly delivery compares."""
    if target.exists():
        shutil.rmtree(target)
    con = duckdb.connect()
    try:
        for path in sorted(source.glob(CUR_FILES)):
            relative = path.relative_to(source)
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            if unchanged_from and (unchanged_from[0] / relative).exists() and filecmp.cmp(
                    path, unchanged_from[0] / relative, shallow=False):
                for copy in range(copies):
                    shutil.copy2(copy_path(unchanged_from[1] / relative, copy),
                                 copy_path(destination, copy))
                continue
            shutil.copy2(path, destination)
            columns = [row[0] for row in con.execute(
                f"describe select * from read_parquet('{path}', hive_partitioning = false)"
            ).fetchall()]
            for copy in range(1, copies):
                con.execute(f"copy ({cur_copy_query(path, copy, columns)}) to "
                            f"'{copy_path(destination, copy)}' "
                            "(format parquet, compression snappy)")
        for table in JOB_TABLES:
            path = source / "ml_jobs" / f"{table}.csv"
            destination = target / "ml_jobs" / f"{table}.csv"
            destination.parent.mkdir(parents=True, exist_ok=True)
            relation = f"read_csv('{path}', all_varchar = true, header = true)"
            columns = [row[0] for row in con.execute(
                f"describe select * from {relation}").fetchall()]
            parts = [
                "select " + ", ".join(rekeyed_job_table_column(table, name, copy)
                                      for name in columns) + f" from {relation}"
                for copy in range(copies)]
            con.execute(f"copy ({' union all '.join(parts)}) to '{destination}' "
                        "(format csv, header true)")
    finally:
        con.close()
