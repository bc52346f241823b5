"""Validate raw billing and job exports before dbt (`--stage raw`), or the marts after it
(`--stage marts`), with great-expectations suites; write GX data docs a person can open.

    python scripts/validate.py --vars data/sample/mlcost_vars.yml --stage raw
    python scripts/validate.py --stage marts --database mlcost.duckdb

Exits 0 when every expectation passes, 1 when one fails (each failure printed with the file,
the column and example rows), 2 when a file cannot be read at all (truncated gzip, not a CSV).

One spec: what a raw export must hold (columns, spellings, types, required columns) and how
a value parses (staging's casts and timestamp formats) come from the dbt macros in
macros/specs/ through scripts/raw_specs.py (`dbt run-operation print_raw_export_specs`,
cached under target/). This file adds only the checks across columns (currency codes, the
billing period, ends after starts). The mart suite holds only what the dbt tests do not.

Why DataFrames and not GX's SQL datasource: great-expectations 1.24's SQL datasource on
DuckDB (SQLAlchemy + duckdb_engine) fails every expectation with `MetricResolutionError:
list index out of range` (it closes the connection before fetching). Reading the data with
DuckDB into pandas (through Arrow, ~0.6 s for 5M rows) and validating the DataFrame works and
keeps DuckDB the only reader of the files: the same read_csv/read_parquet/read_json calls as
the dbt sources.

Row checks and quarantine: a few bad rows are normal in real exports and dbt quarantines them
(fct_quarantined_cost_lines). Row-level expectations therefore allow the share of rows of
var `mlcost_max_quarantined_share` (default 0.01) to fail; more than that means the export
itself is broken (a shifted column, a wrong format) and the run stops here. Schema checks
(required columns present, file readable) allow nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import logging
import os
import re
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml
from raw_specs import RawFormat, RawSpecs, SpecsUnavailable, raw_specs, swap_day_month

PROJECT_DIR = Path(__file__).resolve().parents[1]
# One site per stage: the ephemeral context indexes only the results of its own run.
DEFAULT_DOCS_ROOT = PROJECT_DIR / "gx" / "uncommitted" / "data_docs"
CURRENCY_SEED = PROJECT_DIR / "seeds" / "iso_4217_currencies.csv"
MARTS_SCHEMA = "main_marts"
DEFAULT_MAX_BAD_SHARE = 0.01
EXAMPLE_ROWS = 5


class UnreadableFile(Exception):
    """A raw file DuckDB cannot read: the run stops before dbt with the file named."""


@dataclass(frozen=True)
class CrossColumnRules:
    """What the raw suite checks across a format's columns, beyond the spec's own columns,
    types and required flags (which come from dbt, raw_specs.py). Names are the spec's
    canonical names; a `<name>__at` is that column parsed as staging parses it."""

    currency: str | None = None
    # SQL (DuckDB, over the parsed columns) for the period the charge must fall in.
    period_start_sql: str | None = None
    period_end_sql: str | None = None
    charge_start: str | None = None
    # (start, end) pairs where end, when present, must not be before start.
    ordered: tuple[tuple[str, str], ...] = ()


# Keyed by the spec macro (macros/specs/raw_export_specs.sql says which var uses which).
CROSS_COLUMN_RULES = {
    "aws_cur_columns": CrossColumnRules(
        currency="line_item_currency_code",
        period_start_sql="bill_billing_period_start_date__at",
        period_end_sql="bill_billing_period_end_date__at",
        charge_start="line_item_usage_start_date",
        ordered=(("line_item_usage_start_date", "line_item_usage_end_date"),)),
    "azure_cost_columns": CrossColumnRules(
        currency="billing_currency",
        # The export's period end is its last day: the period ends a day later.
        period_start_sql="coalesce(billing_period_start_date__at, "
                         "date_trunc('month', charge_date__at))",
        period_end_sql="coalesce(billing_period_end_date__at + interval 1 day, "
                       "date_trunc('month', charge_date__at) + interval 1 month)",
        charge_start="charge_date"),
    "gcp_billing_columns": CrossColumnRules(
        currency="currency",
        # Invoice months follow US Pacific time (a UTC hour may belong to the month before)
        # and late usage is invoiced in the next month: a few days of slack before, one after.
        period_start_sql="try_strptime(invoice_month, '%Y%m') - interval 7 day",
        period_end_sql="try_strptime(invoice_month, '%Y%m') + interval 1 month "
                       "+ interval 1 day",
        charge_start="usage_start_time",
        ordered=(("usage_start_time", "usage_end_time"),)),
    "ml_job_attempts_columns": CrossColumnRules(ordered=(("started_at", "ended_at"),)),
}

# A slashed date whose first or second part cannot be a month (13-31): the file's order.
DAY_FIRST_REGEX = r"^\s*(1[3-9]|2[0-9]|3[01])/[0-9]{1,2}/"
MONTH_FIRST_REGEX = r"^\s*[0-9]{1,2}/(1[3-9]|2[0-9]|3[01])/"


def rules_for(raw_format: RawFormat) -> CrossColumnRules:
    return CROSS_COLUMN_RULES.get(raw_format.spec, CrossColumnRules())


def rule_columns(raw_format: RawFormat) -> set[str]:
    """The spec columns the cross-column rules name (a `<name>__at` names `<name>`)."""
    rules = rules_for(raw_format)
    named = {rules.currency, rules.charge_start, *(name for pair in rules.ordered
                                                  for name in pair)}
    period_sql = f"{rules.period_start_sql} {rules.period_end_sql}"
    named |= {name for name in raw_format.columns
              if re.search(rf"\b{name}(__at)?\b", period_sql)}
    return {name for name in named if name in raw_format.columns}


def checked_columns(raw_format: RawFormat) -> list[str]:
    """The spec columns the suite looks at: required ones, typed ones (a value must parse)
    and those the cross-column rules name. Optional text columns have nothing to check and
    stay out of the read (a CUR has hundreds)."""
    named = rule_columns(raw_format)
    return [name for name in raw_format.columns
            if name in raw_format.required or raw_format.types[name] != "string"
            or name in named]


# --- reading --------------------------------------------------------------------------------

def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def gcp_json_relation(quoted_path: str, raw_format: RawFormat) -> str:
    """The BigQuery NDJSON extract read with the spec's fields typed as text: a dotted
    spelling (`invoice.month`) is a nested field, flattened to its canonical name."""
    top: dict[str, list[str]] = {}
    select = []
    for name, aliases in raw_format.columns.items():
        dotted = next((alias for alias in aliases if "." in alias), None)
        if dotted:
            parent, child = dotted.split(".", 1)
            top.setdefault(parent, []).append(child)
            select.append(f"{quote(parent)}.{quote(child)} as {quote(name)}")
        else:
            top.setdefault(name, [])
            select.append(f"{quote(name)} as {quote(name)}")
    columns = ", ".join(
        f"{sql_string(name)}: "
        + (sql_string("STRUCT(" + ", ".join(f"{quote(child)} VARCHAR" for child in children)
                      + ")") if children else "'VARCHAR'")
        for name, children in top.items())
    return (f"(select {', '.join(select)} from read_json({quoted_path}, "
            f"format = 'newline_delimited', columns = {{{columns}}}))")


def file_relation(path: str, raw_format: RawFormat) -> str:
    """The DuckDB read of one file, with the options of the format's dbt source."""
    quoted = sql_string(path)
    reader = raw_format.reader
    if path.lower().endswith(".parquet"):
        reader = "parquet"  # the job contract tables may come as parquet too
    if reader in ("csv", "csv_lax"):
        strict = "false" if reader == "csv_lax" else "true"
        return (f"read_csv({quoted}, header = true, all_varchar = true, delim = ',', "
                f"quote = '\"', escape = '\"', strict_mode = {strict})")
    if reader == "parquet":
        return f"read_parquet({quoted})"
    return gcp_json_relation(quoted, raw_format)


