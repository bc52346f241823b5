"""The GCP and Azure sample-data writers produce files in the clouds' real export formats.

Hand-made charges cover every charge kind for GCP, Azure EA and Azure MCA; the files are read
back with DuckDB the way a staging model would, and compared with the real fixtures'
headers. The invoice invariants are what the ground truth relies on: what a cloud's files
add up to is exactly what the neutral charges say was billed (or amortized).
"""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from sample_data import catalog
from sample_data.model import Charge
from sample_data.writers import azure_cost, focus, gcp_billing
from build_support import SHARED_FIXTURES
from real_fixtures_support import requires_real_fixtures

PROJECT_DIR = Path(__file__).resolve().parents[1]

REAL = SHARED_FIXTURES
GCP_FIXTURE = REAL / "gcp" / "gcp_bq_export_flat__koku_202011_2020-11-08_2020-11-11.csv"
EA_ACTUAL_FIXTURE = REAL / "azure" / "azure_ea_actual__finops_toolkit_EA_ActualCost_Small.csv"
EA_AMORTIZED_FIXTURE = REAL / "azure" / "azure_ea_amortized__finops_toolkit_EA_AmortizedCost_Small.csv"
MCA_FIXTURE = REAL / "azure" / "azure_mca_camel__koku_camel_azure_version_2.csv"

# Real columns our files do not have, and why.
GCP_EXEMPT = {
    "partition_date": "added by koku's extraction query from the table's _PARTITIONTIME pseudo-column; "
                      "not a column of the export table, so bq extract never writes it",
}
MCA_EXEMPT = {
    "product": "the 2023-05-01 MCA schema renamed it ProductName (koku's file predates that)",
    "instancename": "the 2023-05-01 MCA schema renamed it ResourceId (koku's file predates that)",
}

GCP_ACCOUNT = "01A2B3-C4D5E6-F7A8B9"
EA_ACCOUNT = "87654321"
MCA_ACCOUNT = "c1a2b3c4-1111-2222-3333-444455556666:d5e6f7a8-7777-8888-9999-000011112222_2019-05-31"
RESERVATION = ("/providers/Microsoft.Capacity/reservationOrders/0d5a1e3c-8c7e-4d2a-9a55-1b2c3d4e5f60"
               "/reservations/7f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f")
TS = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})? UTC$")
MDY = re.compile(r"^\d{2}/\d{2}/\d{4}$")

T0 = datetime(2026, 10, 1, 3)  # 03:00 UTC on Oct 1 is still September 30 in Pacific time.
T1 = datetime(2026, 10, 14, 12)
T2 = datetime(2026, 11, 3, 12)


def charge(provider: str, line_key: str, **overrides: object) -> Charge:
    """A charge with plausible defaults for its provider; tests override what they exercise."""
    start = overrides.pop("start", T1)
    hours = overrides.pop("hours", 1)
    defaults: dict[str, object] = dict(
        provider=provider, line_key=line_key, kind="usage", charge_start=start,
        charge_end=start + timedelta(hours=hours), operation="", usage_amount=1.0, usage_unit="Hrs",
        running_seconds=3600.0, pricing="on_demand", list_cost=3.67, billed_cost=3.67,
        effective_cost=3.67, owner_team="nlp", tags={"Team": "NLP", "project": "llm"},
    )
    if provider == "gcp":
        defaults.update(
            billing_account_id=GCP_ACCOUNT, sub_account_id="nlp-train-prod", sub_account_name="NLP training",
            service="Compute Engine", sku="", sku_description="A2 VM", region="us-central1",
            availability_zone="us-central1-a", instance_type="a2-highgpu-1g", resource_name="trainer-0",
            resource_id="//compute.googleapis.com/projects/nlp-train-prod/zones/us-central1-a/instances/101",
        )
    else:
        defaults.update(
            billing_account_id=EA_ACCOUNT, sub_account_id="3f2a1b0c-0000-4000-8000-00000000aa01",
            sub_account_name="ml-training", service="Virtual Machines",
            sku="c2e1f0a9-1234-4abc-9def-0123456789ab", sku_description="NC24ads A100 v4", region="eastus",
            availability_zone="", instance_type="Standard_NC24ads_A100_v4", resource_name="trainer-0",
            resource_id="/subscriptions/3f2a1b0c-0000-4000-8000-00000000aa01/resourceGroups/ml-train-rg"
                        "/providers/Microsoft.Compute/virtualMachines/trainer-0",
        )
    defaults.update(overrides)
    return Charge(**defaults)  # type: ignore[arg-type]


