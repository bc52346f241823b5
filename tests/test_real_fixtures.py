"""Every billing export among the real-schema fixtures builds into the unified table.

Two dbt runs over the real fixtures (tests/real_fixtures_support.py): one with every file the
package can use (the flattened GCP CSV through its own var), one with files it cannot,
which must fail naming the file and the reason. Expected totals are computed from the files with the csv module, never with our SQL.
Files are linked (not copied) into per-format folders because each var takes one glob; the
Athena snake_case CUR, delivered as CSV, is rewritten as the parquet its var expects.
"""

from __future__ import annotations

import ast
import csv
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from build_support import run_dbt
from real_fixtures_support import (
    ATHENA_CSV,
    AWS,
    AZURE,
    CENT,
    DELIVERY,
    GCP_FLAT,
    REDELIVERED_ASSEMBLY,
    STALE_AZURE_EXPORT,
    USABLE,
    FixtureBuild,
    file_total,
    link,
    read_rows,
    requires_real_fixtures,
)

pytestmark = requires_real_fixtures


def lines_by_file(build: FixtureBuild) -> dict[str, tuple[int, Decimal, Decimal]]:
    rows = build.query("""
        select regexp_extract(x_source_file, '[^/]*$'), count(*), sum(billed_cost),
            sum(effective_cost)
        from main_intermediate.int_cost_lines_unioned group by 1""")
    return {name: (count, billed, effective) for name, count, billed, effective in rows}


BILLED_FILES = [file for name, files in USABLE.items()
                if name not in ("azure_ea_amortized", "gcp_billing_flat_csv") for file in files]


@pytest.mark.parametrize("path", BILLED_FILES, ids=lambda path: path.name)
def test_each_file_total_reconciles_with_the_unified_table(
        usable_build: FixtureBuild, path: Path) -> None:
    built = lines_by_file(usable_build)
    assert path.name in built, f"no line of {path.name} reached the unified table"
    count, billed, _ = built[path.name]
    rows = read_rows(path)
    if path.name.startswith("azure_ea_actual"):
        # Covered usage (cost 0 in actual) is read from the amortized export instead.
        rows = [row for row in rows if not (row["ChargeType"] == "Usage"
                                             and row["PricingModel"] == "Reservation")]
    assert count == len(rows)
    assert abs((billed or Decimal(0)) - file_total(path)) <= CENT


def gcp_nested(text: str) -> list[dict]:
    """A nested value of the flattened GCP export as Python reads it: JSON, else a repr."""
    if not text.strip():
        return []
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return ast.literal_eval(text)


def test_gcp_flat_csv_reconciles_to_the_cent(usable_build: FixtureBuild) -> None:
    rows = read_rows(GCP_FLAT)
    gross = sum((Decimal(row["cost"]) for row in rows), Decimal(0))
    credits = sum((Decimal(str(credit["amount"])) for row in rows
                   for credit in gcp_nested(row["credits"])), Decimal(0))
    assert credits < 0, "the fixture's promotion credits were not read"
    count, billed, _ = lines_by_file(usable_build)[GCP_FLAT.name]
    assert count == len(rows)
    assert abs(billed - (gross + credits)) <= CENT
    built = usable_build.query("""
        select count(*), sum(contracted_cost), sum(billed_cost), count(distinct x_line_key),
            count(*) filter (where x_tags_normalized like '%goog_resource_type%')
        from main_marts.fct_cost_lines where x_source_format = 'gcp_billing_flat_csv'""")
    lines, contracted, mart_billed, keys, labelled = built[0]
    assert (lines, keys) == (len(rows), len(rows))
    assert abs(contracted - gross) <= CENT and abs(mart_billed - (gross + credits)) <= CENT
    assert labelled == sum(1 for row in rows if gcp_nested(row["labels"]))


def test_athena_parquet_reconciles(usable_build: FixtureBuild) -> None:
    built = lines_by_file(usable_build)
    count, billed, _ = built["cur_athena_snake.parquet"]
    assert count == len(read_rows(ATHENA_CSV))
    assert abs(billed - file_total(ATHENA_CSV, "line_item_unblended_cost")) <= CENT


