"""The Tableau extract of the published marts, read back with Tableau's own Hyper API: a
table per mart in schema Extract, every row and column, types Tableau reads, and money
summing to the cent as in DuckDB."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from build_support import PROJECT_DIR, BuiltProject, published_sample, query_database
from tableauhyperapi import (Connection, HyperProcess, SchemaName, TableName, Telemetry,
                             TypeTag)

EXPORT = PROJECT_DIR / "scripts" / "export_tableau_hyper.py"
CENT = Decimal("0.01")
# DuckDB type -> Hyper type of the default extract (file format 2: numerics of 18 digits).
EXPECTED_TAGS = {"VARCHAR": TypeTag.TEXT, "BIGINT": TypeTag.BIG_INT, "INTEGER": TypeTag.INT,
                 "DOUBLE": TypeTag.DOUBLE, "BOOLEAN": TypeTag.BOOL, "DATE": TypeTag.DATE,
                 "TIMESTAMP": TypeTag.TIMESTAMP}


@pytest.fixture(scope="module")
def published(built_sample: BuiltProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return published_sample(built_sample, tmp_path_factory.mktemp("bi_tableau")
                            / "mlcost_bi.duckdb", "--no-parquet")


def export(database: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXPORT), "--database", str(database),
                           "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def hyper() -> HyperProcess:
    with HyperProcess(telemetry=Telemetry.DO_NOT_SEND_USAGE_DATA_TO_TABLEAU,
                      parameters={"log_config": ""}) as process:
        yield process


def duckdb_side(database: Path, table: str) -> tuple[int, list[tuple[str, str]], dict]:
    """Rows, columns with types and money sums (to the cent) of a published mart."""
    columns = query_database(database, "select column_name, data_type "
                                       "from information_schema.columns where table_schema "
                                       "= 'main_marts' and table_name = ? "
                                       "order by ordinal_position", [table])
    money = [name for name, data_type in columns if data_type.startswith("DECIMAL")]
    (row,) = query_database(database, "select count(*)" + "".join(
        f', sum("{name}")' for name in money) + f' from main_marts."{table}"')
    sums = {name: (value or Decimal(0)).quantize(CENT) for name, value in zip(money, row[1:])}
    return row[0], columns, sums


def hyper_side(hyper: HyperProcess, extract: Path, money: list[str]
               ) -> dict[str, tuple[int, list[tuple[str, TypeTag]], dict]]:
    tables = {}
    with Connection(hyper.endpoint, str(extract)) as con:
        for table in con.catalog.get_table_names(SchemaName("Extract")):
            name = table.name.unescaped
            definition = con.catalog.get_table_definition(table)
            columns = [(column.name.unescaped, column.type) for column in definition.columns]
            decimals = [column for column, _ in columns if column in money]
            row = con.execute_list_query(
                "select count(*)" + "".join(f', sum("{column}")' for column in decimals)
                + f" from {TableName('Extract', name)}")[0]
            tables[name] = (row[0], columns,
                            {column: (value or Decimal(0)).quantize(CENT)
                             for column, value in zip(decimals, row[1:])})
    return tables


def test_extract_holds_every_published_mart_to_the_cent(
        published: Path, hyper: HyperProcess, tmp_path: Path) -> None:
    extract = tmp_path / "mlcost_bi.hyper"
    result = export(published, extract)
    assert result.returncode == 0, result.stdout + result.stderr
    marts = sorted(name for (name,) in query_database(
        published, "select table_name from mlcost_publication "
                   "where table_schema = 'main_marts'"))
    money = [name for (name,) in query_database(
        published, "select distinct column_name from information_schema.columns "
                   "where table_schema = 'main_marts' and data_type like 'DECIMAL%'")]
    read = hyper_side(hyper, extract, money)
    assert sorted(read) == marts and len(marts) > 10
    for table in marts:
        rows, columns, sums = duckdb_side(published, table)
        hyper_rows, hyper_columns, hyper_sums = read[table]
        assert hyper_rows == rows, table
        assert [name for name, _ in hyper_columns] == [name for name, _ in columns], table
        for (name, data_type), (_, sql_type) in zip(columns, hyper_columns):
            if data_type.startswith("DECIMAL"):
                assert (sql_type.tag, sql_type.precision, sql_type.scale) == (
                    TypeTag.NUMERIC, 18, 8), (table, name)
            else:
                assert sql_type.tag == EXPECTED_TAGS[data_type], (table, name, data_type)
        assert hyper_sums == sums, table
    # The sample has money: an empty extract would pass the comparisons above.
    assert read["fct_ml_job_costs"][0] > 100 and read["fct_ml_job_costs"][2]["billed_cost"] > 0


def test_database_version_3_keeps_the_decimal_as_it_is(
        published: Path, hyper: HyperProcess, tmp_path: Path) -> None:
    extract = tmp_path / "v3.hyper"
    result = export(published, extract, "--hyper-database-version", "3")
    assert result.returncode == 0, result.stdout + result.stderr
    with Connection(hyper.endpoint, str(extract)) as con:
        definition = con.catalog.get_table_definition(TableName("Extract", "fct_ml_job_costs"))
        billed = next(column for column in definition.columns
                      if column.name.unescaped == "billed_cost")
        assert (billed.type.precision, billed.type.scale) == (38, 10)
        (hyper_sum,) = con.execute_list_query(
            'select sum("billed_cost") from "Extract"."fct_ml_job_costs"')[0]
    ((duckdb_sum,),) = query_database(
        published, "select sum(billed_cost) from main_marts.fct_ml_job_costs")
    assert hyper_sum == duckdb_sum  # exact, not only to the cent


def test_a_build_database_exports_its_bi_marts_only(
        built_sample: BuiltProject, hyper: HyperProcess, tmp_path: Path) -> None:
    """From the build database, the marts are the manifest's models tagged bi: the lines
    table (not tagged) stays out."""
    extract = tmp_path / "build.hyper"
    result = export(built_sample.database, extract, "--manifest",
                    str(built_sample.database.parent / "target" / "manifest.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    with Connection(hyper.endpoint, str(extract)) as con:
        names = {table.name.unescaped
                 for table in con.catalog.get_table_names(SchemaName("Extract"))}
    assert "fct_ml_job_costs" in names and "fct_cost_lines" not in names
    assert "dim_dates" not in names