def gcp_charges() -> list[Charge]:
    no_vm = dict(instance_type="", resource_id="", resource_name="", tags={})
    return [
        charge("gcp", "g-usage-early", start=T0),
        charge("gcp", "g-usage", tags={"team_name": "vision", "cost_center": "", "Owner": "Ana@Example.com"}),
        charge("gcp", "g-spot", pricing="spot", instance_type="a2-highgpu-8g", list_cost=29.4, billed_cost=8.8,
               effective_cost=8.8),
        charge("gcp", "g-cud", kind="commitment_usage", instance_type="a2-highgpu-8g", list_cost=29.39,
               billed_cost=0.0, effective_cost=18.5, commitment_id="projects/nlp-train-prod/regions/us-central1/"
               "commitments/cud-a2-1y", commitment_type="cud"),
        charge("gcp", "g-fee", kind="commitment_fee", sku_description="Commitment v1: A2 Cores in Americas for 1 Year",
               pricing="", list_cost=12.0, billed_cost=12.0, effective_cost=0.0,
               commitment_id="projects/nlp-train-prod/regions/us-central1/commitments/cud-a2-1y",
               commitment_type="cud", **no_vm),
        charge("gcp", "g-component", sku="8E1D-9DF4-F38B",
               sku_description="Nvidia Tesla A100 GPU running in Americas", list_cost=2.93, billed_cost=2.93,
               effective_cost=2.93),
        charge("gcp", "g-credit", kind="credit", sku_description="Promotion credit", pricing="", list_cost=0.0,
               billed_cost=-5.0, effective_cost=-5.0, **no_vm),
        charge("gcp", "g-refund", kind="refund", sku_description="Goodwill credit for a zonal outage", pricing="",
               list_cost=0.0, billed_cost=-2.5, effective_cost=-2.5, **no_vm),
        charge("gcp", "g-tax", kind="tax", service="Invoice", sku_description="Tax", pricing="", list_cost=0.0,
               billed_cost=1.23, effective_cost=1.23, start=T2, **no_vm),
        charge("gcp", "g-storage", service="Cloud Storage", sku="E5F0-6A5D-7BAD",
               sku_description="Standard Storage US Multi-region", region="us", availability_zone="",
               instance_type="", resource_id="projects/_/buckets/nlp-checkpoints", resource_name="nlp-checkpoints",
               usage_amount=3.2, usage_unit="GB-Mo", list_cost=0.0832, billed_cost=0.0832, effective_cost=0.0832,
               hours=24, start=datetime(2026, 10, 14)),
        charge("gcp", "g-transfer", service="Networking", sku="9DE9-9092-B3BC",
               sku_description="Network Inter Region Egress from Americas to EMEA", availability_zone="",
               instance_type="", usage_amount=50.0, usage_unit="GB", list_cost=1.0, billed_cost=1.0,
               effective_cost=1.0, transfer_from="us-central1", transfer_to="europe-west4",
               transfer_type="inter_region", start=T2),
    ]


def azure_charges(account: str) -> list[Charge]:
    """Every kind for one Azure billing account; the tag spellings differ per account."""
    tag = "ea" if account == EA_ACCOUNT else "mca"
    rid = f"/subscriptions/3f2a1b0c-0000-4000-8000-00000000aa01/resourceGroups/{tag}-rg/providers"
    no_vm = dict(instance_type="", resource_id="", resource_name="", tags={})
    fee = dict(kind="commitment_fee", pricing="", sku_description="Reserved VM Instance, Standard_NC24ads_A100_v4, "
               "US East, 1 Year", commitment_id=RESERVATION, commitment_type="azure_reservation",
               resource_id="", resource_name="", tags={})
    charges = [
        charge("azure", f"{tag}-usage-1", billing_account_id=account, start=T1),
        charge("azure", f"{tag}-usage-2", billing_account_id=account, start=T1 + timedelta(hours=1)),
        charge("azure", f"{tag}-spot", billing_account_id=account, pricing="spot",
               sku="d1e2f3a4-0000-4000-8000-0000000000a2", sku_description="NC24ads A100 v4 Spot",
               billed_cost=0.73, effective_cost=0.73, resource_id=f"{rid}/Microsoft.Compute/virtualMachines/spot-1",
               resource_name="spot-1"),
        charge("azure", f"{tag}-ri-usage", billing_account_id=account, kind="commitment_usage", billed_cost=0.0,
               effective_cost=2.1, commitment_id=RESERVATION, commitment_type="azure_reservation",
               resource_id=f"{rid}/Microsoft.Compute/virtualMachines/reserved-1", resource_name="reserved-1"),
        charge("azure", f"{tag}-fee-oct", billing_account_id=account, start=datetime(2026, 10, 1), hours=24 * 31,
               usage_amount=744.0, list_cost=1562.4, billed_cost=1562.4, effective_cost=300.0, **fee),
        charge("azure", f"{tag}-fee-nov", billing_account_id=account, start=datetime(2026, 11, 1), hours=24 * 30,
               usage_amount=720.0, list_cost=1512.0, billed_cost=1512.0, effective_cost=1512.0, **fee),
        charge("azure", f"{tag}-credit", billing_account_id=account, kind="credit", pricing="",
               sku_description="Azure Prepayment", billed_cost=-50.0, effective_cost=-50.0, list_cost=0.0, **no_vm),
        charge("azure", f"{tag}-refund", billing_account_id=account, kind="refund", pricing="",
               sku_description="NC24ads A100 v4", billed_cost=-3.0, effective_cost=-3.0, list_cost=0.0),
        charge("azure", f"{tag}-tax", billing_account_id=account, kind="tax", service="Tax", sku="",
               sku_description="Tax", pricing="", billed_cost=4.2, effective_cost=4.2, list_cost=0.0, start=T2,
               **no_vm),
        charge("azure", f"{tag}-storage", billing_account_id=account, service="Storage",
               sku="a1b2c3d4-0000-4000-8000-0000000000b1", sku_description="Hot LRS Data Stored",
               instance_type="", usage_amount=0.8, usage_unit="GB-Mo", list_cost=0.0147, billed_cost=0.0147,
               effective_cost=0.0147, hours=24, start=datetime(2026, 10, 14),
               resource_id=f"{rid}/Microsoft.Storage/storageAccounts/{tag}ckpt", resource_name=f"{tag}ckpt",
               tags={"team": "nlp", "cost-center": ""}),
        charge("azure", f"{tag}-storage-month-end", billing_account_id=account, service="Storage",
               sku="a1b2c3d4-0000-4000-8000-0000000000b1", sku_description="Hot LRS Data Stored",
               instance_type="", usage_amount=0.8, usage_unit="GB-Mo", list_cost=0.02, billed_cost=0.02,
               effective_cost=0.02, hours=24, start=datetime(2026, 10, 31, 12),
               resource_id=f"{rid}/Microsoft.Storage/storageAccounts/{tag}ckpt", resource_name=f"{tag}ckpt",
               tags={"team": "nlp", "cost-center": ""}),
        charge("azure", f"{tag}-transfer", billing_account_id=account, service="Bandwidth",
               sku="b1c2d3e4-0000-4000-8000-0000000000c1", sku_description="Inter-Region Data Transfer Out",
               instance_type="", usage_amount=40.0, usage_unit="GB", list_cost=0.8, billed_cost=0.8,
               effective_cost=0.8, transfer_from="eastus", transfer_to="westeurope", transfer_type="inter_region",
               start=T2),
    ]
    return charges