def test_azure_amortized_file_gives_effective_cost_of_covered_usage(
        usable_build: FixtureBuild) -> None:
    path = USABLE["azure_ea_amortized"][0]
    covered = [row for row in read_rows(path)
               if row["PricingModel"] in ("Reservation", "SavingsPlan")
               or row["ChargeType"].startswith("Unused")]
    count, billed, effective = lines_by_file(usable_build)[path.name]
    assert count == len(covered) and billed == 0
    assert abs(effective - sum(Decimal(row["Cost"]) for row in covered)) <= CENT


@pytest.mark.parametrize("path", USABLE["focus_csv"], ids=lambda path: path.name)
def test_focus_spec_examples_effective_cost_reconciles(
        usable_build: FixtureBuild, path: Path) -> None:
    _, _, effective = lines_by_file(usable_build)[path.name]
    assert abs(effective - file_total(path, "EffectiveCost")) <= CENT


def test_only_expected_lines_are_quarantined(usable_build: FixtureBuild) -> None:
    rows = usable_build.query("""
        select regexp_extract(x_source_file, '[^/]*$'), x_quarantine_reason, count(*)
        from main_marts.fct_quarantined_cost_lines group by 1, 2""")
    # The spec's commitment examples are column subsets without BillingCurrency: a cost
    # in no currency cannot be summed with others, so every line waits in quarantine,
    # except those already stopped by the spec's own hour 30 in ChargePeriodEnd.
    no_currency = {
        "commitment_discount_purchase_scenario_1.csv": 1,
        "commitment_discount_purchase_scenario_2.csv": 2,
        "commitment_discount_purchase_scenario_3.csv": 3,
        "commitment_discount_usage_scenario_1.csv": 1,
        "commitment_discount_usage_scenario_2.csv": 1,
        "commitment_discount_usage_scenario_3.csv": 2,
        "commitment_discount_usage_scenario_4.csv": 2,
        "one_hundred_percent_utilization_with_commitment_discount_flexibility_with_1_resource"
        ".csv": 3,
        "one_hundred_percent_utilization_with_commitment_discount_flexibility_with_2_resources"
        ".csv": 3,
        "one_hundred_percent_utilization_without_commitment_discount_flexibility.csv": 2,
        "zero_percent_utilization_without_commitment_discount_flexibility.csv": 3,
    }
    assert sorted(rows) == sorted([
        # koku's anonymized EA v2 export writes currency code MC, which ISO 4217 lacks.
        ("azure_ea_v2__koku_azure_version_2.csv", "unknown currency: MC", 5),
        ("commitment_discount_purchase_scenario_2.csv",
         "unparseable charge_period_end: 2023-02-01T30:00:00Z", 1),
        ("commitment_discount_purchase_scenario_3.csv",
         "unparseable charge_period_end: 2023-02-01T30:00:00Z", 1),
        # A subset of CUR columns without lineItem/identity ids: no key to dedupe on.
        ("cur_legacy_csv__sbroenne_sample_legacy_SYNTHETIC.csv",
         "missing identity_line_item_id", 4),
        *((name, "missing billing_currency", count) for name, count in no_currency.items()),
    ])


def test_focus_export_quirks(usable_build: FixtureBuild) -> None:
    rows = usable_build.query("""
        select x_provider, charge_period_start, charge_period_end, resource_id,
            commitment_discount_id, billed_cost, effective_cost, x_tag_team, x_tag_cost_center
        from main_marts.fct_cost_lines where x_source_format = 'focus_parquet'""")
    assert len(rows) == 1
    provider, start, end, resource_id, commitment, billed, effective, team, cost_center = rows[0]
    assert provider == "azure"
    assert (str(start), str(end)) == ("2024-01-05 00:00:00", "2024-01-06 00:00:00")
    assert (resource_id, commitment) == (None, None)  # the literal NULL strings
    assert (billed, effective) == (Decimal("1.5"), Decimal("1.2"))
    assert (team, cost_center) == ("nlp", "cc1")


