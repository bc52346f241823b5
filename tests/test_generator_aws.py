"""The generated AWS CUR files have the real schemas: legacy CSV, Athena parquet, CUR 2.0.

Headers are compared with real fixtures (../shared/fixtures/real/aws). A real column we do
not write is a failure unless EXEMPT names it with the reason; the reasons are repeated in
scripts/sample_data/SCHEMAS.md. The three formats carry the same lines and the same totals.
"""

from __future__ import annotations

import csv
import gzip
import json
import re
from pathlib import Path

import duckdb
import pytest
from conftest import REAL_FIXTURES

from sample_data.writers.aws_cur import athena_name
from real_fixtures_support import requires_real_fixtures

AWS_FIXTURES = REAL_FIXTURES / "aws"
LEGACY_FIXTURES = ["cur_legacy_csv__koku_test_cur_2018-06.csv",
                   "cur_legacy_csv__koku_2023-06_savingsplan_costcategory.csv",
                   "cur_legacy_csv__sbroenne_sample_legacy_SYNTHETIC.csv"]
ATHENA_FIXTURE = "cur_athena_snake__koku_2022-07_alt_columns.csv"
CUR2_FIXTURE = "cur2_csv__sbroenne_sample_cur20_SYNTHETIC.csv"

_UNSIMULATED = ("product attribute of a service the sample does not simulate (AWS Support "
                "plan features, Directory Service, SQS/SNS, API Gateway, RDS, Direct Connect, "
                "CloudFront, QuickSight...); CUR only sends a product column once a service "
                "uses it")
_EBS_OTHER = "EBS/EC2 attribute of volume or instance types the sample does not use"
_COST_CATEGORY = "the company's own cost category names (koku's); the sample defines none"
_KOKU_TAGS = ("koku's anonymized tag prefix; real CUR writes resourceTags/ (the sample's "
              "tags are resourceTags/user:*, resourceTags/aws:createdBy)")

UNSIMULATED_ATTRIBUTES = [
    "accountAssistance", "architecturalReview", "architectureSupport", "bestPractices",
    "caseSeverityresponseTimes", "comments", "contentType", "customerServiceAndCommunities",
    "databaseEngine", "deploymentOption", "description", "directorySize", "directoryType",
    "directoryTypeDescription", "edition", "endpointType", "engineCode", "feeCode",
    "feeDescription", "includedServices", "isshadow", "iswebsocket", "launchSupport",
    "messageDeliveryFrequency", "messageDeliveryOrder", "operationsSupport", "origin",
    "platousagetype", "platovolumetype", "proactiveGuidance", "programmaticCaseManagement",
    "protocol", "provisioned", "queueType", "recipient", "requestDescription", "requestType",
    "resourceEndpoint", "routingTarget", "routingType", "softwareType", "subscriptionType",
    "technicalSupport", "thirdpartySoftwareSupport", "training", "version",
    "virtualInterfaceType", "whoCanOpenCases", "freeQueryTypes", "logsDestination", "overhead",
    "packSize", "platostoragetype", "qPresent", "tiertype", "usageGroup", "withActiveUsers",
]
EBS_OTHER_ATTRIBUTES = ["availabilityZone", "ebsOptimized", "maxIopsBurstPerformance",
                        "memoryGib", "minVolumeSize", "storageType"]