@pytest.fixture(scope="module")
def charges() -> list[Charge]:
    return [*gcp_charges(), *azure_charges(EA_ACCOUNT), *azure_charges(MCA_ACCOUNT),
            charge("aws", "aws-ignored", billing_account_id="123456789012", sub_account_id="210987654321",
                   sub_account_name="aws", service="AmazonEC2", sku="USE1-BoxUsage:p4d.24xlarge",
                   sku_description="", region="us-east-1", availability_zone="", instance_type="p4d.24xlarge",
                   resource_id="i-0abc", resource_name="")]


@pytest.fixture(scope="module")
def written(charges: list[Charge], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    out_dir = tmp_path_factory.mktemp("sample")
    variables = {**gcp_billing.write(charges, out_dir, 7), **azure_cost.write(charges, out_dir, 7)}
    return out_dir, variables


def sql(query: str, params: list | None = None) -> list[tuple]:
    return duckdb.connect().execute(query, params or []).fetchall()


def gcp_rows(variables: dict[str, str]) -> list[dict]:
    rows = []
    for path in sorted(Path("/").glob(variables["mlcost_gcp_billing_detailed"].lstrip("/"))):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            rows += [json.loads(line) for line in handle]
    return rows


def dotted_paths(value: object, prefix: str = "") -> set[str]:
    """Field paths the way the flattened fixture names them: structs dotted, arrays whole."""
    if not isinstance(value, dict):
        return {prefix}
    paths: set[str] = set()
    for key, item in value.items():
        paths |= dotted_paths(item, f"{prefix}{key}" if not prefix else f"{prefix}.{key}")
    return paths


def real_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return next(csv.reader(handle))


def azure_files(variables: dict[str, str], var: str) -> list[Path]:
    return sorted(Path("/").glob(variables[var].lstrip("/")))


# --------------------------------------------------------------------------- vars and layout


def test_vars_name_every_export_and_match_files(written: tuple[Path, dict[str, str]]) -> None:
    out_dir, variables = written
    assert set(variables) == {"mlcost_gcp_billing_detailed", "mlcost_azure_ea_actual",
                              "mlcost_azure_ea_amortized", "mlcost_azure_mca_actual", "mlcost_azure_mca_amortized"}
    for var, glob in variables.items():
        assert glob.startswith(str(out_dir)), var
        assert azure_files(variables, var), f"{var} matches no file"
    gcp_names = {p.relative_to(out_dir).as_posix() for p in azure_files(variables, "mlcost_gcp_billing_detailed")}
    assert gcp_names == {
        f"gcp/billing_detailed/invoice_month={m}/gcp_billing_export_resource_v1_01A2B3_C4D5E6_F7A8B9-000000000000.json.gz"
        for m in ("202609", "202610", "202611")}
    ea = [p.relative_to(out_dir).as_posix() for p in azure_files(variables, "mlcost_azure_ea_actual")]
    assert len(ea) == 2
    assert all(re.fullmatch(r"azure/mlcost-ea-actual/2026(1001-20261031|1101-20261130)/mlcost-ea-actual_"
                            r"[0-9a-f-]{36}\.csv", p) for p in ea), ea


def test_vars_stay_relative_and_absent_exports_are_empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    ea_only = azure_charges(EA_ACCOUNT)
    variables = azure_cost.write(ea_only, Path("data"), 1)
    assert variables["mlcost_azure_ea_actual"] == "data/azure/mlcost-ea-actual/*/*.csv"
    assert variables["mlcost_azure_mca_actual"] == ""
    assert gcp_billing.write(ea_only, Path("data"), 1) == {"mlcost_gcp_billing_detailed": ""}


def test_same_seed_same_bytes(charges: list[Charge], tmp_path: Path) -> None:
    for run in ("a", "b"):
        gcp_billing.write(list(reversed(charges)) if run == "b" else charges, tmp_path / run, 3)
        azure_cost.write(list(reversed(charges)) if run == "b" else charges, tmp_path / run, 3)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b and files_a
    for relative in files_a:
        assert (tmp_path / "a" / relative).read_bytes() == (tmp_path / "b" / relative).read_bytes(), relative


# --------------------------------------------------------------------------- GCP


def test_gcp_invoice_total_equals_billed_per_invoice_month(charges: list[Charge],
                                                           written: tuple[Path, dict[str, str]]) -> None:
    out_dir, variables = written
    expected = gcp_billing.billed_total_by_invoice_month(charges)
    assert expected == pytest.approx(gcp_billing.exported_total_by_invoice_month(out_dir), abs=1e-6)
    assert set(expected) == {(GCP_ACCOUNT, "202609"), (GCP_ACCOUNT, "202610"), (GCP_ACCOUNT, "202611")}
    # The same total, the way a DuckDB staging model would compute it.
    by_duckdb = sql(f"""
        select billing_account_id, invoice.month,
               sum(cost) + sum(coalesce((select sum(c.amount) from unnest(credits) as t(c)), 0))
        from read_json('{variables["mlcost_gcp_billing_detailed"]}', format='newline_delimited')
        group by all""")
    assert {(a, m): v for a, m, v in by_duckdb} == pytest.approx(expected, abs=1e-6)


def test_gcp_invoice_month_is_pacific_time() -> None:
    early = charge("gcp", "x", start=datetime(2026, 10, 1, 3))
    daily = charge("gcp", "y", start=datetime(2026, 10, 1), hours=24)
    summer = charge("gcp", "s", start=datetime(2026, 7, 1, 7))
    winter = charge("gcp", "w", start=datetime(2026, 12, 1, 7))
    assert gcp_billing.invoice_month(early) == "202609"
    assert gcp_billing.invoice_month(daily) == "202610"
    assert gcp_billing.invoice_month(summer) == "202607"  # 00:30 PDT (UTC-7)
    assert gcp_billing.invoice_month(winter) == "202611"  # 23:30 PST (UTC-8)
    assert gcp_billing.billing_period(early) == "2026-09"


def test_gcp_columns_and_types_as_duckdb_reads_them(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    glob = variables["mlcost_gcp_billing_detailed"]
    described = {name: kind for name, kind, *_ in sql(
        f"describe select * from read_json('{glob}', format='newline_delimited', hive_partitioning=false)")}
    assert set(described) == {
        "billing_account_id", "service", "sku", "usage_start_time", "usage_end_time", "project", "labels",
        "system_labels", "location", "resource", "tags", "price", "subscription", "transaction_type",
        "seller_name", "export_time", "cost", "cost_at_list", "currency", "currency_conversion_rate", "usage",
        "credits", "invoice", "cost_type", "adjustment_info"}
    # The folder is hive-style, so DuckDB adds it as a column unless told not to.
    with_hive = [name for name, *_ in sql(f"describe select * from read_json('{glob}', format='newline_delimited')")]
    assert with_hive[-1] == "invoice_month"
    assert described["cost"] == "DOUBLE"
    assert described["labels"] == "STRUCT(\"key\" VARCHAR, \"value\" VARCHAR)[]"
    assert described["credits"].startswith("STRUCT(") and described["credits"].endswith(")[]")
    assert "amount DOUBLE" in described["credits"]
    assert described["project"].startswith("STRUCT(id VARCHAR, number VARCHAR, \"name\" VARCHAR, labels STRUCT(")
    assert "effective_price VARCHAR" in described["price"]  # NUMERIC arrives as a JSON string


@requires_real_fixtures
def test_gcp_has_every_field_of_the_real_export(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    ours: set[str] = set()
    for row in gcp_rows(variables):
        ours |= dotted_paths(row)
    missing = [c for c in real_header(GCP_FIXTURE) if c not in ours and c not in GCP_EXEMPT]
    assert not missing, f"fields of the real GCP export we do not write: {missing}"
    assert {"resource.global_name", "price.effective_price", "cost_at_list", "project.number",
            "adjustment_info.mode", "subscription.instance_id", "invoice.publisher_type"} <= ours


def test_gcp_encoding_quirks_of_bq_extract(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    rows = gcp_rows(variables)
    for row in rows:
        assert TS.match(row["usage_start_time"]) and TS.match(row["export_time"])
        assert row["usage_start_time"] < row["export_time"]
        assert all(v is not None for v in row.values()), "bq extract leaves NULL fields out"
    no_resource = [r for r in rows if r["cost_type"] == "tax"]
    assert no_resource and all("resource" not in r and "price" not in r for r in no_resource)
    assert any(r["cost"] == 0 and isinstance(r["cost"], int) for r in rows)  # FLOAT 0 is written as 0
    priced = [r for r in rows if "price" in r]
    assert priced and all(isinstance(r["price"]["effective_price"], str) for r in priced)


def test_gcp_vm_hours_become_core_ram_gpu_lines(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    rows = gcp_rows(variables)
    spot = [r for r in rows if r["usage_start_time"].startswith("2026-10-14 12")
            and r["sku"]["description"].startswith("Spot Preemptible")]
    assert sorted(r["sku"]["description"] for r in spot) == [
        "Spot Preemptible A2 Instance Core running in Americas",
        "Spot Preemptible A2 Instance Ram running in Americas",
        "Spot Preemptible Nvidia Tesla A100 GPU running in Americas"]
    assert sum(r["cost"] for r in spot) == pytest.approx(8.8, abs=1e-9)
    gpu = next(r for r in spot if "GPU" in r["sku"]["description"])
    assert gpu["usage"] == {"amount": 8 * 3600, "unit": "seconds", "amount_in_pricing_units": 8, "pricing_unit": "hour"}
    assert {"key": "compute.googleapis.com/machine_spec", "value": "a2-highgpu-8g"} in gpu["system_labels"]
    already_split = [r for r in rows if r["sku"]["id"] == "8E1D-9DF4-F38B"]
    assert len(already_split) == 1 and already_split[0]["cost"] == 2.93


def test_gcp_cud_usage_shows_list_cost_and_a_cud_credit(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    rows = gcp_rows(variables)
    covered = [r for r in rows if any(c["type"] == "COMMITTED_USAGE_DISCOUNT" for c in r["credits"])]
    assert len(covered) == 3
    assert sum(r["cost"] for r in covered) == pytest.approx(29.39)
    assert all(r["cost"] + sum(c["amount"] for c in r["credits"]) == pytest.approx(0, abs=1e-9) for r in covered)
    assert {c["name"] for r in covered for c in r["credits"]} == {
        "Committed Usage Discount: CPU", "Committed Usage Discount: RAM", "Committed Usage Discount: GPU"}
    fee = [r for r in rows if r["sku"]["description"].startswith("Commitment v1:")]
    assert len(fee) == 1 and fee[0]["cost"] == 12 and fee[0]["credits"] == []
    assert fee[0]["subscription"]["instance_id"].endswith("cud-a2-1y")


def test_gcp_credit_refund_and_tax_rows(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    rows = gcp_rows(variables)
    promotion = [r for r in rows if any(c["type"] == "PROMOTION" for c in r["credits"])]
    assert len(promotion) == 1 and promotion[0]["cost"] == 0 and promotion[0]["credits"][0]["amount"] == -5
    refund = [r for r in rows if r["cost_type"] == "adjustment"]
    assert len(refund) == 1 and refund[0]["cost"] == -2.5
    assert refund[0]["adjustment_info"]["mode"] == "MANUAL_ADJUSTMENT"
    assert refund[0]["adjustment_info"]["type"] == "GOODWILL"
    tax = [r for r in rows if r["cost_type"] == "tax"]
    assert len(tax) == 1 and tax[0]["invoice"]["month"] == "202611"
    assert all("adjustment_info" not in r for r in rows if r["cost_type"] != "adjustment")


def test_gcp_labels_are_lowercase_and_projects_carry_team_labels(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    rows = gcp_rows(variables)
    keys = {label["key"] for r in rows for label in r["labels"]}
    assert keys == {"team", "project", "team_name", "cost_center", "owner"}
    assert all(k == k.lower() for k in keys)
    assert {"key": "owner", "value": "ana_example_com"} in next(
        r["labels"] for r in rows if any(label["key"] == "team_name" for label in r["labels"]))
    assert {"key": "cost_center", "value": ""} in [label for r in rows for label in r["labels"]]
    storage = next(r for r in rows if r["service"]["description"] == "Cloud Storage")
    assert storage["location"] == {"location": "us", "country": "US"}
    assert storage["usage"]["pricing_unit"] == "gibibyte month"
    projects = {json.dumps(r["project"], sort_keys=True) for r in rows if "project" in r}
    assert len(projects) == 1
    project = json.loads(projects.pop())
    assert project["labels"] == [{"key": "team", "value": "nlp"}, {"key": "environment", "value": "prod"}]
    assert re.fullmatch(r"/\d{12}/\d{12}/\d{12}/", project["ancestry_numbers"])
    assert project["ancestry_numbers"].endswith(f"/{project['number']}/")


def test_gcp_rejects_aws_only_kinds() -> None:
    with pytest.raises(ValueError, match="AWS-only"):
        gcp_billing.build_files([charge("gcp", "n", kind="commitment_negation")], 1)


# --------------------------------------------------------------------------- Azure


@pytest.mark.parametrize("kind", ["ea", "mca"])
@pytest.mark.parametrize("view", ["actual", "amortized"])
def test_azure_totals_per_account_and_period(kind: str, view: str, charges: list[Charge],
                                             written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    cost, start, account = (("Cost", "BillingPeriodStartDate", "BillingAccountId") if kind == "ea" else
                            ("costInBillingCurrency", "billingPeriodStartDate", "billingAccountId"))
    got = sql(f"""
        select {account}, strftime(strptime({start}, '%m/%d/%Y'), '%Y-%m'), sum(cast({cost} as double))
        from read_csv('{variables[f"mlcost_azure_{kind}_{view}"]}', all_varchar=true) group by all""")
    totals = (azure_cost.billed_total_by_period if view == "actual" else azure_cost.effective_total_by_period)(charges)
    expected = {p: v for (k, p), v in totals.items() if k == kind}
    assert {p: v for _, p, v in got} == pytest.approx(expected, abs=1e-6)
    assert {a for a, _, _ in got} == {EA_ACCOUNT if kind == "ea" else MCA_ACCOUNT}


def test_azure_billed_total_leaves_out_credits_and_ea_tax(charges: list[Charge]) -> None:
    totals = azure_cost.billed_total_by_period(charges)
    # The month-end storage day (0.02) is half in October, half in November.
    ea_oct = sum(c.billed_cost for c in azure_charges(EA_ACCOUNT) if c.charge_start.month == 10
                 and c.kind != "credit" and not c.line_key.endswith("month-end")) + 0.01
    mca_nov = sum(c.billed_cost for c in azure_charges(MCA_ACCOUNT)
                  if c.charge_start.month == 11 and c.kind != "credit") + 0.01
    assert totals[("ea", "2026-10")] == pytest.approx(ea_oct)
    assert totals[("mca", "2026-11")] == pytest.approx(mca_nov)  # MCA keeps its tax
    assert totals[("ea", "2026-11")] == pytest.approx(1512.0 + 0.8 + 0.01)  # EA: no tax row


@requires_real_fixtures
def test_azure_ea_header_is_the_real_one_with_bom(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    assert real_header(EA_ACTUAL_FIXTURE) == real_header(EA_AMORTIZED_FIXTURE) == list(azure_cost.EA_COLUMNS)
    for var in ("mlcost_azure_ea_actual", "mlcost_azure_ea_amortized"):
        for path in azure_files(variables, var):
            raw = path.read_bytes()
            assert raw.startswith(b"\xef\xbb\xbf"), "EA exports start with a UTF-8 BOM"
            assert b"\r\n" not in raw
            assert csv_header(path) == list(azure_cost.EA_COLUMNS)


@requires_real_fixtures
def test_azure_mca_header_covers_the_real_one(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    ours = {c.lower() for c in azure_cost.MCA_COLUMNS}
    missing = [c for c in real_header(MCA_FIXTURE) if c.lower() not in ours and c.lower() not in MCA_EXEMPT]
    assert not missing, f"columns of the real MCA export we do not write: {missing}"
    assert {"pricingModel", "benefitId", "benefitName", "effectivePrice", "ProductName", "ResourceId"} <= set(
        azure_cost.MCA_COLUMNS)
    for var in ("mlcost_azure_mca_actual", "mlcost_azure_mca_amortized"):
        for path in azure_files(variables, var):
            assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
            assert csv_header(path) == list(azure_cost.MCA_COLUMNS)


def test_azure_types_dates_and_tags_as_duckdb_reads_them(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    ea = variables["mlcost_azure_ea_actual"]
    described = {name: kind for name, kind, *_ in sql(f"describe select * from read_csv('{ea}')")}
    assert described["Cost"] == described["Quantity"] == described["EffectivePrice"] == "DOUBLE"
    assert described["BillingAccountId"] == "BIGINT"  # an enrollment number reads as a number
    for var, date_cols, tags_col in (("mlcost_azure_ea_actual", ("Date", "BillingPeriodStartDate"), "Tags"),
                                     ("mlcost_azure_mca_actual", ("date", "billingPeriodEndDate",
                                                                  "servicePeriodEndDate", "exchangeRateDate"), "tags")):
        rows = sql(f"select {', '.join(date_cols)}, {tags_col} from read_csv('{variables[var]}', all_varchar=true)")
        assert rows and all(MDY.match(v) for row in rows for v in row[:-1])
        tags = [row[-1] for row in rows if row[-1]]
        assert tags
        if var.startswith("mlcost_azure_ea"):
            assert all(not t.startswith("{") and json.loads("{" + t + "}") for t in tags)
            assert '"Team": "NLP","project": "llm"' in tags
        else:
            assert all(t.startswith("{") and json.loads(t) for t in tags)
            assert '{"Team":"NLP","project":"llm"}' in tags


def test_azure_actual_vs_amortized_reservation_semantics(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    for kind, cost, charge_type, model, rid in (("ea", "Cost", "ChargeType", "PricingModel", "ReservationId"),
                                                ("mca", "costInBillingCurrency", "chargeType", "pricingModel",
                                                 "reservationId")):
        def rows(view: str) -> list[tuple]:
            return sql(f"""select {charge_type}, {model}, cast({cost} as double), {rid}, frequency
                           from read_csv('{variables[f"mlcost_azure_{kind}_{view}"]}', all_varchar=true)
                           order by all""")
        actual, amortized = rows("actual"), rows("amortized")
        assert [r[:3] for r in actual if r[0] == "Purchase"] == [
            ("Purchase", "Reservation", 1512.0), ("Purchase", "Reservation", 1562.4)]
        assert {r[4] for r in actual if r[0] == "Purchase"} == {"Recurring"}
        assert [r[:3] for r in actual if r[1] == "Reservation" and r[0] == "Usage"] == [("Usage", "Reservation", 0.0)]
        assert not [r for r in amortized if r[0] == "Purchase"]
        assert [r[:3] for r in amortized if r[1] == "Reservation" and r[0] == "Usage"] == [
            ("Usage", "Reservation", 2.1)]
        unused = [r for r in amortized if r[0] == "UnusedReservation"]
        assert len(unused) == 31 + 30, "a monthly reservation's unused part is spread over daily rows"
        assert sum(r[2] for r in unused) == pytest.approx(300.0 + 1512.0)
        assert all(r[3] == "7f9e8d7c-6b5a-4c3d-2e1f-0a9b8c7d6e5f" for r in actual + amortized
                   if r[1] == "Reservation" and r[0] == "Usage")
        assert {r[1] for r in actual if r[0] == "Usage"} == {"OnDemand", "Spot", "Reservation"}
        assert [r[2] for r in actual if r[0] == "Refund"] == [-3.0]
        assert [r[2] for r in actual if r[0] == "Tax"] == ([] if kind == "ea" else [4.2])


def test_azure_is_daily_with_vm_quantity_in_hours(written: tuple[Path, dict[str, str]]) -> None:
    _, variables = written
    rows = sql(f"""select Date, MeterName, Quantity, UnitOfMeasure, Cost, EffectivePrice, ResourceGroup, ResourceId
                   from read_csv('{variables["mlcost_azure_ea_actual"]}')
                   where MeterName = 'NC24ads A100 v4' and ChargeType = 'Usage' and PricingModel = 'OnDemand'""")
    assert len(rows) == 1  # two hourly charges of the same VM and day
    _, _, quantity, unit, cost, price, group, resource_id = rows[0]
    assert (quantity, unit) == (2.0, "1 Hour")
    assert cost == pytest.approx(7.34) and price == pytest.approx(3.67)
    assert group.lower() == "ml-train-rg" and resource_id.lower().endswith("/virtualmachines/trainer-0")


def test_azure_splits_a_charge_over_the_days_and_periods_it_covers(charges: list[Charge]) -> None:
    month_end = next(c for c in charges if c.line_key == "ea-storage-month-end")
    assert azure_cost.day_slices(month_end, "actual") == [
        (datetime(2026, 10, 31).date(), 0.5), (datetime(2026, 11, 1).date(), 0.5)]
    fee = next(c for c in charges if c.line_key == "ea-fee-oct")
    assert len(azure_cost.day_slices(fee, "amortized")) == 31
    assert azure_cost.day_slices(fee, "actual") == [(datetime(2026, 10, 1).date(), 1.0)]  # a purchase


def test_azure_resource_ids_vary_in_case_but_not_in_identity() -> None:
    ids = [f"/subscriptions/s/resourceGroups/rg-{i}/providers/Microsoft.Compute/virtualMachines/vm-{i}"
           for i in range(60)]
    cased = [azure_cost._cased_resource_id(i, 7) for i in ids]
    assert all(c.lower() == i.lower() for c, i in zip(cased, ids))
    assert any("/resourceGroups/RG-" in c for c in cased), "some resource groups upper-cased"
    assert any(c.startswith("/SUBSCRIPTIONS/") for c in cased), "some ids upper-cased whole"
    assert sum(c == i for c, i in zip(cased, ids)) > len(ids) / 2


def test_azure_account_kind_and_rejections() -> None:
    assert azure_cost.account_kind(EA_ACCOUNT) == "ea"
    assert azure_cost.account_kind(MCA_ACCOUNT) == "mca"
    with pytest.raises(ValueError, match="enrollment number"):
        azure_cost.account_kind("my-account")
    with pytest.raises(ValueError, match="AWS-only"):
        azure_cost.build_files([charge("azure", "n", kind="commitment_negation")], 1)


# --------------------------------------------------------------------------- the simulation's catalog


def test_catalog_accounts_projects_and_skus_are_used(tmp_path: Path) -> None:
    """Charges naming catalog entities get the catalog's names, labels, units and rates."""
    project = catalog.GCP_RESEARCH
    vm = catalog.instance("gcp", "a2-highgpu-1g")
    _, ram_sku, ram_gib = next(line for line in catalog.gcp_vm_skus(vm, "us-central1", spot=False)
                               if line[0] == "ram")
    gcp_ram = charge("gcp", "cat-ram", sub_account_id=project, sub_account_name="ML Research",
                     sku=ram_sku.sku_id, sku_description=ram_sku.description, usage_amount=ram_gib,
                     usage_unit=ram_sku.unit, unit_price=ram_sku.unit_price, list_unit_price=ram_sku.unit_price,
                     effective_unit_price=ram_sku.unit_price, billed_cost=ram_gib * ram_sku.unit_price,
                     list_cost=ram_gib * ram_sku.unit_price, effective_cost=ram_gib * ram_sku.unit_price)
    meter = catalog.azure_vm_meter(catalog.instance("azure", "Standard_NC24ads_A100_v4"), "eastus", spot=False)
    azure_vm = [charge("azure", f"cat-vm-{h}", billing_account_id=catalog.AZURE_MCA_BILLING_ACCOUNT_ID,
                       sub_account_id=catalog.AZURE_PROD, sub_account_name="ml-prod-mca", sku=meter.sku_id,
                       sku_description=meter.description, start=T1 + timedelta(hours=h),
                       unit_price=meter.unit_price, list_unit_price=meter.unit_price,
                       effective_unit_price=meter.unit_price, billed_cost=meter.unit_price,
                       list_cost=meter.unit_price, effective_cost=meter.unit_price) for h in range(3)]

    row, = gcp_billing.rows_for_charge(gcp_ram, gcp_billing._project_records([gcp_ram], 1)[project], 1)
    assert row["sku"] == {"id": ram_sku.sku_id, "description": "A2 Instance Ram running in Americas"}
    assert row["usage"]["unit"] == "byte-seconds" and row["usage"]["pricing_unit"] == "gibibyte hour"
    assert row["price"]["effective_price"] == gcp_billing.bq_numeric(ram_sku.unit_price)
    assert row["project"]["number"] == catalog.GCP_PROJECTS[project]["number"]
    assert {label["key"]: label["value"] for label in row["project"]["labels"]} == {
        "env": "research", "cost-center": "cc-4100"}

    variables = azure_cost.write(azure_vm, tmp_path, 1)
    (name, profile, subcategory, unit, quantity, price, cost), = sql(f"""
        select billingAccountName, billingProfileId, meterSubCategory, unitOfMeasure, quantity,
               effectivePrice, costInBillingCurrency
        from read_csv('{variables["mlcost_azure_mca_actual"]}', all_varchar=true)""")
    assert (name, profile) == (catalog.AZURE_MCA_BILLING_ACCOUNT_NAME, catalog.AZURE_MCA_BILLING_PROFILE_ID)
    assert (subcategory, unit, quantity) == ("NCadsA100 v4 Series", "1 Hour", "3")
    assert price == "3.673"  # the price-list rate, not 3 x 3.673 / 3 in floating point
    assert float(cost) == pytest.approx(3 * 3.673)


# --------------------------------------------------------------------------- the real simulation


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Charge], Path, dict[str, str]]:
    """The core simulation's charges over a window crossing a month end, written by our writers."""
    if not (PROJECT_DIR / "scripts" / "sample_data" / "world.py").exists():
        pytest.skip("scripts/sample_data/world.py is not written yet")
    from sample_data import world

    simulation = world.build_world(7, datetime(2026, 10, 25).date(), 10, 0.2)
    charges = [c for _, _, batch in simulation.iter_batches() for c in batch]
    out_dir = tmp_path_factory.mktemp("simulated")
    return charges, out_dir, {**gcp_billing.write(charges, out_dir, 7), **azure_cost.write(charges, out_dir, 7)}


def test_simulated_gcp_invoice_totals(simulated: tuple[list[Charge], Path, dict[str, str]]) -> None:
    charges, out_dir, _ = simulated
    expected = gcp_billing.billed_total_by_invoice_month(charges)
    assert len(expected) == 2
    assert gcp_billing.exported_total_by_invoice_month(out_dir) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("kind", ["ea", "mca"])
@pytest.mark.parametrize("view", ["actual", "amortized"])
def test_simulated_azure_totals(kind: str, view: str, simulated: tuple[list[Charge], Path, dict[str, str]]) -> None:
    charges, _, variables = simulated
    cost, start = ("Cost", "BillingPeriodStartDate") if kind == "ea" else ("costInBillingCurrency",
                                                                             "billingPeriodStartDate")
    got = sql(f"""
        select strftime(strptime({start}, '%m/%d/%Y'), '%Y-%m'), sum(cast({cost} as double))
        from read_csv('{variables[f"mlcost_azure_{kind}_{view}"]}', all_varchar=true) group by all""")
    totals = (azure_cost.billed_total_by_period if view == "actual" else azure_cost.effective_total_by_period)(charges)
    assert dict(got) == pytest.approx({p: v for (k, p), v in totals.items() if k == kind}, abs=1e-6)


def test_gcp_stream_spills_and_merges_to_the_same_bytes(
        simulated: tuple[list[Charge], Path, dict[str, str]], tmp_path: Path) -> None:
    """The generator's bounded-memory GCP writer: charges in daily batches, rows spilled to
    sorted runs every few hundred rows, merged at the end. Its files are the bytes the
    in-memory functions give for all charges at once (detailed and standard)."""
    charges, _, _ = simulated
    detailed = gcp_billing.build_files(charges, 7)
    expected = {**detailed, **gcp_billing.standard_files(detailed)}
    stream = gcp_billing.ExportStream(tmp_path, 7, ("detailed", "standard"), spill_rows=300)
    by_day: dict[object, list[Charge]] = {}
    for c in charges:
        by_day.setdefault(c.charge_start.date(), []).append(c)
    for day in sorted(by_day):
        stream.add(by_day[day])
    runs = sum(len(r) for r in stream.rows.runs.values())
    variables = stream.finish()
    assert runs > len(detailed) > 1  # several runs per file were merged
    assert set(variables) == {"mlcost_gcp_billing_detailed", "mlcost_gcp_billing_standard"}
    written = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert sorted(written) == sorted(expected)
    for path, rows in expected.items():
        assert written[path] == gcp_billing._gzip_ndjson(rows), path


def test_azure_stream_in_batches_writes_the_same_bytes(
        simulated: tuple[list[Charge], Path, dict[str, str]], tmp_path: Path) -> None:
    """The generator's Azure writer sums each batch (a day, then a month close) into daily
    rows as it comes: the files and row counts are those of all the charges at once."""
    charges, _, _ = simulated
    expected = azure_cost.build_files(charges, 7)
    stream = azure_cost.ExportStream(tmp_path, 7)
    batch: list[Charge] = []
    for c in charges:  # the simulation's own batches: a day's charges, then a month close
        if batch and c.charge_start.date() != batch[-1].charge_start.date():
            stream.add(batch)
            batch = []
        batch.append(c)
    stream.add(batch)
    stream.finish()
    written = {p.relative_to(tmp_path): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert written == expected and len(expected) > 2
    counts: dict[tuple[str, str], int] = {}
    for (_, view, _, period), rows in azure_cost.build_rows(charges, 7).items():
        if view == "actual":
            counts[("azure", period)] = counts.get(("azure", period), 0) + len(rows)
    assert stream.native_line_counts() == counts


def test_focus_other_clouds_spill_in_sorted_runs_to_the_same_files(
        simulated: tuple[list[Charge], Path, dict[str, str]], tmp_path: Path) -> None:
    """The FOCUS writer keeps GCP and Azure charges in sorted runs on disk and renders each
    period's file in chunks: its files are those of all the rows at once (build_rows), and
    its older-version files those of the same writer given everything in one piece."""
    charges, _, _ = simulated
    others = [c for c in charges if c.provider != "aws"]
    outputs = {}
    for run, spill, chunk in (("spilled", 40, 25), ("whole", 10**9, 10**9)):
        writer = focus.FocusWriter(tmp_path / run, 7, "2026-11", chunk_rows=chunk)
        writer.others.spill_at = spill
        by_day: dict[object, list[Charge]] = {}
        for c in others:
            by_day.setdefault(c.charge_start.date(), []).append(c)
        for day in sorted(by_day):
            writer.add_other(by_day[day], ("gcp", "azure"))
        if run == "spilled":
            assert sum(len(r) for r in writer.others.runs.values()) > 4
        writer.finish()
        outputs[run] = {p.relative_to(tmp_path / run): p.read_bytes()
                        for p in (tmp_path / run).rglob("*") if p.is_file()}
    assert outputs["spilled"] == outputs["whole"]
    native = {path: content for path, content in outputs["spilled"].items()
              if path.parts[0] == "focus" and path.name != "manifest.json"}
    expected = focus.build_rows(others)
    assert len(native) == len(expected) > 2
    for (provider, period), rows in expected.items():
        content = focus._csv_bytes(rows, provider)
        if provider == "gcp":
            path = Path("focus", "gcp", focus.GCP_VIEW,
                        f"invoice_month={period.replace('-', '')}", "focus-000000000000.csv.gz")
            assert gzip.decompress(native[path]) == content
        else:
            path, = [p for p in native if p.parts[1] == "azure"
                     and p.parent.parent.name.startswith(period.replace("-", ""))]
            assert native[path] == content


def test_simulated_files_read_with_the_projects_source_definitions(
        simulated: tuple[list[Charge], Path, dict[str, str]]) -> None:
    """The read options the dbt sources use work on our files (columns typed, BOM handled)."""
    _, _, variables = simulated
    (rows, bad_time), = sql(f"""
        select count(*), count(*) filter (where try_strptime(usage_start_time, '%Y-%m-%d %H:%M:%S UTC') is null)
        from read_json('{variables["mlcost_gcp_billing_detailed"]}', format='newline_delimited',
                       columns={{'usage_start_time': 'VARCHAR', 'cost': 'VARCHAR'}})""")
    assert rows > 0 and bad_time == 0
    for var, first in (("mlcost_azure_ea_actual", "BillingAccountId"), ("mlcost_azure_mca_actual", "invoiceId")):
        columns = [name for name, *_ in sql(f"""describe select * from read_csv('{variables[var]}', header=true,
            all_varchar=true, delim=',', quote='"', escape='"', union_by_name=true, strict_mode=false)""")]
        assert columns[0] == first, columns[:3]


# --------------------------------------------------------------------------- the real generator


def test_writers_on_the_generators_output(tmp_path: Path) -> None:
    """The core generator's own run: every var it writes for GCP and Azure reads back cleanly."""
    generator = PROJECT_DIR / "scripts" / "generate_sample_data.py"
    if not generator.exists():
        pytest.skip("scripts/generate_sample_data.py (the generator CLI) is not written yet")
    out_dir = tmp_path / "sample"
    subprocess.run([sys.executable, str(generator), "--out", str(out_dir), "--days", "10", "--scale", "0.2"],
                   check=True, capture_output=True, text=True, cwd=PROJECT_DIR)
    vars_text = (out_dir / "mlcost_vars.yml").read_text()
    for var in ("mlcost_gcp_billing_detailed", "mlcost_azure_ea_actual", "mlcost_azure_ea_amortized",
                "mlcost_azure_mca_actual", "mlcost_azure_mca_amortized"):
        assert var in vars_text, f"{var} missing from mlcost_vars.yml"
    for path in sorted(out_dir.glob("gcp/billing_detailed/invoice_month=*/*.json.gz")):
        (count, bad), = sql(f"""select count(*), count(*) filter (where cost is null or invoice.month is null)
                                from read_json('{path}', format='newline_delimited')""")
        assert count > 0 and bad == 0, path
    for export, columns in (("mlcost-ea-actual", azure_cost.EA_COLUMNS), ("mlcost-ea-amortized", azure_cost.EA_COLUMNS),
                            ("mlcost-mca-actual", azure_cost.MCA_COLUMNS),
                            ("mlcost-mca-amortized", azure_cost.MCA_COLUMNS)):
        for path in sorted(out_dir.glob(f"azure/{export}/*/*.csv")):
            assert csv_header(path) == list(columns), path
