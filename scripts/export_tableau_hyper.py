"""Write the marts for BI tools into one Tableau extract (.hyper), with Tableau's own library.

    python scripts/export_tableau_hyper.py              # after `make publish`: mlcost_bi.hyper
    python scripts/export_tableau_hyper.py --database mlcost.duckdb --out /srv/bi/mlcost.hyper

Tableau opens the file as an extract (Desktop: Connect > To a File > More..., or publish
it to Tableau Server / Cloud as a data source), without a database driver. One table per
mart, named as in the database, in the schema `Extract` (Tableau's own name for an
extract's tables). The marts are those of the published file (its table
`mlcost_publication`), or, from a build database, the models tagged `bi` in dbt's manifest.

Types: DuckDB's VARCHAR is text, BIGINT, INTEGER, DOUBLE, BOOLEAN, DATE and TIMESTAMP the
same Hyper types. Money and summed quantities are DECIMAL(38,10) in the marts; a .hyper
file that Tableau 2020.4.15 and later reads (database version 2, the Hyper API's default;
Tableau Prep 2022.3 and later) holds numerics of 18 digits at most, so they are written as
NUMERIC(18,8): up to ten billion per row, to 1e-8, which keeps sums to the cent (each
value is rounded by at most 5e-9). A value too large for it stops the export, naming the
column: then write database version 3 (--hyper-database-version 3), which keeps
DECIMAL(38,10) as it is and needs a Tableau that reads it (Desktop 2022.4.1, Server 2023.1
and later).

The extract is written under a temporary name and renamed over --out, so Tableau never
opens half of one. Exit 0 written, 1 nothing to export, 2 cannot read the database.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
from tableauhyperapi import (Connection, CreateMode, HyperException, HyperProcess, Name,
                             SchemaName, SqlType, TableDefinition, TableName, Telemetry)

DEFAULT_DATABASE = Path(os.environ.get("MLCOST_BI_PATH") or Path(
    os.environ.get("MLCOST_DUCKDB_PATH", "mlcost.duckdb")).with_name("mlcost_bi.duckdb"))
TARGET_DIR = Path(os.environ.get("DBT_TARGET_PATH", "target"))
EXTRACT_SCHEMA = "Extract"
PUBLICATION_TABLE = "mlcost_publication"
# Widest numeric a version 2 .hyper file holds, and the scale the money keeps in it.
NARROW_PRECISION, NARROW_SCALE = 18, 8
DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")
SIMPLE_TYPES = {
    "VARCHAR": (SqlType.text, "varchar"),
    "BOOLEAN": (SqlType.bool, "boolean"),
    "BIGINT": (SqlType.big_int, "bigint"),
    "INTEGER": (SqlType.int, "integer"),
    "SMALLINT": (SqlType.small_int, "smallint"),
    "TINYINT": (SqlType.small_int, "smallint"),
    "DOUBLE": (SqlType.double, "double"),
    "FLOAT": (SqlType.double, "double"),
    "DATE": (SqlType.date, "date"),
    "TIMESTAMP": (SqlType.timestamp, "timestamp"),
    "TIMESTAMP WITH TIME ZONE": (SqlType.timestamp_tz, "timestamptz"),
}


@dataclass(frozen=True)
class ColumnType:
    """A column's Hyper type and the DuckDB type it is written from."""
    name: str
    hyper: SqlType
    duckdb_cast: str


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Write the marts tagged `bi` into one Tableau .hyper extract (schema "
                    "Extract, one table per mart). Exit 0 written, 1 nothing to export, "
                    "2 cannot read the database.")
    parser.add_argument("--database", type=Path, default=DEFAULT_DATABASE,
                        help="the published file (default: $MLCOST_BI_PATH, else "
                             "mlcost_bi.duckdb beside $MLCOST_DUCKDB_PATH: %(default)s) or "
                             "a build database")
    parser.add_argument("--schema", default="main_marts",
                        help="schema of the marts in --database (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=None,
                        help="the .hyper file (default: <database without .duckdb>.hyper "
                             "beside it)")
    parser.add_argument("--manifest", type=Path, default=TARGET_DIR / "manifest.json",
                        help="dbt's manifest, for the marts tagged `bi` when --database is "
                             "a build database (default: %(default)s)")
    parser.add_argument("--tag", default="bi", help="dbt tag of the marts (default: bi)")
    parser.add_argument("--hyper-database-version", type=int, default=2, choices=(2, 3),
                        help="file format of the extract: 2 (default) is read by Tableau "
                             "2020.4.15 and later and keeps money as NUMERIC(18,8); 3 keeps "
                             "DECIMAL(38,10) and needs Tableau Desktop 2022.4.1 or Server "
                             "2023.1 and later")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = args.database.with_suffix(".hyper")
    return args