def timestamp_columns(raw_format: RawFormat, specs: RawSpecs, present: list[str],
                      day_first: bool) -> list[str]:
    """Select items parsing each timestamp column as staging does (raw_specs.py), as
    `<name>__at` (null when the file lacks the column), for the checks across columns."""
    return [f"{order(specs.parse_sql('timestamp', quote(name)))} as {quote(name + '__at')}"
            for name in present if raw_format.types[name] == "timestamp"
            for order in [swap_day_month if day_first else str]]


def row_check(raw_format: RawFormat, specs: RawSpecs, day_first: bool) -> str:
    """Staging's quarantine reason for a row of `raw_file` (a required value missing, the
    first typed value that does not parse, with the value), or null."""
    sql = specs.row_checks[raw_format.spec]
    return swap_day_month(sql) if day_first else sql


def configured_date_order(setting: Any, path: str) -> str:
    """The order var `mlcost_azure_date_order` sets for a file, as macros/date_order.sql
    reads it: one order for every file, or the first path fragment the path contains."""
    if isinstance(setting, dict):
        return next((str(order).strip() for fragment, order in setting.items()
                     if str(fragment) in path), "auto")
    return str(setting or "auto").strip()


def is_day_first(con: duckdb.DuckDBPyConnection, raw_format: RawFormat,
                 present: list[str], date_order: str = "auto") -> bool:
    """Slashed dates are read in the file's order: the var's when it sets one, else day
    first when a value of the file can only be day first (`13/10/2026`) and none can only
    be month first, else month first as the dbt macro reads them. Staging decides the order
    per file too, with more evidence (the export folder's range, one calendar month); the
    validator only has to accept both (its period check then compares the right months)."""
    if date_order in ("day_first", "month_first"):
        return date_order == "day_first"
    stamps = [name for name in present if raw_format.types[name] == "timestamp"]
    if not stamps:
        return False
    day_first, month_first = (" or ".join(
        f"regexp_matches(coalesce({quote(name)}, ''), {sql_string(regex)})"
        for name in stamps) for regex in (DAY_FIRST_REGEX, MONTH_FIRST_REGEX))
    row = con.execute(f"select coalesce(bool_or({day_first}), false), "
                      f"coalesce(bool_or({month_first}), false) from raw_file").fetchall()[0]
    return bool(row[0]) and not row[1]


