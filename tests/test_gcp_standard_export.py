"""The GCP standard usage cost export, alone and next to the detailed export of the same months.

One small GCP-only sample written as both exports, built twice: with only the standard
export's var, and with both vars (the detailed export must win every month, counting it
once). BilledCost per billing period reconciles with the generator's truth both times.
"""

from __future__ import annotations

import gzip
import json
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from build_support import PROJECT_DIR, build_cost_lines, generate_sample

sys.path.insert(0, str(PROJECT_DIR / "scripts"))
from sample_data.writers import gcp_billing  # noqa: E402

CENT = 0.01


def gcp_vars(data_dir: Path, *exports: str) -> str:
    variables = {f"mlcost_gcp_billing_{export}":
                 str(data_dir / "gcp" / f"billing_{export}" / "invoice_month=*" / "*.json.gz")
                 for export in exports}
    return "\n".join(f'{name}: "{value}"' for name, value in variables.items())


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("gcp_standard") / "data"
    generate_sample(data_dir, ["--providers", "gcp", "--gcp-exports", "detailed,standard"])
    return data_dir


def build(data_dir: Path, work_dir: Path, vars_yaml: str) -> Path:
    return build_cost_lines(data_dir, work_dir, vars_yaml, "the GCP exports").database


def query(database: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def billed_by_period(database: Path) -> dict[str, float]:
    rows = query(database, """
        select strftime(billing_period_start, '%Y-%m'), sum(billed_cost)
        from (
            select billing_period_start, billed_cost from main_marts.fct_cost_lines
            where x_provider = 'gcp'
            union all
            select billing_period_start, billed_cost from main_marts.fct_quarantined_cost_lines
            where x_provider = 'gcp'
        ) group by 1""")
    return {period: float(total) for period, total in rows}


def truth_by_period(data_dir: Path) -> dict[str, float]:
    truth = json.loads((data_dir / "truth.json").read_text())
    return {row["billing_period"]: row["billed_cost"] for row in truth["billing_totals"]
            if row["provider"] == "gcp"}


def file_rows(data_dir: Path, export: str) -> list[dict]:
    rows = []
    for path in sorted((data_dir / "gcp" / f"billing_{export}").glob("*/*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle]
    return rows


def test_standard_export_sums_over_resources(sample: Path) -> None:
    detailed, standard = file_rows(sample, "detailed"), file_rows(sample, "standard")
    assert standard and all("resource" not in row and "price" not in row for row in standard)
    assert len(standard) < len(detailed)
    names = {path.name for path in (sample / "gcp" / "billing_standard").glob("*/*.json.gz")}
    assert all(name.startswith("gcp_billing_export_v1_") for name in names)
    assert (gcp_billing.exported_total_by_invoice_month(sample, gcp_billing.STANDARD_EXPORT_DIR)
            == pytest.approx(gcp_billing.exported_total_by_invoice_month(sample), abs=1e-6))


def test_unknown_export_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown GCP export"):
        gcp_billing.write([], Path("data"), 1, exports=("detailed", "hourly"))


def test_standard_export_alone_reconciles_with_truth(sample: Path, tmp_path: Path) -> None:
    database = build(sample, tmp_path, gcp_vars(sample, "standard"))
    expected = truth_by_period(sample)
    built = billed_by_period(database)
    assert set(built) == set(expected)
    for period, total in expected.items():
        assert abs(built[period] - total) <= CENT, period
    formats = query(database, """
        select x_source_format, count(*), count(resource_id) from main_marts.fct_cost_lines
        where x_provider = 'gcp' group by 1""")
    assert [(name, resources) for name, _, resources in formats] == [("gcp_billing_standard", 0)]
    assert formats[0][1] == len(file_rows(sample, "standard"))


def test_detailed_export_wins_over_standard_of_the_same_months(
        sample: Path, tmp_path: Path) -> None:
    database = build(sample, tmp_path, gcp_vars(sample, "detailed", "standard"))
    expected = truth_by_period(sample)
    built = billed_by_period(database)
    assert set(built) == set(expected)
    for period, total in expected.items():
        assert abs(built[period] - total) <= CENT, period
    formats = query(database, """
        select x_source_format, count(*) from main_marts.fct_cost_lines
        where x_provider = 'gcp' group by 1""")
    assert formats == [("gcp_billing_detailed", len(file_rows(sample, "detailed")))]
    staged = query(database, "select count(*), sum(cost + credits_amount) "
                             "from main_staging.stg_gcp_billing__standard_cost_lines")
    assert staged[0][0] == len(file_rows(sample, "standard"))
    assert abs(float(staged[0][1]) - sum(expected.values())) <= CENT
    assert isinstance(staged[0][1], Decimal)