EXEMPT: dict[str, str] = {
    **{f"product/{a}": _UNSIMULATED for a in UNSIMULATED_ATTRIBUTES},
    **{f"product/{a}": _EBS_OTHER for a in EBS_OTHER_ATTRIBUTES},
    **{athena_name(f"product/{a}"): _UNSIMULATED for a in UNSIMULATED_ATTRIBUTES},
    **{athena_name(f"product/{a}"): _EBS_OTHER for a in EBS_OTHER_ATTRIBUTES},
    "pricing/OfferingClasspricing/PurchaseOption": (
        "koku's header lost a comma: two real columns, pricing/OfferingClass and "
        "pricing/PurchaseOption, which we write"),
    "savingsPlan/SavingsPlanArn": ("koku's spelling; AWS writes savingsPlan/SavingsPlanARN "
                                   "(Athena: savings_plan_savings_plan_a_r_n), which we write"),
    "costCategory/CostCenter": _COST_CATEGORY, "costCategory/Charge type": _COST_CATEGORY,
    "costCategory/OUs": _COST_CATEGORY, "costCategory/Organization": _COST_CATEGORY,
    "costCategory/cost_env": _COST_CATEGORY, "costCategory/name": _COST_CATEGORY,
    "costCategory/qe_source": _COST_CATEGORY,
    "resource_tags_user_c25_key": "koku's own tag key",
    "resource_tags_user_insights_project": "koku's own tag key",
    "year": "Athena partition column: in the path (year=2026/month=10), not in the files",
    "month": "Athena partition column: in the path (year=2026/month=10), not in the files",
    "product_product_name": ("not in the CUR 2.0 static schema: CUR 2.0 keeps the product "
                             "name in the product map (product['product_name']); the sbroenne "
                             "sample flattens it"),
}
EXEMPT_PREFIXES = {"noTags/": _KOKU_TAGS}



def fixture_header(name: str) -> list[str]:
    with (AWS_FIXTURES / name).open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def missing_unexempted(real: list[str], ours: list[str]) -> list[str]:
    have = set(ours)
    return [c for c in real if c not in have and c not in EXEMPT
            and not any(c.startswith(p) for p in EXEMPT_PREFIXES)]


@pytest.fixture(scope="session")
def aws_dir(sample_dir: Path) -> Path:
    return sample_dir / "aws"


@pytest.fixture(scope="session")
def csv_files(aws_dir: Path) -> list[Path]:
    files = sorted((aws_dir / "cur_legacy").glob("*/*/*/*.csv.gz"))
    assert files
    return files


@pytest.fixture(scope="session")
def csv_header(csv_files: list[Path]) -> list[str]:
    headers = []
    for path in csv_files:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            headers.append(next(csv.reader(fh)))
    assert all(h == headers[0] for h in headers), "every part has the report's header"
    return headers[0]


@pytest.fixture(scope="session")
def con() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def legacy_csv(aws_dir: Path) -> str:
    glob = (aws_dir / "cur_legacy" / "*" / "*" / "*" / "*.csv.gz").as_posix()
    return f"read_csv('{glob}', header = true, all_varchar = true)"


def athena(aws_dir: Path) -> str:
    glob = (aws_dir / "cur_legacy_parquet" / "**" / "*.parquet").as_posix()
    return f"read_parquet('{glob}', hive_partitioning = false)"


def cur2(aws_dir: Path) -> str:
    glob = (aws_dir / "cur2" / "**" / "*.parquet").as_posix()
    return f"read_parquet('{glob}', hive_partitioning = false)"