def hyper_type(column: str, data_type: str, database_version: int) -> ColumnType:
    """The Hyper type of a DuckDB column type, and what DuckDB casts it to first."""
    upper = data_type.upper()
    if upper in SIMPLE_TYPES:
        factory, cast = SIMPLE_TYPES[upper]
        return ColumnType(column, factory(), cast)
    match = DECIMAL.match(upper)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        if precision > NARROW_PRECISION and database_version < 3:
            precision, scale = NARROW_PRECISION, min(scale, NARROW_SCALE)
        return ColumnType(column, SqlType.numeric(precision, scale),
                          f"decimal({precision}, {scale})")
    raise ValueError(f"export_tableau_hyper: column {column} has type {data_type}, which "
                     "this export does not map to a Hyper type: cast it in the mart to "
                     "one of VARCHAR, BIGINT, INTEGER, DOUBLE, DECIMAL, BOOLEAN, DATE or "
                     "TIMESTAMP, or add the type to SIMPLE_TYPES in "
                     "scripts/export_tableau_hyper.py.")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def mart_names(con: duckdb.DuckDBPyConnection, schema: str, manifest: Path, tag: str
               ) -> list[str]:
    """The marts to export: the published file's list, else the manifest's tagged models,
    those present in `schema`."""
    present = {name for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = ?",
        [schema]).fetchall()}
    published = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'main' and table_name = ?", [PUBLICATION_TABLE]).fetchall()
    if published[0][0]:
        names = {name for (name,) in con.execute(
            f"select table_name from main.{PUBLICATION_TABLE} where table_schema = ?",
            [schema]).fetchall()}
    elif manifest.is_file():
        nodes = json.loads(manifest.read_text())["nodes"].values()
        names = {node.get("alias") or node["name"] for node in nodes
                 if node["resource_type"] == "model" and tag in node.get("tags", [])}
    else:
        raise FileNotFoundError(
            f"export_tableau_hyper: the database has no {PUBLICATION_TABLE} table (it is not "
            f"a published file) and {manifest} is not found: publish first (make publish), "
            "or pass --manifest.")
    return sorted(names & present)


def column_types(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                 database_version: int) -> list[ColumnType]:
    rows = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table]).fetchall()
    return [hyper_type(name, data_type, database_version) for name, data_type in rows]


def write_parquet(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                  columns: list[ColumnType], path: Path) -> None:
    """The table as parquet in the types Hyper reads it in (money narrowed in DuckDB, so a
    value too large fails here, naming its column)."""
    select = ", ".join(f"cast({quote(column.name)} as {column.duckdb_cast}) "
                       f"as {quote(column.name)}" for column in columns)
    try:
        con.execute(f"copy (select {select} from {quote(schema)}.{quote(table)}) "
                    f"to {literal(str(path))} (format parquet)")
    except duckdb.ConversionException as error:
        raise ValueError(f"export_tableau_hyper: {schema}.{table} has a value that does not "
                         f"fit NUMERIC({NARROW_PRECISION},{NARROW_SCALE}) "
                         f"({str(error).splitlines()[0]}): write "
                         "with --hyper-database-version 3, which keeps DECIMAL(38,10).") \
            from error


def export(args: argparse.Namespace) -> int:
    started = time.monotonic()
    try:
        con = duckdb.connect(str(args.database), read_only=True)
    except duckdb.Error as error:
        print(f"export_tableau_hyper: cannot read {args.database}: {error}: publish first "
              "(make publish) or pass --database.", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    new_file = args.out.with_name(f".{args.out.name}.{os.getpid()}")
    staging = Path(tempfile.mkdtemp(prefix=".hyper-export-", dir=args.out.parent))
    try:
        names = mart_names(con, args.schema, args.manifest, args.tag)
        if not names:
            print(f"export_tableau_hyper: no mart tagged {args.tag!r} in schema "
                  f"{args.schema} of {args.database}: nothing to export.", file=sys.stderr)
            return 1
        tables = []
        for name in names:
            columns = column_types(con, args.schema, name, args.hyper_database_version)
            path = staging / f"{name}.parquet"
            write_parquet(con, args.schema, name, columns, path)
            tables.append((name, columns, path))
        con.close()
        counts = write_hyper(tables, new_file, args.hyper_database_version)
        os.replace(new_file, args.out)
    except (ValueError, FileNotFoundError) as error:
        print(error, file=sys.stderr)
        return 2
    finally:
        con.close()
        shutil.rmtree(staging, ignore_errors=True)
        new_file.unlink(missing_ok=True)
    print(f"wrote {len(counts)} tables ({sum(counts.values()):,} rows) to {args.out} in "
          f"{time.monotonic() - started:.1f} s (Hyper database version "
          f"{args.hyper_database_version})")
    return 0


def write_hyper(tables: list[tuple[str, list[ColumnType], Path]], path: Path,
                database_version: int) -> dict[str, int]:
    """Create the extract and load each table from its parquet file; rows per table."""
    counts = {}
    parameters = {"default_database_version": str(database_version), "log_config": ""}
    try:
        with HyperProcess(telemetry=Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU,
                          parameters=parameters) as hyper, \
                Connection(hyper.endpoint, str(path), CreateMode.CREATE_AND_REPLACE) as con:
            con.catalog.create_schema(SchemaName(EXTRACT_SCHEMA))
            for name, columns, parquet in tables:
                table = TableName(EXTRACT_SCHEMA, name)
                con.catalog.create_table(TableDefinition(table, [
                    TableDefinition.Column(column.name, column.hyper) for column in columns]))
                names = ", ".join(str(Name(column.name)) for column in columns)
                counts[name] = con.execute_command(
                    f"insert into {table} ({names}) select {names} from external("
                    f"{literal(str(parquet))}, format => 'parquet')")
    except HyperException as error:
        raise ValueError(f"export_tableau_hyper: Hyper could not write {path}: "
                         f"{error}") from error
    return counts


def main(argv: list[str] | None = None) -> int:
    return export(parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