def read_file(con: duckdb.DuckDBPyConnection, path: str, raw_format: RawFormat,
              specs: RawSpecs, date_order: str = "auto") -> pd.DataFrame:
    """One raw file, its columns renamed to canonical names, typed in DuckDB: the text of
    the columns the suite checks as such (required, currency), the derived typed columns,
    `_source_file` and `_row_number` (1-based data row, header not counted)."""
    relation = file_relation(path, raw_format)
    rules = rules_for(raw_format)
    try:
        names = [row[0] for row in con.execute(f"describe select * from {relation}").fetchall()]
        # As staging matches them: the canonical name, then each spelling, ignoring case
        # and a byte-order mark stuck to the first header.
        delivered = {name.replace("\ufeff", "").lower(): name for name in names}
        selected: dict[str, str] = {}
        for canonical in checked_columns(raw_format):
            for spelling in [canonical, *raw_format.columns[canonical]]:
                if spelling.lower() in delivered:
                    selected[canonical] = delivered[spelling.lower()]
                    break
        # Every checked column: the delivered spelling as text, or null, as staging fills it.
        select_list = ", ".join(
            f"cast({quote(selected[canonical])} as varchar) as {quote(canonical)}"
            if canonical in selected else f"cast(null as varchar) as {quote(canonical)}"
            for canonical in checked_columns(raw_format))
        # A temporary table keeps the file's row order (rowid) for the row numbers.
        con.execute(f"create or replace temp table raw_file as "
                    f"select {select_list} from {relation}")
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0]
        raise UnreadableFile(f"{path}: cannot be read ({raw_format.var_name}): {first_line}. "
                             "Re-download the file or remove it from the glob.") from error
    present = list(selected)
    # Text the expectations read as such: required columns (they must exist), the currency,
    # text the period rule parses itself (GCP's invoice_month).
    text = [name for name in present if name in raw_format.required
            or (name in rule_columns(raw_format) and raw_format.types[name] == "string")]
    day_first = is_day_first(con, raw_format, present, date_order)
    items = [*(quote(name) for name in text),
             f"{row_check(raw_format, specs, day_first)} as _quarantine_reason",
             *timestamp_columns(raw_format, specs, checked_columns(raw_format), day_first),
             "rowid + 1 as _row_number"]
    query = f"select {', '.join(items)} from raw_file"
    frame = None
    if rules.charge_start:
        try:
            frame = con.execute(
                f"select *, {rules.period_start_sql} as _period_start, "
                f"{rules.period_end_sql} as _period_end from ({query}) "
                "order by _row_number").df()
        except duckdb.Error:
            pass  # a period column is missing: the schema expectations report it
    if frame is None:
        try:
            frame = con.execute(f"{query} order by _row_number").df()
        except duckdb.Error as error:
            raise SpecsUnavailable(
                f"{path}: the row check printed by `dbt run-operation "
                f"print_raw_export_specs` ({raw_format.spec}) does not run on the file's "
                f"columns: {str(error).strip().splitlines()[0]}") from error
    con.execute("drop table raw_file")
    frame.insert(0, "_source_file", path)
    for name in text:
        frame[name] = frame[name].astype("string")
    return frame


