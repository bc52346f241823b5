"""Publish the marts for BI tools: a DuckDB file any 1.x client opens, and parquet files.

    python scripts/publish_bi.py                    # after `dbt build` and check_database.py
    python scripts/publish_bi.py --database /data/mlcost.duckdb --out /srv/bi/mlcost_bi.duckdb

The build database is dbt's own: DuckDB 2.0 writes it in a storage format no 1.x client
reads (Evidence, the duckdb CLI, Superset's duckdb-engine and Metabase's driver bundle 1.x),
and DuckDB lets a file be open for writing by one process only, so a BI tool holding it
open would stop the nightly build, and the build would stop the BI tool. This script copies
what BI reads (the models and seeds tagged `bi`, from dbt's manifest) into a new file, under
the same schema and table names as in the build database (`main_marts`, `main_reference`),
so the same SQL reads either file, in a storage format 1.x reads (`--storage-version`, default v1.0.0: every 1.x release), with
each table's and column's description as a comment, plus a table `mlcost_publication`
(what was copied, from which dbt run, when). Then it renames the new file over the
published one. Renaming is atomic: a client that opens the file sees the previous
publication or the new one, never a half-written one, and a client that already has it
open keeps reading the previous one until it reconnects. It never opens the published
file for writing, so no reader blocks it.

The same tables are written as parquet, one file per table, into a new folder that the
`--parquet-dir` link is switched to, atomically too (the previous folder is kept until the
next publication, for readers still listing it).

It publishes only after a build that succeeded: when the last dbt run (run_results.json)
has an error or a failed test, it stops and leaves the published file as it was.
Exit 0 published, 1 refused (failed build, nothing tagged), 2 cannot read the build.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import duckdb

DEFAULT_DATABASE = Path(os.environ.get("MLCOST_DUCKDB_PATH", "mlcost.duckdb"))
TARGET_DIR = Path(os.environ.get("DBT_TARGET_PATH", "target"))
FAILED_STATUSES = ("error", "fail", "runtime error")
PUBLICATION_TABLE = "mlcost_publication"
PUBLICATION_COMMENT = ("What this file holds: one row per table (schema and name as in the "
                       "build database), with its row count, when it was published (UTC) "
                       "and the dbt run that built it.")
BI_CATALOG = "mlcost_bi_new"


@dataclass(frozen=True)
class Relation:
    """A dbt node to publish: where it is in the build database, what BI calls it."""
    unique_id: str
    database: str
    schema: str
    name: str
    description: str
    column_descriptions: dict[str, str]

    @property
    def source(self) -> str:
        return f'{quote(self.database)}.{quote(self.schema)}.{quote(self.name)}'

    @property
    def target(self) -> str:
        return f'{BI_CATALOG}.{quote(self.schema)}.{quote(self.name)}'


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Copy the marts tagged `bi` into a DuckDB file that DuckDB 1.x clients "
                    "read, and into parquet files, each swapped in atomically. Exit 0 "
                    "published, 1 refused, 2 cannot read the build.")
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE,
                        help="the build database (default: $MLCOST_DUCKDB_PATH or "
                             "%(default)s)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the published DuckDB file (default: $MLCOST_BI_PATH, else "
                             "mlcost_bi.duckdb beside the build database)")
    parser.add_argument("--parquet-dir", type=Path, default=None,
                        help="link to the folder of parquet files, one per table (default: "
                             "<out without .duckdb>_parquet beside it)")
    parser.add_argument("--no-parquet", action="store_true", help="skip the parquet files")
    parser.add_argument("--tag", default="bi",
                        help="publish the models and seeds with this dbt tag "
                             "(default: %(default)s)")
    parser.add_argument("--manifest", type=Path, default=TARGET_DIR / "manifest.json",
                        help="dbt's manifest (default: $DBT_TARGET_PATH/manifest.json, "
                             "else %(default)s)")
    parser.add_argument("--run-results", type=Path, default=TARGET_DIR / "run_results.json",
                        help="run_results.json of the build; a failed node refuses the "
                             "publication (default: %(default)s)")
    parser.add_argument("--storage-version",
                        default=os.environ.get("MLCOST_BI_STORAGE_VERSION", "v1.0.0"),
                        help="DuckDB storage version of the published file: the oldest "
                             "DuckDB that must read it (default: $MLCOST_BI_STORAGE_VERSION "
                             "or %(default)s, which every DuckDB 1.x reads)")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = Path(os.environ.get("MLCOST_BI_PATH")
                        or args.database.with_name("mlcost_bi.duckdb"))
    if args.parquet_dir is None:
        args.parquet_dir = args.out.with_name(args.out.stem + "_parquet")
    return args


def failed_nodes(run_results: Path) -> tuple[str | None, list[str]]:
    """The dbt invocation id of the last run and the nodes it failed."""
    if not run_results.is_file():
        return None, []
    document = json.loads(run_results.read_text())
    failed = [f"{result['unique_id']} ({result['status']})"
              for result in document.get("results", [])
              if result.get("status") in FAILED_STATUSES]
    return document.get("metadata", {}).get("invocation_id"), failed


def tagged_relations(manifest: Path, tag: str) -> list[Relation]:
    """Models and seeds tagged `tag`, materialized in the database, in name order."""
    nodes = json.loads(manifest.read_text())["nodes"].values()
    relations = [
        Relation(unique_id=node["unique_id"], database=node["database"],
                 schema=node["schema"], name=node.get("alias") or node["name"],
                 description=node.get("description") or "",
                 column_descriptions={name: column.get("description") or ""
                                      for name, column in node.get("columns", {}).items()})
        for node in nodes
        if node["resource_type"] in ("model", "seed") and tag in node.get("tags", [])
        and node.get("config", {}).get("materialized") != "ephemeral"
        and node.get("config", {}).get("enabled", True)]
    names = [relation.name for relation in relations]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes:
        # One parquet file per table name.
        raise SystemExit(f"publish_bi: several nodes tagged {tag!r} are named "
                         f"{', '.join(clashes)}: give them distinct aliases.")
    return sorted(relations, key=lambda relation: (relation.schema, relation.name))


def copy_tables(con: duckdb.DuckDBPyConnection, relations: list[Relation],
                invocation_id: str | None, published_at: datetime) -> list[tuple[str, int]]:
    """Create each relation as a table of the new file, with its descriptions."""
    counts = []
    for relation in relations:
        target = relation.target
        con.execute(f"create schema if not exists {BI_CATALOG}.{quote(relation.schema)}")
        con.execute(f"create table {target} as select * from {relation.source}")
        if relation.description:
            con.execute(f"comment on table {target} is {literal(relation.description)}")
        columns = {name for (name,) in con.execute(
            "select column_name from duckdb_columns() "
            "where database_name = ? and schema_name = ? and table_name = ?",
            [BI_CATALOG, relation.schema, relation.name]).fetchall()}
        for column, description in relation.column_descriptions.items():
            if description and column in columns:
                con.execute(f"comment on column {target}.{quote(column)} "
                            f"is {literal(description)}")
        (rows,) = con.execute(f"select count(*) from {target}").fetchone()
        counts.append((relation.name, rows))
    con.execute(f"""
        create table {BI_CATALOG}.main.{PUBLICATION_TABLE} (
            table_schema varchar, table_name varchar, row_count bigint,
            published_at timestamp, dbt_invocation_id varchar)""")
    con.executemany(
        f"insert into {BI_CATALOG}.main.{PUBLICATION_TABLE} values (?, ?, ?, ?, ?)",
        [(relation.schema, relation.name, rows, published_at.replace(tzinfo=None),
          invocation_id)
         for relation, (_, rows) in zip(relations, counts)])
    con.execute(f"comment on table {BI_CATALOG}.main.{PUBLICATION_TABLE} "
                f"is {literal(PUBLICATION_COMMENT)}")
    return counts


def write_parquet(con: duckdb.DuckDBPyConnection, relations: list[Relation],
                  folder: Path) -> None:
    folder.mkdir(parents=True)
    tables = [(relation.target, relation.name) for relation in relations]
    publication = (f"{BI_CATALOG}.main.{PUBLICATION_TABLE}", PUBLICATION_TABLE)
    for table, name in [*tables, publication]:
        con.execute(f"copy {table} to {literal(str(folder / f'{name}.parquet'))} "
                    "(format parquet, compression zstd)")


def swap_parquet_link(link: Path, folder: Path) -> None:
    """Point `link` at `folder` in one rename; drop folders older than the previous one."""
    if link.exists() and not link.is_symlink():
        raise SystemExit(f"publish_bi: {link} is a folder, not the link this script "
                         "switches between publications: move it away and publish again.")
    previous = link.resolve() if link.is_symlink() else None
    new_link = link.with_name(f".{link.name}.link-{os.getpid()}")
    new_link.unlink(missing_ok=True)
    new_link.symlink_to(folder.name)
    os.replace(new_link, link)
    for old in link.parent.glob(f".{link.name}-*"):
        if old.is_dir() and old not in (folder, previous):
            shutil.rmtree(old, ignore_errors=True)


def publish(args: argparse.Namespace) -> int:
    invocation_id, failed = failed_nodes(args.run_results)
    if failed:
        print(f"publish_bi: not published: the last dbt run failed {len(failed)} node(s) "
              f"({', '.join(failed[:5])}{', ...' if len(failed) > 5 else ''}). "
              f"{args.out} still holds the last good build; fix the build, run it again, "
              "then publish.", file=sys.stderr)
        return 1
    if not args.manifest.is_file():
        print(f"publish_bi: {args.manifest} not found: run dbt (build or parse) first, or "
              "pass --manifest.", file=sys.stderr)
        return 2
    relations = tagged_relations(args.manifest, args.tag)
    if not relations:
        print(f"publish_bi: no model or seed is tagged {args.tag!r} in {args.manifest}: "
              "nothing to publish.", file=sys.stderr)
        return 1

    started = time.monotonic()
    published_at = datetime.now(timezone.utc)
    stamp = published_at.strftime("%Y%m%dT%H%M%S%fZ")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    new_file = args.out.with_name(f".{args.out.name}.{stamp}-{os.getpid()}")
    new_folder = args.parquet_dir.with_name(f".{args.parquet_dir.name}-{stamp}")
    con = duckdb.connect()
    try:
        try:
            # Attached under the name dbt gave it, so the views among the marts resolve.
            catalog = relations[0].database
            con.execute(f"attach {literal(str(args.database))} as {quote(catalog)} "
                        "(read_only)")
        except duckdb.Error as error:
            print(f"publish_bi: cannot read {args.database}: {error}", file=sys.stderr)
            return 2
        con.execute(f"attach {literal(str(new_file))} as {BI_CATALOG} "
                    f"(storage_version {literal(args.storage_version)})")
        counts = copy_tables(con, relations, invocation_id, published_at)
        if not args.no_parquet:
            write_parquet(con, relations, new_folder)
        con.execute(f"detach {BI_CATALOG}")
    except BaseException:
        con.close()
        for leftover in (new_file, Path(f"{new_file}.wal")):
            leftover.unlink(missing_ok=True)
        shutil.rmtree(new_folder, ignore_errors=True)
        raise
    con.close()

    with open(new_file, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(new_file, args.out)
    if not args.no_parquet:
        swap_parquet_link(args.parquet_dir, new_folder)
    rows = sum(count for _, count in counts)
    print(f"published {len(counts)} tables ({rows:,} rows) to {args.out}"
          + ("" if args.no_parquet else f" and {args.parquet_dir}/")
          + f" in {time.monotonic() - started:.1f} s (storage {args.storage_version})")
    return 0


def main(argv: list[str] | None = None) -> int:
    return publish(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