def describe(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    return {r[0]: r[1] for r in con.execute(f"describe select * from {relation}").fetchall()}


# ------------------------------------------------------------------------------- layout


def test_delivery_layout_is_cur_s(aws_dir: Path) -> None:
    report_dir = aws_dir / "cur_legacy" / "mlcost-hourly"
    periods = sorted(p.name for p in report_dir.iterdir() if p.is_dir())
    assert periods == ["20261001-20261101", "20261101-20261201"]
    for period in periods:
        assemblies = [p for p in (report_dir / period).iterdir() if p.is_dir()]
        assert len(assemblies) == 1, "one assembly (delivery) per period"
        assert re.fullmatch(r"[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}", assemblies[0].name)
        assert (assemblies[0] / "mlcost-hourly-1.csv.gz").exists()
        assert (report_dir / period / "mlcost-hourly-Manifest.json").exists()
    assert sorted(p.name for p in (aws_dir / "cur_legacy_parquet" / "mlcost-hourly" /
                                   "mlcost-hourly").iterdir()) == ["year=2026"]
    assert sorted(p.name for p in (aws_dir / "cur2" / "mlcost-cur2" / "data").iterdir()) == \
        ["BILLING_PERIOD=2026-10", "BILLING_PERIOD=2026-11"]


@requires_real_fixtures
def test_manifest_has_the_real_shape(aws_dir: Path, csv_header: list[str]) -> None:
    real = json.loads((AWS_FIXTURES / "cur_legacy_delivery__koku_local_bucket_SYNTHETIC" /
                       "koku-local-Manifest.json").read_text())
    for path in sorted((aws_dir / "cur_legacy").glob("*/*/*-Manifest.json")):
        manifest = json.loads(path.read_text())
        assert set(real) <= set(manifest)
        assert {"additionalArtifactKeys", "bucket"} <= set(manifest)
        assert [f"{c['category']}/{c['name']}" for c in manifest["columns"]] == csv_header
        assert all(set(c) == {"category", "name", "type"} for c in manifest["columns"])
        assert re.fullmatch(r"\d{8}T000000\.000Z", manifest["billingPeriod"]["start"])
        assert manifest["compression"] == "GZIP" and manifest["contentType"] == "text/csv"
        for key in manifest["reportKeys"]:
            prefix, report, period, assembly, name = key.split("/")
            assert report == manifest["reportName"] and assembly == manifest["assemblyId"]
            assert (path.parent / assembly / name).exists()
            assert period == path.parent.name


def test_gzip_is_reproducible(csv_files: list[Path]) -> None:
    for path in csv_files:
        header = path.read_bytes()[:10]
        assert header[:2] == b"\x1f\x8b" and header[4:8] == b"\0\0\0\0", "gzip mtime is 0"


# ------------------------------------------------------------------------------- legacy CSV


@requires_real_fixtures
@pytest.mark.parametrize("fixture", LEGACY_FIXTURES)
def test_legacy_csv_has_the_real_columns(csv_header: list[str], fixture: str) -> None:
    missing = missing_unexempted(fixture_header(fixture), csv_header)
    assert not missing, f"real {fixture} columns missing from ours (add or exempt): {missing}"


def test_legacy_csv_names_and_values(con, aws_dir: Path, csv_header: list[str]) -> None:
    for name in ("identity/LineItemId", "bill/InvoicingEntity", "lineItem/LineItemType",
                 "lineItem/UnblendedCost", "pricing/term", "pricing/PurchaseOption",
                 "pricing/OfferingClass", "reservation/ReservationARN",
                 "reservation/EffectiveCost", "savingsPlan/SavingsPlanARN",
                 "savingsPlan/SavingsPlanEffectiveCost", "product/gpu", "product/fromRegionCode",
                 "resourceTags/user:team", "resourceTags/user:Team",
                 "resourceTags/user:cost-center", "resourceTags/user:cost_center",
                 "resourceTags/user:job_id", "resourceTags/aws:createdBy"):
        assert name in csv_header
    assert all(re.fullmatch(r"[a-zA-Z]+/[^/].*", c) for c in csv_header)
    rel = legacy_csv(aws_dir)
    types = {r[0] for r in con.execute(f'select distinct "lineItem/LineItemType" from {rel}'
                                       ).fetchall()}
    assert types == {"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage", "SavingsPlanNegation",
                     "SavingsPlanRecurringFee", "RIFee", "Fee", "Credit", "Refund", "Tax"}
    iso_z = r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"
    for column in ("lineItem/UsageStartDate", "lineItem/UsageEndDate",
                   "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate"):
        bad = con.execute(f"""select count(*) from {rel}
            where not regexp_full_match("{column}", ?)""", [iso_z]).fetchone()[0]
        assert bad == 0, column
    assert con.execute(f"""select count(*) from {rel} where try_cast("lineItem/UnblendedCost"
                           as decimal(38, 10)) is null""").fetchone()[0] == 0
    spot_terms = {r[0] for r in con.execute(
        f"""select distinct "pricing/term" from {rel}
            where "lineItem/UsageType" like '%SpotUsage%'""").fetchall()}
    assert spot_terms == {"Spot"}
    usage_types = {r[0] for r in con.execute(
        f'select distinct "lineItem/UsageType" from {rel}').fetchall()}
    for expected in ("USE1-USW2-AWS-Out-Bytes", "USE1-DataTransfer-Regional-Bytes",
                     "USE1-DataTransfer-Out-Bytes", "USE1-NatGateway-Bytes",
                     "BoxUsage:p4d.24xlarge", "USW2-SpotUsage:p5.48xlarge",
                     "USE1-Train:ml.p4d.24xlarge", "ComputeSP:1yrPartialUpfront",
                     "HeavyUsage:g5.12xlarge", "EBS:VolumeUsage.gp3", "TimedStorage-ByteHrs"):
        assert expected in usage_types


def test_legacy_csv_quotes_only_when_needed(csv_files: list[Path]) -> None:
    with gzip.open(csv_files[0], "rt", encoding="utf-8") as fh:
        header = fh.readline()
        first = fh.readline()
    assert '"' not in header
    assert not first.startswith('"'), "CUR does not quote plain values"


def test_savings_plan_lines_cancel_and_ids_are_unique(con, aws_dir: Path) -> None:
    rel = legacy_csv(aws_dir)
    covered, negated = con.execute(f"""
        select sum(case when "lineItem/LineItemType" = 'SavingsPlanCoveredUsage'
                        then cast("lineItem/UnblendedCost" as decimal(38, 10)) end),
               sum(case when "lineItem/LineItemType" = 'SavingsPlanNegation'
                        then cast("lineItem/UnblendedCost" as decimal(38, 10)) end)
        from {rel}""").fetchone()
    assert covered > 0 and covered + negated == 0
    dupes = con.execute(f"""select count(*) - count(distinct "identity/LineItemId") from {rel}
                        """).fetchone()[0]
    assert dupes == 0
    zero = con.execute(f"""select max(abs(cast("lineItem/UnblendedCost" as double))) from {rel}
                           where "lineItem/LineItemType" = 'DiscountedUsage'""").fetchone()[0]
    assert zero == 0


# ------------------------------------------------------------------------------- Athena parquet


@requires_real_fixtures
def test_athena_names_follow_aws_rule() -> None:
    assert athena_name("savingsPlan/SavingsPlanARN") == "savings_plan_savings_plan_a_r_n"
    assert athena_name("reservation/ReservationARN") == "reservation_reservation_a_r_n"
    assert athena_name("lineItem/UsageAccountId") == "line_item_usage_account_id"
    assert athena_name("product/maxIopsvolume") == "product_max_iopsvolume"
    assert athena_name("resourceTags/aws:createdBy") == "resource_tags_aws_created_by"
    assert athena_name("resourceTags/user:cost-center") == "resource_tags_user_cost_center"
    assert athena_name("resourceTags/user:Team") == "resource_tags_user_team"
    assert athena_name("product/intelAvx2Available") == "product_intel_avx2_available"
    # The rule reproduces every name of the real Athena fixture whose legacy name we know.
    real = set(fixture_header(ATHENA_FIXTURE))
    legacy = set(fixture_header(LEGACY_FIXTURES[1])) - {"savingsPlan/SavingsPlanArn"}
    known = {athena_name(c) for c in legacy if not c.startswith(("noTags/", "costCategory/"))}
    assert len(real & known) > 80


@requires_real_fixtures
def test_athena_parquet_has_the_real_columns_and_types(con, aws_dir: Path) -> None:
    types = describe(con, athena(aws_dir))
    missing = missing_unexempted(fixture_header(ATHENA_FIXTURE), list(types))
    assert not missing, f"real Athena columns missing from ours (add or exempt): {missing}"
    for column in ("bill_billing_period_start_date", "bill_billing_period_end_date",
                   "line_item_usage_start_date", "line_item_usage_end_date"):
        assert types[column] == "TIMESTAMP"
    for column in ("line_item_unblended_cost", "line_item_blended_cost", "line_item_usage_amount",
                   "pricing_public_on_demand_cost", "reservation_effective_cost",
                   "savings_plan_savings_plan_effective_cost", "savings_plan_used_commitment"):
        assert types[column] == "DOUBLE"
    for column in ("line_item_unblended_rate", "pricing_public_on_demand_rate",
                   "reservation_number_of_reservations", "identity_line_item_id",
                   "resource_tags_user_team", "savings_plan_savings_plan_a_r_n"):
        assert types[column] == "VARCHAR"
    assert len([c for c in types if c == "resource_tags_user_team"]) == 1


def test_athena_merges_team_spellings(con, aws_dir: Path, csv_files: list[Path]) -> None:
    # Read with Python's csv: DuckDB matches column names case-insensitively and would
    # rename the second spelling to "resourceTags/user:Team_1".
    legacy = 0
    for path in csv_files:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                legacy += bool(row["resourceTags/user:team"] or row["resourceTags/user:Team"])
    merged = con.execute(f"""select count(*) from {athena(aws_dir)}
        where resource_tags_user_team is not null""").fetchone()[0]
    assert legacy == merged > 0


# ------------------------------------------------------------------------------- CUR 2.0


@requires_real_fixtures
def test_cur2_has_the_real_columns_and_maps(con, aws_dir: Path) -> None:
    types = describe(con, cur2(aws_dir))
    missing = missing_unexempted(fixture_header(CUR2_FIXTURE), list(types))
    assert not missing, f"real CUR 2.0 columns missing from ours (add or exempt): {missing}"
    for column in ("product", "resource_tags", "cost_category", "discount"):
        assert types[column] == "MAP(VARCHAR, VARCHAR)"
    assert types["line_item_usage_start_date"] == "TIMESTAMP"
    assert types["line_item_unblended_cost"] == "DOUBLE"
    assert "bill_payer_account_name" in types and "line_item_usage_account_name" in types
    assert not any(c.startswith("resource_tags_") for c in types)
    keys = {r[0] for r in con.execute(
        f"select distinct unnest(map_keys(resource_tags)) from {cur2(aws_dir)}").fetchall()}
    assert keys and all(k.startswith(("user_", "aws_")) for k in keys)
    assert "user_team" in keys and "user_Team" not in keys
    name = con.execute(f"""select product['product_name'] from {cur2(aws_dir)}
        where line_item_product_code = 'AmazonEC2' limit 1""").fetchone()[0]
    assert name == "Amazon Elastic Compute Cloud"


# ------------------------------------------------------------------------------- the same data


def test_three_formats_carry_the_same_lines(con, aws_dir: Path) -> None:
    legacy = con.execute(f"""
        select strftime(cast("bill/BillingPeriodStartDate" as timestamp), '%Y-%m'), count(*),
               sum(cast("lineItem/UnblendedCost" as decimal(38, 10))),
               count(distinct "identity/LineItemId")
        from {legacy_csv(aws_dir)} group by 1 order by 1""").fetchall()
    for relation in (athena(aws_dir), cur2(aws_dir)):
        other = con.execute(f"""
            select strftime(bill_billing_period_start_date, '%Y-%m'), count(*),
                   sum(line_item_unblended_cost), count(distinct identity_line_item_id)
            from {relation} group by 1 order by 1""").fetchall()
        assert [(p, n, d) for p, n, _, d in other] == [(p, n, d) for p, n, _, d in legacy]
        for (_, _, total, _), (_, _, expected, _) in zip(other, legacy):
            assert total == pytest.approx(float(expected), abs=1e-4)
    same_ids = con.execute(f"""
        select count(*) from {legacy_csv(aws_dir)} l
        join {cur2(aws_dir)} c on c.identity_line_item_id = l."identity/LineItemId"
        where abs(c.line_item_unblended_cost - cast(l."lineItem/UnblendedCost" as double)) > 1e-9
        """).fetchone()[0]
    assert same_ids == 0


def test_savings_plan_fee_matches_the_usage_it_covered(con, aws_dir: Path) -> None:
    rel = athena(aws_dir)
    rows = con.execute(f"""
        with covered as (
            select line_item_usage_start_date as hour,
                   sum(savings_plan_savings_plan_effective_cost) as used
            from {rel} where line_item_line_item_type = 'SavingsPlanCoveredUsage' group by 1),
        fee as (
            select line_item_usage_start_date as hour, line_item_unblended_cost as billed,
                   savings_plan_total_commitment_to_date as total,
                   savings_plan_used_commitment as used,
                   savings_plan_recurring_commitment_for_billing_period as recurring,
                   savings_plan_amortized_upfront_commitment_for_billing_period as upfront
            from {rel} where line_item_line_item_type = 'SavingsPlanRecurringFee')
        select fee.*, coalesce(covered.used, 0) as covered_used
        from fee left join covered using (hour)""").fetchall()
    assert rows
    for _, billed, total, used, recurring, upfront, covered_used in rows:
        assert billed == pytest.approx(recurring) and upfront > 0
        assert total == pytest.approx(recurring + upfront)
        assert used == pytest.approx(covered_used, abs=1e-6)
        assert used <= total + 1e-9