def read_format(con: duckdb.DuckDBPyConnection, pattern: str, raw_format: RawFormat,
                specs: RawSpecs, date_order: Any = "auto") -> tuple[pd.DataFrame, list[str]]:
    """Every file of a var's glob, one frame."""
    files = sorted(glob.glob(pattern, recursive=True)) if any(
        char in pattern for char in "*?[") else [pattern]
    files = [path for path in files if os.path.isfile(path)]
    if not files:
        raise UnreadableFile(f"{pattern}: no file matches {raw_format.var_name}. "
                             "Check the path in the vars file.")
    frames = [read_file(con, path, raw_format, specs, configured_date_order(date_order, path))
              for path in files]
    return pd.concat(frames, ignore_index=True), files


# --- expectations ---------------------------------------------------------------------------

def raw_expectations(raw_format: RawFormat, frame: pd.DataFrame, currencies: list[str],
                     mostly: float) -> list[Any]:
    """The spec's checks (required columns delivered; rows staging would quarantine: a
    required value missing, a typed value that does not parse), then the cross-column
    rules."""
    import great_expectations as gx

    expect = gx.expectations
    suite: list[Any] = [expect.ExpectColumnToExist(column=column)
                        for column in raw_format.required]
    present = set(frame.columns)
    if "_quarantine_reason" in present:
        typed = [column for column, type_name in raw_format.types.items()
                 if type_name != "string"]
        suite.append(expect.ExpectColumnValuesToBeNull(
            column="_quarantine_reason", mostly=mostly,
            meta={"checks": "rows staging would quarantine (a required value missing, a "
                            "typed value that does not parse)",
                  "required": raw_format.required, "typed": typed}))
    rules = rules_for(raw_format)
    if rules.currency and rules.currency in present:
        suite.append(expect.ExpectColumnValuesToBeInSet(
            column=rules.currency, value_set=currencies, mostly=mostly))
    if "_period_start" in present and rules.charge_start:
        charge = f"{rules.charge_start}__at"
        suite.append(expect.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=charge, column_B="_period_start", or_equal=True,
            ignore_row_if="either_value_is_missing", mostly=mostly,
            meta={"checks": f"{rules.charge_start} inside the billing period"}))
        suite.append(expect.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="_period_end", column_B=charge,
            ignore_row_if="either_value_is_missing", mostly=mostly,
            meta={"checks": f"{rules.charge_start} inside the billing period"}))
    for start, end in rules.ordered:
        if f"{start}__at" in present and f"{end}__at" in present:
            suite.append(expect.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=f"{end}__at", column_B=f"{start}__at", or_equal=True,
                ignore_row_if="either_value_is_missing", mostly=mostly,
                meta={"checks": f"{end} not before {start}"}))
    return suite


def mart_expectations(table: str, currencies: list[str]) -> list[Any]:
    """Only what the dbt tests of the marts (models/marts/*/_*__models.yml, tests/*.sql)
    do not already check: keys, not-null costs and enumerations are dbt's (DECISIONS.md)."""
    import great_expectations as gx

    expect = gx.expectations
    if table == "fct_cost_lines":
        return [
            expect.ExpectColumnValuesToBeNull(column="x_quarantine_reason"),
            expect.ExpectColumnValuesToBeInSet(column="billing_currency", value_set=currencies),
            expect.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="charge_period_end", column_B="charge_period_start", or_equal=True,
                ignore_row_if="either_value_is_missing"),
        ]
    if table == "fct_quarantined_cost_lines":
        return [expect.ExpectColumnValuesToNotBeNull(column="x_source_file")]
    if table == "fct_ml_job_costs":
        return [
            expect.ExpectColumnValuesToBeBetween(column="gpu_hours", min_value=0),
            expect.ExpectColumnValuesToBeBetween(column="attempt_count", min_value=0),
        ]
    if table == "fct_ml_job_attempt_costs":
        return [
            expect.ExpectColumnValuesToBeBetween(column="duration_hours", min_value=0),
            expect.ExpectColumnValuesToNotBeNull(column="billed_cost"),
        ]
    return []


# Row keys name the example rows of a failure.
MART_ROW_KEYS = {"fct_cost_lines": ["x_line_key", "x_source_file"],
                 "fct_quarantined_cost_lines": ["x_line_key", "x_source_file"],
                 "fct_ml_job_costs": ["job_id"],
                 "fct_ml_job_attempt_costs": ["attempt_id"]}
MART_TABLES = list(MART_ROW_KEYS)


