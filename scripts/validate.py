"""Validate raw billing and job exports before dbt (`--stage raw`), or the marts after it
(`--stage marts`), with great-expectations suites; write GX data docs a person can open.

    python scripts/validate.py --vars data/sample/mlcost_vars.yml --stage raw
    python scripts/validate.py --stage marts --database mlcost.duckdb

Exits 0 when every expectation passes, 1 when one fails (each failure printed with the file,
the column and example rows), 2 when a file cannot be read at all (truncated gzip, not a CSV).

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
import sys
import time
import warnings
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
# One site per stage: the ephemeral context indexes only the results of its own run.
DEFAULT_DOCS_ROOT = PROJECT_DIR / "gx" / "uncommitted" / "data_docs"
CURRENCY_SEED = PROJECT_DIR / "seeds" / "iso_4217_currencies.csv"
MARTS_SCHEMA = "main_marts"
DEFAULT_MAX_BAD_SHARE = 0.01
EXAMPLE_ROWS = 5
NUMERIC_REGEX = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


class UnreadableFile(Exception):
    """A raw file DuckDB cannot read: the run stops before dbt with the file named."""


@dataclass(frozen=True)
class RawFormat:
    """What is checked in one raw export format. Columns are canonical names (as in
    macros/specs/*_columns.sql) with the spellings they arrive in."""

    var_name: str
    reader: str  # csv, csv_lax (Azure: the source reads with strict_mode off), parquet, gcp_json
    columns: dict[str, list[str]]
    required: list[str]
    not_null: list[str]
    numeric: list[str]
    timestamps: list[str] = field(default_factory=list)
    currency: str | None = None
    # SQL (DuckDB, over the canonical text columns) for the period the charge must fall in.
    period_start_sql: str | None = None
    period_end_sql: str | None = None
    charge_start: str | None = None
    # (start, end) pairs where end, when present, must not be before start.
    ordered: list[tuple[str, str]] = field(default_factory=list)


AWS_COLUMNS = {
    "identity_line_item_id": ["identity/LineItemId"],
    "identity_time_interval": ["identity/TimeInterval"],
    "bill_payer_account_id": ["bill/PayerAccountId"],
    "bill_billing_period_start_date": ["bill/BillingPeriodStartDate"],
    "bill_billing_period_end_date": ["bill/BillingPeriodEndDate"],
    "line_item_usage_account_id": ["lineItem/UsageAccountId"],
    "line_item_line_item_type": ["lineItem/LineItemType"],
    "line_item_usage_start_date": ["lineItem/UsageStartDate"],
    "line_item_usage_end_date": ["lineItem/UsageEndDate"],
    "line_item_usage_amount": ["lineItem/UsageAmount"],
    "line_item_currency_code": ["lineItem/CurrencyCode"],
    "line_item_unblended_cost": ["lineItem/UnblendedCost"],
}
AWS_REQUIRED = ["identity_line_item_id", "bill_payer_account_id",
                "bill_billing_period_start_date", "bill_billing_period_end_date",
                "line_item_usage_account_id", "line_item_line_item_type",
                "line_item_usage_start_date", "line_item_usage_end_date",
                "line_item_unblended_cost"]


def _aws(var_name: str, reader: str) -> RawFormat:
    return RawFormat(
        var_name=var_name, reader=reader, columns=AWS_COLUMNS, required=AWS_REQUIRED,
        not_null=["identity_line_item_id", "bill_payer_account_id", "line_item_unblended_cost"],
        numeric=["line_item_unblended_cost", "line_item_usage_amount"],
        timestamps=["bill_billing_period_start_date", "bill_billing_period_end_date",
                    "line_item_usage_start_date", "line_item_usage_end_date"],
        currency="line_item_currency_code",
        period_start_sql="bill_billing_period_start_date__at",
        period_end_sql="bill_billing_period_end_date__at",
        charge_start="line_item_usage_start_date",
        ordered=[("line_item_usage_start_date", "line_item_usage_end_date")])


AZURE_COLUMNS = {
    "billing_account_id": ["BillingAccountId"],
    "subscription_id": ["SubscriptionId", "SubscriptionGuid"],
    "billing_period_start_date": ["BillingPeriodStartDate"],
    "billing_period_end_date": ["BillingPeriodEndDate"],
    "charge_date": ["Date", "UsageDateTime"],
    "quantity": ["Quantity", "UsageQuantity"],
    "cost_in_billing_currency": ["Cost", "CostInBillingCurrency", "PreTaxCost"],
    "billing_currency": ["BillingCurrency", "BillingCurrencyCode", "Currency"],
    "charge_type": ["ChargeType"],
}


def _azure(var_name: str) -> RawFormat:
    return RawFormat(
        var_name=var_name, reader="csv_lax", columns=AZURE_COLUMNS,
        required=["billing_account_id", "subscription_id", "charge_date",
                  "cost_in_billing_currency", "billing_currency", "charge_type"],
        not_null=["billing_account_id", "cost_in_billing_currency", "charge_date"],
        numeric=["cost_in_billing_currency", "quantity"],
        timestamps=["charge_date", "billing_period_start_date", "billing_period_end_date"],
        currency="billing_currency",
        # The export's period end is its last day: the period ends a day later.
        period_start_sql="coalesce(billing_period_start_date__at, "
                         "date_trunc('month', charge_date__at))",
        period_end_sql="coalesce(billing_period_end_date__at + interval 1 day, "
                       "date_trunc('month', charge_date__at) + interval 1 month)",
        charge_start="charge_date")


JOB_COLUMNS = {
    "job_id": [], "job_type": [], "provider": [], "status": [], "submitted_at": [],
    "node_count": [], "gpus_per_node": ["gpu_count"],
}
ATTEMPT_COLUMNS = {
    "attempt_id": [], "job_id": [], "attempt_number": [], "status": [], "started_at": [],
    "ended_at": [],
}

_GCP_DETAILED = RawFormat(
    var_name="mlcost_gcp_billing_detailed", reader="gcp_json",
    columns={name: [] for name in ["billing_account_id", "usage_start_time",
                                   "usage_end_time", "cost", "currency", "invoice_month"]},
    required=["billing_account_id", "usage_start_time", "usage_end_time", "cost",
              "currency", "invoice_month"],
    not_null=["billing_account_id", "cost", "invoice_month"],
    numeric=["cost"], timestamps=["usage_start_time", "usage_end_time"],
    currency="currency",
    # Invoice months follow US Pacific time (a UTC hour may belong to the month before)
    # and late usage is invoiced in the next month: a few days of slack before, one after.
    period_start_sql="try_strptime(invoice_month, '%Y%m') - interval 7 day",
    period_end_sql="try_strptime(invoice_month, '%Y%m') + interval 1 month + interval 1 day",
    charge_start="usage_start_time",
    ordered=[("usage_start_time", "usage_end_time")])

RAW_FORMATS = [
    _aws("mlcost_aws_cur_legacy_csv", "csv"),
    _aws("mlcost_aws_cur_legacy_parquet", "parquet"),
    _aws("mlcost_aws_cur2_parquet", "parquet"),
    _GCP_DETAILED,
    # The standard export has the detailed one's fields but resource and price.
    replace(_GCP_DETAILED, var_name="mlcost_gcp_billing_standard"),
    _azure("mlcost_azure_ea_actual"),
    _azure("mlcost_azure_ea_amortized"),
    _azure("mlcost_azure_mca_actual"),
    _azure("mlcost_azure_mca_amortized"),
    RawFormat(var_name="mlcost_ml_jobs", reader="csv", columns=JOB_COLUMNS,
              required=["job_id", "job_type", "provider", "status"],
              not_null=["job_id", "provider"], numeric=["node_count", "gpus_per_node"],
              timestamps=["submitted_at"]),
    RawFormat(var_name="mlcost_ml_job_attempts", reader="csv", columns=ATTEMPT_COLUMNS,
              required=["attempt_id", "job_id", "attempt_number", "status", "started_at"],
              not_null=["attempt_id", "job_id", "started_at"], numeric=["attempt_number"],
              timestamps=["started_at", "ended_at"], ordered=[("started_at", "ended_at")]),
    RawFormat(var_name="mlcost_ml_attempt_nodes", reader="csv",
              columns={"attempt_id": [], "node_index": [], "resource_id": [],
                       "gpus_used": []},
              required=["attempt_id", "node_index", "resource_id"],
              not_null=["attempt_id", "resource_id"], numeric=["node_index", "gpus_used"]),
    RawFormat(var_name="mlcost_ml_checkpoints", reader="csv",
              columns={"checkpoint_id": [], "job_id": [], "attempt_id": [], "saved_at": [],
                       "size_gb": []},
              required=["checkpoint_id", "job_id", "attempt_id", "saved_at"],
              not_null=["checkpoint_id"], numeric=["size_gb"], timestamps=["saved_at"]),
]

GCP_JSON_COLUMNS = (
    "{'billing_account_id': 'VARCHAR', 'usage_start_time': 'VARCHAR', "
    "'usage_end_time': 'VARCHAR', 'cost': 'VARCHAR', 'currency': 'VARCHAR', "
    "'invoice': 'STRUCT(month VARCHAR)'}")


# --- reading --------------------------------------------------------------------------------

def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def parse_timestamp_sql(column: str) -> str:
    """The same parse as macro duckdb__parse_utc_timestamp: offsets converted to UTC, no zone
    taken as UTC, MM/DD/YYYY accepted."""
    text = f"trim(cast({column} as varchar))"
    return (f"(case when regexp_matches({text}, '([+-][0-9]{{2}}(:?[0-9]{{2}})?|Z|UTC)$') "
            f"then try_cast({text} as timestamptz) at time zone 'UTC' "
            f"else coalesce(try_cast({text} as timestamp), try_strptime({text}, "
            f"['%m/%d/%Y', '%m/%d/%Y %H:%M:%S', '%m/%d/%Y %I:%M:%S %p'])) end)")


def read_file(con: duckdb.DuckDBPyConnection, path: str, raw_format: RawFormat) -> pd.DataFrame:
    """One raw file as text columns, renamed to canonical names, with `_source_file` and
    `_row_number` (1-based data row, header not counted)."""
    quoted = sql_string(path)
    reader = raw_format.reader
    if path.lower().endswith(".parquet"):
        reader = "parquet"  # the job contract tables may come as parquet too
    if reader in ("csv", "csv_lax"):
        strict = "false" if reader == "csv_lax" else "true"
        relation = (f"read_csv({quoted}, header = true, all_varchar = true, delim = ',', "
                    f"quote = '\"', escape = '\"', strict_mode = {strict})")
    elif reader == "parquet":
        relation = f"read_parquet({quoted})"
    else:
        relation = (f"(select * exclude (invoice), invoice.month as invoice_month from "
                    f"read_json({quoted}, format = 'newline_delimited', "
                    f"columns = {GCP_JSON_COLUMNS}))")
    try:
        # Only the checked columns cross into pandas: a CUR has hundreds.
        names = [row[0] for row in con.execute(f"describe select * from {relation}").fetchall()]
        delivered = {name.replace("\ufeff", "").lower(): name for name in names}
        selected: dict[str, str] = {}
        for canonical, aliases in raw_format.columns.items():
            for spelling in [canonical, *aliases]:
                if spelling.lower() in delivered:
                    selected[canonical] = delivered[spelling.lower()]
                    break
        select_list = ", ".join(
            f'cast("{name.replace(chr(34), chr(34) * 2)}" as varchar) as {canonical}'
            for canonical, name in selected.items()) or "1 as _no_column"
        frame = con.execute(f"select {select_list} from {relation}").df()
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0]
        raise UnreadableFile(f"{path}: cannot be read ({raw_format.var_name}): {first_line}. "
                             "Re-download the file or remove it from the glob.") from error
    renamed = {canonical: frame[canonical].astype("string") for canonical in selected}
    result = pd.DataFrame(renamed, index=frame.index)
    result["_source_file"] = path
    result["_row_number"] = range(1, len(frame) + 1)
    return result


def read_format(con: duckdb.DuckDBPyConnection, pattern: str,
                raw_format: RawFormat) -> tuple[pd.DataFrame, list[str]]:
    """Every file of a var's glob, one frame; derived typed columns computed in DuckDB."""
    files = sorted(glob.glob(pattern, recursive=True)) if any(
        char in pattern for char in "*?[") else [pattern]
    files = [path for path in files if os.path.isfile(path)]
    if not files:
        raise UnreadableFile(f"{pattern}: no file matches {raw_format.var_name}. "
                             "Check the path in the vars file.")
    frames = [read_file(con, path, raw_format) for path in files]
    frame = pd.concat(frames, ignore_index=True)
    derived = []
    for column in [name for name in raw_format.timestamps if name in frame.columns]:
        derived.append(f"{parse_timestamp_sql(column)} as {column}__at")
        # The raw text where it does not parse, else null: what the expectation reports.
        derived.append(f"case when trim(coalesce({column}, '')) != '' and "
                       f"{parse_timestamp_sql(column)} is null then {column} end "
                       f"as {column}__unparseable")
    if not derived:
        return frame, files
    con.register("raw_frame", frame)
    frame = con.execute(f"select *, {', '.join(derived)} from raw_frame").df()
    if raw_format.charge_start and f"{raw_format.charge_start}__at" in frame.columns:
        try:
            con.register("raw_frame", frame)
            frame = con.execute(
                f"select *, {raw_format.period_start_sql} as _period_start, "
                f"{raw_format.period_end_sql} as _period_end from raw_frame").df()
        except duckdb.Error:
            pass  # a period column is missing: the schema expectations report it
    con.unregister("raw_frame")
    return frame, files


# --- expectations ---------------------------------------------------------------------------

def raw_expectations(raw_format: RawFormat, frame: pd.DataFrame, currencies: list[str],
                     mostly: float) -> list[Any]:
    import great_expectations as gx

    expect = gx.expectations
    suite: list[Any] = [expect.ExpectColumnToExist(column=column)
                        for column in raw_format.required]
    present = set(frame.columns)
    for column in raw_format.not_null:
        if column in present:
            suite.append(expect.ExpectColumnValuesToNotBeNull(column=column, mostly=mostly))
    for column in raw_format.numeric:
        if column in present:
            suite.append(expect.ExpectColumnValuesToMatchRegex(
                column=column, regex=NUMERIC_REGEX, mostly=mostly))
    for column in raw_format.timestamps:
        if column in present:
            suite.append(expect.ExpectColumnValuesToBeNull(
                column=f"{column}__unparseable", mostly=mostly,
                meta={"checks": f"{column} parses as a timestamp"}))
    if raw_format.currency and raw_format.currency in present:
        suite.append(expect.ExpectColumnValuesToBeInSet(
            column=raw_format.currency, value_set=currencies, mostly=mostly))
    if "_period_start" in present and raw_format.charge_start:
        charge = f"{raw_format.charge_start}__at"
        suite.append(expect.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=charge, column_B="_period_start", or_equal=True,
            ignore_row_if="either_value_is_missing", mostly=mostly,
            meta={"checks": f"{raw_format.charge_start} inside the billing period"}))
        suite.append(expect.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="_period_end", column_B=charge,
            ignore_row_if="either_value_is_missing", mostly=mostly,
            meta={"checks": f"{raw_format.charge_start} inside the billing period"}))
    for start, end in raw_format.ordered:
        if f"{start}__at" in present and f"{end}__at" in present:
            suite.append(expect.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=f"{end}__at", column_B=f"{start}__at", or_equal=True,
                ignore_row_if="either_value_is_missing", mostly=mostly,
                meta={"checks": f"{end} not before {start}"}))
    return suite


def mart_expectations(table: str, currencies: list[str]) -> list[Any]:
    import great_expectations as gx

    expect = gx.expectations
    if table == "fct_cost_lines":
        return [
            expect.ExpectColumnValuesToBeUnique(column="x_line_key"),
            expect.ExpectColumnValuesToNotBeNull(column="x_line_key"),
            expect.ExpectColumnValuesToBeNull(column="x_quarantine_reason"),
            expect.ExpectColumnValuesToNotBeNull(column="billed_cost"),
            expect.ExpectColumnValuesToNotBeNull(column="effective_cost"),
            expect.ExpectColumnValuesToBeInSet(column="billing_currency", value_set=currencies),
            expect.ExpectColumnValuesToBeInSet(column="x_provider",
                                               value_set=["aws", "gcp", "azure"]),
            expect.ExpectColumnValuesToBeInSet(
                column="charge_category",
                value_set=["Usage", "Purchase", "Tax", "Credit", "Adjustment"]),
            expect.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="charge_period_end", column_B="charge_period_start", or_equal=True,
                ignore_row_if="either_value_is_missing"),
        ]
    if table == "fct_quarantined_cost_lines":
        return [
            expect.ExpectColumnValuesToNotBeNull(column="x_quarantine_reason"),
            expect.ExpectColumnValuesToNotBeNull(column="x_source_file"),
            expect.ExpectColumnValuesToBeUnique(column="x_line_key"),
        ]
    if table == "fct_ml_job_costs":
        return [
            expect.ExpectColumnValuesToBeUnique(column="job_id"),
            expect.ExpectColumnValuesToNotBeNull(column="job_id"),
            expect.ExpectColumnValuesToNotBeNull(column="billed_cost"),
            expect.ExpectColumnValuesToBeBetween(column="gpu_hours", min_value=0),
            expect.ExpectColumnValuesToBeBetween(column="attempt_count", min_value=0),
        ]
    if table == "fct_ml_job_attempt_costs":
        return [
            expect.ExpectColumnValuesToBeUnique(column="attempt_id"),
            expect.ExpectColumnValuesToNotBeNull(column="job_id"),
            expect.ExpectColumnValuesToBeBetween(column="duration_hours", min_value=0),
            expect.ExpectColumnValuesToNotBeNull(column="billed_cost"),
        ]
    if table == "fct_quarantined_ml_job_records":
        return [
            expect.ExpectColumnValuesToBeUnique(column="quarantined_record_id"),
            expect.ExpectColumnValuesToNotBeNull(column="x_quarantine_reason"),
            expect.ExpectColumnValuesToBeInSet(
                column="record_type", value_set=["job", "attempt", "attempt_node",
                                                 "checkpoint"]),
        ]
    return []


MART_TABLES = ["fct_cost_lines", "fct_quarantined_cost_lines", "fct_ml_job_costs",
               "fct_ml_job_attempt_costs", "fct_quarantined_ml_job_records"]
MART_ROW_KEYS = {"fct_cost_lines": ["x_line_key", "x_source_file"],
                 "fct_quarantined_cost_lines": ["x_line_key", "x_source_file"],
                 "fct_ml_job_costs": ["job_id"],
                 "fct_ml_job_attempt_costs": ["attempt_id"],
                 "fct_quarantined_ml_job_records": ["quarantined_record_id"]}


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
    con = duckdb.connect()
    currencies = load_currencies()
    validated = 0
    for raw_format in RAW_FORMATS:
        pattern = str(variables.get(raw_format.var_name) or "").strip()
        if not pattern:
            continue
        frame, files = read_format(con, pattern, raw_format)
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
            frame = con.execute(f"select * from {MARTS_SCHEMA}.{table}").df()
            validator.validate(table, frame, mart_expectations(table, currencies),
                               MART_ROW_KEYS[table])
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
    except UnreadableFile as error:
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