def test_unusable_files_fail_naming_file_and_reason(tmp_path: Path) -> None:
    broken_cur = AWS / "cur_legacy_csv__koku_test_cur_2018-06.csv"
    cur2_subset = AWS / "cur2_csv__sbroenne_sample_cur20_SYNTHETIC.csv"
    gcp_flat = GCP_FLAT
    # A flattened GCP CSV that lost its cost column: nothing to bill from.
    gcp_no_cost = tmp_path / "gcp_flat_without_cost.csv"
    with GCP_FLAT.open(newline="") as source, gcp_no_cost.open("w", newline="") as target:
        reader = csv.DictReader(source)
        fields = [name for name in reader.fieldnames or [] if name != "cost"]
        writer = csv.DictWriter(target, fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(reader)
    cur2_parquet = tmp_path / "cur2_subset.parquet"
    con = duckdb.connect()
    con.execute(f"copy (select * from read_csv('{cur2_subset}', all_varchar = true)) "
                f"to '{cur2_parquet}' (format parquet)")
    con.close()
    vars_yaml = "\n".join([
        f'mlcost_aws_cur_legacy_csv: "{link([broken_cur], tmp_path / "legacy")}"',
        f'mlcost_aws_cur2_parquet: "{cur2_parquet}"',
        f'mlcost_gcp_billing_detailed: "{gcp_flat}"',
        f'mlcost_gcp_billing_flat_csv: "{gcp_no_cost}"',
    ])
    result = run_dbt(["run", "-s", "staging", "--vars", vars_yaml],
                     tmp_path / "bad.duckdb", tmp_path)
    assert result.returncode != 0
    # Header and rows disagree in column count: the reader cannot find the dialect.
    assert f'sniffing file "{tmp_path / "legacy" / broken_cur.name}"' in result.stdout
    assert "has no column 'identity_line_item_id'" in result.stdout
    assert str(cur2_parquet) in result.stdout
    assert (f"gcp_billing_flat_csv export at {gcp_no_cost} has no column 'cost'"
            in result.stdout)
    # The flattened GCP CSV is not the NDJSON extract (it has a var of its own): reading it
    # as the detailed export names the file, on the one quarantine row that stands for the
    # unreadable export (macros/export_read_check.sql).
    assert f'Malformed JSON in file "{gcp_flat}"' in result.stdout
    con = duckdb.connect(str(tmp_path / "bad.duckdb"), read_only=True)
    reasons = con.execute("select x_quarantine_reason from "
                          "main_staging.stg_gcp_billing__detailed_cost_lines").fetchall()
    con.close()
    assert len(reasons) == 1 and reasons[0][0].startswith("unreadable export: ")
    assert f'Malformed JSON in file "{gcp_flat}"' in reasons[0][0]


def test_redelivered_cur_month_counts_once(usable_build: FixtureBuild) -> None:
    rows = usable_build.query("""
        select regexp_extract(x_source_file, '[^/]*/[^/]*$'), count(*)
        from main_intermediate.int_cost_lines_unioned
        where x_source_file like '%koku-local-1.csv.gz' group by 1""")
    assert rows == [(f"{REDELIVERED_ASSEMBLY}/koku-local-1.csv.gz",
                     len(read_rows(DELIVERY / "koku-local-1.csv.gz")))]


def test_reexported_azure_period_counts_from_latest_file(usable_build: FixtureBuild) -> None:
    files = lines_by_file(usable_build)
    assert STALE_AZURE_EXPORT not in files
    assert USABLE["azure_mca_actual"][0].name in files


# --- transfer routes on real exports -------------------------------------------------------

KOKU_TRANSFER_CUR = AWS / "cur_legacy_csv__koku_test_cur_2018-06.csv"
TRANSFER_FILES = {
    "aws_cur_legacy_csv": [DELIVERY / "koku-local-1.csv.gz"],
    # The amortized export is read as an actual one: its Bandwidth meters are the tenant's
    # real ones, and the actual subset has none.
    "azure_ea_actual": [AZURE / "azure_ea_amortized__finops_toolkit_EA_AmortizedCost_Small.csv",
                        AZURE / "azure_legacy_usage__koku_costreport_bandwidth.csv"],
}
# AWS product/transferType -> route, as the AWS price list defines the types.
AWS_TRANSFER_TYPE_ROUTES = {
    "InterRegion Inbound": "inter_region_inbound", "InterRegion Outbound": "inter_region",
    "AWS Inbound": "internet_inbound", "AWS Outbound": "internet", "IntraRegion": "inter_az",
}


def region_codes() -> dict[tuple[str, str], str]:
    """(provider, location name) -> region id, from the regions seed."""
    with (Path(__file__).resolve().parents[1] / "seeds" / "regions.csv").open() as seed:
        return {(row["provider"], row["region_name"]): row["region_id"]
                for row in csv.DictReader(seed)}


def pad_to_header(source: Path, target: Path) -> None:
    """The 2018-06 koku CUR's rows stop one column short of its header (the trailing
    costCategory/CostCenter, empty): the same rows with that empty cell written out."""
    with source.open(newline="") as src, target.open("w", newline="") as dst:
        reader = csv.reader(src)
        writer = csv.writer(dst)
        header = next(reader)
        writer.writerow(header)
        for row in reader:
            writer.writerow(row + [""] * (len(header) - len(row)))


@pytest.fixture(scope="module")
def transfer_build(tmp_path_factory: pytest.TempPathFactory) -> FixtureBuild:
    work_dir = tmp_path_factory.mktemp("real_transfer")
    vars_lines = [f'mlcost_{name}: "{link(files, work_dir / name)}"'
                  for name, files in TRANSFER_FILES.items()]
    pad_to_header(KOKU_TRANSFER_CUR, work_dir / "aws_cur_legacy_csv" / KOKU_TRANSFER_CUR.name)
    result = run_dbt(["build", "--select", "+int_transfer_lines_classified",
                      "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
                      "--vars", "\n".join(vars_lines)], work_dir / "transfer.duckdb", work_dir)
    if result.returncode != 0:
        pytest.fail(f"dbt build failed on the real transfer lines:\n{result.stdout[-6000:]}")
    return FixtureBuild(work_dir / "transfer.duckdb", result.stdout)


def built_routes(build: FixtureBuild, file_name: str) -> list[tuple]:
    return build.query("""
        select lines.x_transfer_type, routes.egress_route, routes.from_region,
            routes.to_region, routes.usage_gb
        from main_intermediate.int_transfer_lines_classified as routes
        inner join main_intermediate.int_cost_lines_unioned as lines
            on routes.x_line_key = lines.x_line_key
        where regexp_extract(lines.x_source_file, '[^/]*$') = ?""", [file_name])


@pytest.mark.parametrize("path", [KOKU_TRANSFER_CUR, DELIVERY / "koku-local-1.csv.gz"],
                         ids=lambda path: path.name)
def test_aws_transfer_types_give_their_route_and_direction(
        transfer_build: FixtureBuild, path: Path) -> None:
    """Every CUR line with a product/transferType gets the route of that type, never
    unclassified; an InterRegion Inbound line runs from its toLocation (the region that
    sent the bytes) and its GB stay on the inbound route."""
    codes = region_codes()
    typed = [row for row in read_rows(path) if row["product/transferType"]]
    assert typed, f"{path.name} has transfer lines"
    expected = []
    for row in typed:
        transfer_type = row["product/transferType"]
        # The billed region: fromLocation, else the line's product/location.
        billed = (codes.get(("aws", row["product/fromLocation"]))
                  or codes.get(("aws", row["product/location"])))
        other = codes.get(("aws", row["product/toLocation"]))
        inbound = transfer_type == "InterRegion Inbound"
        expected.append((transfer_type, AWS_TRANSFER_TYPE_ROUTES[transfer_type],
                         other if inbound else billed, billed if inbound else other))
    expected.sort(key=str)
    built = built_routes(transfer_build, path.name)
    assert sorted((row[:4] for row in built), key=str) == expected
    inbound_gb = sum(float(row["lineItem/UsageAmount"]) for row in typed
                     if "Inbound" in row["product/transferType"])
    assert inbound_gb > 0
    assert sum(row[4] for row in built if row[1].endswith("_inbound")) == pytest.approx(
        inbound_gb, abs=1e-6)


def test_azure_bandwidth_meters_are_classified(transfer_build: FixtureBuild) -> None:
    """The EA exports' Bandwidth meters (Microsoft's demo tenant and koku's legacy usage
    file) each land on a route: Intra/Inter Continent between regions, the rest internet."""
    for path in TRANSFER_FILES["azure_ea_actual"]:
        rows = read_rows(path)
        meters = sorted(
            "inter_region" if "Continent" in row.get("MeterName", row.get("Meter Name", ""))
            else "internet"
            for row in rows
            if row.get("MeterCategory", row.get("Meter Category")) == "Bandwidth")
        assert meters, f"{path.name} has Bandwidth meters"
        built = built_routes(transfer_build, path.name)
        assert sorted(row[1] for row in built) == meters