def expectation_columns(expectations: list[Any]) -> list[str]:
    names: list[str] = []
    for expectation in expectations:
        for key in ("column", "column_A", "column_B"):
            value = getattr(expectation, key, None)
            if value and value not in names:
                names.append(value)
    return names


# --- running --------------------------------------------------------------------------------

@dataclass
class Failure:
    asset: str
    expectation: str
    column: str
    detail: str
    examples: list[dict]
    files: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"FAILED {self.asset}: column '{self.column}': {self.expectation}"
                 f" ({self.detail})"]
        if not self.examples and self.files:
            lines.append("    in " + ", ".join(self.files))
        for example in self.examples:
            lines.append("    " + ", ".join(f"{key}={value}" for key, value in example.items()))
        return "\n".join(lines)


class Validator:
    """One ephemeral GX context: suites built in code (nothing to commit but this file),
    data docs written to `docs_dir`."""

    def __init__(self, docs_dir: Path) -> None:
        import great_expectations as gx

        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.add_data_docs_site(site_name="mlcost", site_config={
            "class_name": "SiteBuilder",
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs_dir)},
        })
        self.datasource = self.context.data_sources.add_pandas("mlcost")
        self.docs_dir = docs_dir
        self.failures: list[Failure] = []
        self.expectation_count = 0

    def validate(self, name: str, frame: pd.DataFrame, expectations: list[Any],
                 row_keys: list[str], files: list[str] | None = None) -> None:
        gx = self.gx
        asset = self.datasource.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe(f"{name}_batch")
        suite = self.context.suites.add(gx.ExpectationSuite(name=f"{name}_suite"))
        for expectation in expectations:
            suite.add_expectation(expectation)
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch, suite=suite))
        index_columns = [column for column in row_keys if column in frame.columns]
        checkpoint = self.context.checkpoints.add(gx.Checkpoint(
            name=f"{name}_checkpoint", validation_definitions=[definition],
            result_format={"result_format": "COMPLETE",
                           "unexpected_index_column_names": index_columns}))
        # GX draws a progress bar per metric on stderr: keep the output to our messages.
        with contextlib.redirect_stderr(io.StringIO()):
            result = checkpoint.run(batch_parameters={"dataframe": frame})
        for run_result in result.run_results.values():
            for outcome in run_result.results:
                self.expectation_count += 1
                if not outcome.success:
                    failure = self._failure(name, outcome)
                    failure.files = files or []
                    self.failures.append(failure)

    @staticmethod
    def _failure(asset: str, outcome: Any) -> Failure:
        config = outcome.expectation_config
        kwargs = config.kwargs
        column = kwargs.get("column") or " vs ".join(
            str(kwargs[key]) for key in ("column_A", "column_B") if key in kwargs)
        result = outcome.result or {}
        checks = (config.meta or {}).get("checks")
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            detail = outcome.exception_info.get("exception_message", "error")
        elif "unexpected_count" in result:
            detail = (f"{result['unexpected_count']} of {result.get('element_count')} rows "
                      f"unexpected, {result.get('unexpected_percent', 0):.2f}%")
        else:
            detail = "column missing" if config.type == "expect_column_to_exist" else "failed"
        if checks:
            detail = f"{checks}: {detail}"
        examples = [
            {key: value for key, value in row.items()}
            for row in (result.get("unexpected_index_list") or [])[:EXAMPLE_ROWS]
        ] if isinstance(result.get("unexpected_index_list"), list) else []
        if not examples and result.get("partial_unexpected_list"):
            examples = [{"value": value}
                        for value in result["partial_unexpected_list"][:EXAMPLE_ROWS]]
        return Failure(asset=asset, expectation=config.type, column=column, detail=detail,
                       examples=examples)

    def build_docs(self) -> Path:
        """Data docs once at the end (per checkpoint, GX rebuilds the whole site each time)."""
        with contextlib.redirect_stderr(io.StringIO()):
            self.context.build_data_docs(site_names=["mlcost"])
        return self.index_page()

    def index_page(self) -> Path:
        return self.docs_dir / "index.html"


def load_vars(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    values = yaml.safe_load(path.read_text()) or {}
    if not isinstance(values, dict):
        raise SystemExit(f"{path}: expected a YAML mapping of dbt vars")
    return values


def load_currencies() -> list[str]:
    return pd.read_csv(CURRENCY_SEED, dtype=str)["currency_code"].tolist()


def validate_raw(validator: Validator, variables: dict[str, Any], mostly: float) -> int:
    """Returns how many raw formats were validated; raises UnreadableFile."""
    specs = raw_specs()
    con = duckdb.connect()
    currencies = load_currencies()
    validated = 0
    for raw_format in specs.formats:
        pattern = str(variables.get(raw_format.var_name) or "").strip()
        if not pattern:
            continue
        # Only Azure exports carry slashed dates (macros/date_order.sql).
        date_order = (variables.get("mlcost_azure_date_order", "auto")
                      if raw_format.var_name.startswith("mlcost_azure_") else "auto")
        frame, files = read_format(con, pattern, raw_format, specs, date_order)
        if frame.empty:
            print(f"  {raw_format.var_name}: {len(files)} file(s), no rows read (a header-only "
                  "file, or a header DuckDB did not recognise)")
        row_keys = ["_source_file", "_row_number"]
        validator.validate(raw_format.var_name.removeprefix("mlcost_"), frame,
                           raw_expectations(raw_format, frame, currencies, mostly), row_keys,
                           files)
        validated += 1
    con.close()
    return validated


def validate_marts(validator: Validator, database: str) -> int:
    if not Path(database).exists():
        raise UnreadableFile(f"{database}: no such DuckDB file. Run `make build` first.")
    con = duckdb.connect(database, read_only=True)
    currencies = load_currencies()
    try:
        for table in MART_TABLES:
            expectations = mart_expectations(table, currencies)
            # Only the checked columns and the row keys cross into pandas.
            columns = ", ".join(quote(name) for name in dict.fromkeys(
                expectation_columns(expectations) + MART_ROW_KEYS[table]))
            frame = con.execute(f"select {columns} from {MARTS_SCHEMA}.{table}").df()
            validator.validate(table, frame, expectations, MART_ROW_KEYS[table])
    finally:
        con.close()
    return len(MART_TABLES)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Run mlcost's great-expectations suites and write GX data docs.")
    parser.add_argument("--stage", choices=["raw", "marts"], required=True,
                        help="raw: the exports the vars point at, before dbt; "
                             "marts: the tables dbt built")
    parser.add_argument("--vars", type=Path, default=None,
                        help="YAML file of dbt vars (the export paths), e.g. "
                             "data/sample/mlcost_vars.yml; needed for --stage raw")
    parser.add_argument("--database",
                        default=os.environ.get("MLCOST_DUCKDB_PATH", "mlcost.duckdb"),
                        help="DuckDB file dbt built (default: $MLCOST_DUCKDB_PATH or "
                             "%(default)s)")
    parser.add_argument("--docs-dir", type=Path, default=None,
                        help="where the GX data docs go (default: "
                             "gx/uncommitted/data_docs/<stage>/)")
    parser.add_argument("--max-bad-share", type=float, default=None,
                        help="share of rows a row-level expectation may fail (default: var "
                             f"mlcost_max_quarantined_share, else {DEFAULT_MAX_BAD_SHARE})")
    return parser.parse_args(argv)


def quiet_gx() -> None:
    """GX prints progress bars and a banner per metric: keep the output to our messages."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    quiet_gx()
    variables = load_vars(args.vars)
    if args.stage == "raw" and args.vars is None:
        print("--stage raw needs --vars: the YAML file with the export paths", file=sys.stderr)
        return 2
    share = args.max_bad_share
    if share is None:
        share = float(variables.get("mlcost_max_quarantined_share", DEFAULT_MAX_BAD_SHARE))
    started = time.monotonic()
    validator = Validator(args.docs_dir or DEFAULT_DOCS_ROOT / args.stage)
    try:
        if args.stage == "raw":
            count = validate_raw(validator, variables, mostly=1.0 - share)
            what = f"{count} raw export format(s)"
        else:
            count = validate_marts(validator, args.database)
            what = f"{count} mart(s) in {args.database}"
    except (UnreadableFile, SpecsUnavailable) as error:
        print(f"mlcost validate: {error}", file=sys.stderr)
        return 2
    validator.build_docs()
    elapsed = time.monotonic() - started
    for failure in validator.failures:
        print(failure, file=sys.stderr)
    verdict = "FAILED" if validator.failures else "passed"
    print(f"mlcost validate --stage {args.stage}: {what}, {validator.expectation_count} "
          f"expectations, {len(validator.failures)} failed: {verdict} in {elapsed:.1f}s")
    print(f"GX data docs: {validator.index_page()}")
    return 1 if validator.failures else 0


if __name__ == "__main__":
    sys.exit(main())
