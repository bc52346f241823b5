"""The same charges as FOCUS 1.2 exports, the way each cloud delivers one.

One FOCUS row per neutral Charge (a commitment fee with an unused part is two rows: the
purchase, and the unused commitment as usage), so per provider and billing period
sum(BilledCost) and sum(EffectiveCost) equal the ground truth's totals.

    focus/aws/mlcost-focus/data/BILLING_PERIOD=YYYY-MM/mlcost-focus-00001.snappy.parquet
        AWS Data Exports "FOCUS 1.2 with AWS columns": parquet, typed columns, x_ columns
        (x_ServiceCode, x_UsageType, x_Operation, x_CostCategories, x_Discounts).
    focus/azure/mlcost-focus-cost/<YYYYMMDD-YYYYMMDD>/<run id>/part_0_0001.csv + manifest.json
        Azure Cost Management "FOCUS cost" export (actual and amortized in one): CSV,
        timestamps `2026-10-20T00:00:00Z`, x_ columns (x_AccountName, x_BillingProfileId,
        x_ResourceGroupName, x_SkuMeterCategory, x_PricingSubcategory).
    focus/gcp/focus_view/invoice_month=YYYYMM/focus-000000000000.csv.gz
        GCP's FOCUS BigQuery view, queried per invoice month and saved by a client: gzip CSV.

Planted quirks (what real FOCUS files carry and FOCUS staging tolerates):
- the GCP files write a missing value as the literal `NULL` and timestamps as
  `2026-10-20 00:00:00` (no `T`, no zone: UTC);
- the GCP files carry a non-`x_` column the client added (`ExportTime`);
- in the Azure file, the team tag of one resource (TAGGED_SPACE_RESOURCE) is spelled `team `
  with a trailing space, as typed in the portal.

Not read by the default `mlcost_vars.yml` (they describe the same spend as the native
exports); `mlcost_vars_focus.yml` points the FOCUS vars at them.

The same charges once more in older FOCUS versions, as CSV in the shape of the FinOps
Foundation's FOCUS sample data (FOCUS-Sample-Data, FOCUS-1.0/focus_sample.csv), read by
`mlcost_vars_focus_older.yml` alone:

    focus_older_versions/focus-1.0/focus_YYYY-MM.csv   AWS and Microsoft rows, FOCUS 1.0
    focus_older_versions/focus-1.1/focus_YYYY-MM.csv   Google Cloud rows, FOCUS 1.1

with the sample's quirks: header and text values quoted, numbers and the literal `NULL`
bare, JSON Tags (`{"k": "v"}`, quotes doubled in the cell), timestamps without `T`/`Z`,
an extra `Id` column; Microsoft rows spell ChargeFrequency `Usage-based` (as the sample's
Oracle rows do) and carry spaced tag keys (` team` on one resource, `Cost Center`); the
Google Cloud rows spell ChargeCategory, ChargeFrequency and CommitmentDiscountStatus in
lowercase. One extra Microsoft row, a copy of a usage row whose ChargeCategory is
`Refund` (no FOCUS value), is not part of the simulation: it must be quarantined, never
counted. truth.json's `focus_older_versions` names the files, versions and planted rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import fields
from datetime import timedelta, timezone
from pathlib import Path
from typing import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from .. import catalog
from ..model import Charge
from . import azure_cost, gcp_billing
from .common import (
    SortedRuns, as_utc, azure_resource_group, decimal_text, period_bounds, split_csv, write_run,
)

SEEDS = Path(__file__).resolve().parents[3] / "seeds"
AWS_EXPORT = "mlcost-focus"
AZURE_EXPORT = "mlcost-focus-cost"
GCP_VIEW = "focus_view"
# The tag key planted with a stray trailing space in the Azure file.
SPACED_TAG_KEY = "team "

FOCUS_COLUMNS = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingAccountType", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "CapacityReservationId", "CapacityReservationStatus", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost",
    "ListUnitPrice", "PricingCategory", "PricingCurrency",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName",
    "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter",
    "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags",
)
MONEY = {"BilledCost", "EffectiveCost", "ListCost", "ContractedCost",
         "PricingCurrencyEffectiveCost"}
NUMBERS = MONEY | {"ListUnitPrice", "ContractedUnitPrice", "PricingQuantity",
                   "ConsumedQuantity", "CommitmentDiscountQuantity",
                   "PricingCurrencyContractedUnitPrice", "PricingCurrencyListUnitPrice"}
TIMESTAMPS = {"BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"}
EXTRA_COLUMNS = {
    "aws": ("x_CostCategories", "x_Discounts", "x_Operation", "x_ServiceCode", "x_UsageType"),
    "azure": ("x_AccountName", "x_BillingProfileId", "x_ResourceGroupName",
              "x_SkuMeterCategory", "x_PricingSubcategory"),
    "gcp": ("x_Credits", "x_ExportTime", "x_ProjectId", "ExportTime"),
}
PROVIDER_NAMES = {"aws": "AWS", "gcp": "Google Cloud", "azure": "Microsoft"}
OLDER_DIR = "focus_older_versions"
# Column order of the FOCUS sample data's 1.0 file (its extra Id column included).
FOCUS_1_0_COLUMNS = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
    "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountName", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
    "EffectiveCost", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
    "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
    "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "Id",
    "ServiceName", "SkuId", "SkuPriceId", "SubAccountId", "SubAccountName", "Tags",
)
# FOCUS 1.1 added these to 1.0 (FOCUS_Spec tags v1.0 and v1.1, specification/columns).
FOCUS_1_1_COLUMNS = tuple(sorted(
    [column for column in FOCUS_1_0_COLUMNS if column != "Id"]
    + ["CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
       "CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails"]))
OLDER_VERSIONS = {"aws": "1.0", "azure": "1.0", "gcp": "1.1"}
# Spellings the older files use instead of the spec's, per provider and column.
RESPELLED = {
    "azure": {"ChargeFrequency": {"Usage-Based": "Usage-based"}},
    "gcp": {"ChargeCategory": {value: value.lower() for value in
                               ("Usage", "Purchase", "Tax", "Credit", "Adjustment")},
            "ChargeFrequency": {"Usage-Based": "usage-based", "One-Time": "one-time"},
            "CommitmentDiscountStatus": {"Used": "used", "Unused": "unused"}},
}
# The planted row no rule can map, and the reason it must be quarantined with.
UNMAPPABLE_CATEGORY = "Refund"
SPACED_TAG_KEY_OLDER = " team"
COST_CENTER_KEY_OLDER = "Cost Center"
COMMITMENT_TYPES = {
    "savings_plan": ("Spend", "Savings Plan"),
    "reserved_instance": ("Usage", "Reserved Instance"),
    "cud": ("Usage", "Committed Use Discount"),
    "azure_reservation": ("Usage", "Reservation"),
}
PRICING_CATEGORIES = {"on_demand": "Standard", "spot": "Dynamic", "committed": "Committed"}
# ResourceType as each cloud's FOCUS export names the kind of resource, read off the id.
# AWS: the id prefix (i-, vol-) or the ARN's resource-type segment, in AWS's own spelling.
AWS_RESOURCE_TYPES = {
    "i": "Instance", "vol": "Volume", "natgateway": "NatGateway", "savingsplan": "SavingsPlan",
    "reserved-instances": "ReservedInstance", "training-job": "TrainingJob",
}
# Microsoft's FocusCost writes the resource type's display name (the ARM type, read from the
# resource id, is its x_ResourceType).
AZURE_RESOURCE_TYPES = {
    "microsoft.compute/virtualmachines": "Virtual machine",
    "microsoft.compute/disks": "Disk",
    "microsoft.storage/storageaccounts": "Storage account",
    "microsoft.network/privateendpoints": "Private endpoint",
    "microsoft.network/virtualnetworks": "Virtual network",
    "microsoft.capacity/reservationorders/reservations": "Reservation",
}
USAGE_KINDS = ("usage", "commitment_usage", "commitment_negation")


def service_seed() -> dict[tuple[str, str], dict[str, str]]:
    """The project's service seed: FOCUS ServiceName/Category/Subcategory per service code."""
    with (SEEDS / "service_categories.csv").open(encoding="utf-8", newline="") as handle:
        return {(row["provider"], row["service_code"]): row for row in csv.DictReader(handle)}


def resource_type(charge: Charge) -> str | None:
    """ResourceType of a line with a resource, named as the provider's FOCUS export names it,
    from the resource id: AWS's id prefix or ARN resource type (an S3 resource is a bucket
    name), Microsoft's display name of the ARM type in the id, Google's Cloud Asset type
    (`compute.googleapis.com/Instance`) of the full resource name."""
    rid = charge.resource_id
    if not rid:
        return None
    if charge.provider == "aws":
        if rid.startswith("arn:"):
            kind = rid.split(":", 5)[5].split("/", 1)[0]
        elif charge.service == "AmazonS3":
            return "Bucket"
        else:
            kind = rid.split("-", 1)[0]
        return AWS_RESOURCE_TYPES.get(kind, kind)
    if charge.provider == "azure":
        namespace, _, path = rid.lower().rsplit("/providers/", 1)[-1].partition("/")
        arm_type = "/".join([namespace] + path.split("/")[0::2])
        return AZURE_RESOURCE_TYPES.get(arm_type, arm_type)
    # //compute.googleapis.com/projects/p/zones/z/instances/name; a commitment is named
    # projects/p/regions/r/commitments/name (Compute Engine's).
    host = rid[2:].split("/", 1)[0] if rid.startswith("//") else "compute.googleapis.com"
    collection = rid.rstrip("/").split("/")[-2]
    return f"{host}/{collection[:1].upper()}{collection[1:].removesuffix('s')}"


def purchase_pricing(charge: Charge) -> tuple[float, str, float] | None:
    """(PricingQuantity, PricingUnit, unit price) of a Purchase line, at the rate the native
    exports bill it at (list and contracted: a purchase has no other price); None when the
    line is no purchase."""
    if charge.kind == "commitment_fee":
        if charge.commitment_type == "azure_reservation" and charge.unit_price:
            # The monthly payment is reservations x hours at the hourly rate: its quantity
            # is reservation-hours, as the native export's unused quantity is.
            return (round(charge.billed_cost / charge.unit_price, 6), charge.usage_unit,
                    charge.unit_price)
        return charge.usage_amount, charge.usage_unit, charge.unit_price
    if charge.kind == "fee":
        # AWS Support's usage type is `Dollar`: the fee is a quantity of dollars at 1 each.
        return charge.billed_cost, charge.sku, 1.0
    return None


def billing_period(charge: Charge) -> str:
    """The period "YYYY-MM" the provider's own export puts the charge in (GCP: invoice month)."""
    if charge.provider == "gcp":
        return gcp_billing.billing_period(charge)
    if charge.provider == "azure":
        return azure_cost.billing_period(charge)
    return charge.charge_start.strftime("%Y-%m")


def tagged_space_resource(charges: Iterable[Charge]) -> str:
    """The Azure resource whose team tag is written with a stray space: the first by id."""
    candidates = sorted(c.resource_id for c in charges
                        if c.provider == "azure" and c.resource_id and "team" in c.tags)
    return candidates[0] if candidates else ""


def focus_rows(charge: Charge, services: dict, last_period: str,
               spaced_resource: str = "") -> list[dict[str, object]]:
    """The FOCUS rows of one charge: one, or two for a commitment fee with an unused part."""
    period = billing_period(charge)
    period_start, period_end = period_bounds(period)
    service = services.get((charge.provider, charge.service), {})
    is_usage = charge.kind in USAGE_KINDS
    category, commitment_type = COMMITMENT_TYPES.get(charge.commitment_type, (None, None))
    tags = dict(charge.tags)
    if charge.provider == "aws":
        tags = {f"user:{key}": value for key, value in tags.items()}
    if spaced_resource and charge.resource_id == spaced_resource and "team" in tags:
        tags = {(SPACED_TAG_KEY if key == "team" else key): value for key, value in tags.items()}
    if charge.provider == "azure" and azure_cost.account_kind(charge.billing_account_id) == "mca":
        account_type = "Billing Profile"
    else:
        account_type = {"aws": "Management Account", "gcp": "Billing Account",
                        "azure": "Billing Account"}[charge.provider]
    contracted = charge.list_cost if is_usage and charge.pricing != "spot" else charge.billed_cost
    purchase = purchase_pricing(charge)
    if is_usage:
        quantity, unit, price = charge.usage_amount, charge.usage_unit or None, \
            charge.list_unit_price
    else:
        quantity, unit, price = purchase or (None, None, None)
    row: dict[str, object] = {
        "AvailabilityZone": charge.availability_zone or None,
        "BilledCost": charge.billed_cost,
        "BillingAccountId": charge.billing_account_id,
        "BillingAccountName": f"{catalog.COMPANY} {PROVIDER_NAMES[charge.provider]}",
        "BillingAccountType": account_type,
        "BillingCurrency": charge.currency,
        "BillingPeriodEnd": period_end,
        "BillingPeriodStart": period_start,
        "CapacityReservationId": None,
        "CapacityReservationStatus": None,
        "ChargeCategory": {"credit": "Credit", "refund": "Adjustment", "tax": "Tax",
                           "fee": "Purchase", "commitment_fee": "Purchase"}.get(
                               charge.kind, "Usage"),
        "ChargeClass": "Correction" if charge.kind == "refund" else None,
        "ChargeDescription": charge.sku_description or None,
        "ChargeFrequency": ("Usage-Based" if is_usage else
                            "Recurring" if charge.kind in ("fee", "commitment_fee") else
                            "One-Time"),
        "ChargePeriodEnd": as_utc(charge.charge_end),
        "ChargePeriodStart": as_utc(charge.charge_start),
        "CommitmentDiscountCategory": category,
        "CommitmentDiscountId": charge.commitment_id or None,
        "CommitmentDiscountName": charge.commitment_id.rsplit("/", 1)[-1] or None,
        "CommitmentDiscountQuantity": None,
        "CommitmentDiscountStatus": ("Used" if is_usage and charge.commitment_id else None),
        "CommitmentDiscountType": commitment_type,
        "CommitmentDiscountUnit": None,
        "ConsumedQuantity": charge.usage_amount if is_usage else None,
        "ConsumedUnit": (charge.usage_unit or None) if is_usage else None,
        "ContractedCost": contracted,
        "ContractedUnitPrice": price,
        "EffectiveCost": charge.effective_cost,
        "InvoiceId": (f"{charge.provider.upper()}-{charge.billing_account_id[-6:]}-"
                      f"{period.replace('-', '')}" if period < last_period else None),
        "InvoiceIssuerName": PROVIDER_NAMES[charge.provider],
        "ListCost": charge.list_cost,
        "ListUnitPrice": price,
        # A purchase is priced at its agreed rate: Standard ("Committed" is for charges
        # covered by a commitment, never its purchase).
        "PricingCategory": (PRICING_CATEGORIES.get(charge.pricing, "Committed"
                                                   if charge.commitment_id else "Standard")
                            if is_usage else "Standard" if purchase else None),
        "PricingCurrency": charge.currency,
        "PricingCurrencyContractedUnitPrice": price,
        "PricingCurrencyEffectiveCost": charge.effective_cost,
        "PricingCurrencyListUnitPrice": price,
        "PricingQuantity": quantity,
        "PricingUnit": unit,
        "ProviderName": PROVIDER_NAMES[charge.provider],
        "PublisherName": PROVIDER_NAMES[charge.provider],
        "RegionId": charge.region or None,
        "RegionName": charge.region or None,
        "ResourceId": charge.resource_id or None,
        "ResourceName": charge.resource_name or None,
        "ResourceType": resource_type(charge),
        "ServiceCategory": service.get("service_category", "Other"),
        "ServiceName": service.get("service_name", charge.service) or None,
        "ServiceSubcategory": service.get("service_subcategory") or None,
        "SkuId": charge.sku or None,
        # No SKU, no meter (credits, tax, the refund): FOCUS 1.1+ ties SkuMeter to SkuId.
        "SkuMeter": (charge.sku_description or None) if charge.sku else None,
        "SkuPriceDetails": None,
        "SkuPriceId": f"{charge.sku}:{charge.pricing}" if charge.sku else None,
        "SubAccountId": charge.sub_account_id,
        "SubAccountName": charge.sub_account_name or None,
        "SubAccountType": {"aws": "Member Account", "gcp": "Project",
                           "azure": "Subscription"}[charge.provider],
        "Tags": json.dumps(tags, ensure_ascii=False, separators=(",", ":")) if tags else None,
    }
    row.update(_extras(charge))
    rows = [row]
    if charge.kind == "commitment_fee" and charge.provider in ("aws", "azure"):
        # The purchase is billed; its unused part is the commitment's own usage row.
        row["EffectiveCost"] = row["PricingCurrencyEffectiveCost"] = 0.0
        if charge.effective_cost:
            unused = {**row, "BilledCost": 0.0, "ContractedCost": 0.0, "ListCost": 0.0,
                      "EffectiveCost": charge.effective_cost,
                      "PricingCurrencyEffectiveCost": charge.effective_cost,
                      "ChargeCategory": "Usage", "ChargeFrequency": "Usage-Based",
                      "CommitmentDiscountStatus": "Unused", "PricingCategory": "Committed"}
            rows.append(unused)
    return rows


def _extras(charge: Charge) -> dict[str, object]:
    """The provider's own x_ columns (and GCP's non-x_ ExportTime)."""
    if charge.provider == "aws":
        return {"x_CostCategories": None, "x_Discounts": None,
                "x_Operation": charge.operation or None, "x_ServiceCode": charge.service,
                "x_UsageType": charge.sku or None}
    if charge.provider == "azure":
        group = azure_resource_group(charge.resource_id)
        return {"x_AccountName": charge.sub_account_name or None,
                "x_BillingProfileId": None, "x_ResourceGroupName": group or None,
                "x_SkuMeterCategory": charge.service,
                "x_PricingSubcategory": charge.pricing or None}
    export_time = charge.charge_end.replace(tzinfo=None) + timedelta(hours=6)
    return {"x_Credits": None, "x_ExportTime": None, "x_ProjectId": charge.sub_account_id,
            "ExportTime": export_time.strftime("%Y-%m-%d %H:%M:%S")}


def _text(value: object, column: str, provider: str) -> str:
    """A CSV cell: Azure writes ISO timestamps with Z and empty nulls; GCP (as saved by the
    client) writes `NULL` and timestamps without T or zone."""
    if value is None:
        return "NULL" if provider == "gcp" else ""
    if column in TIMESTAMPS:
        stamp = value.astimezone(timezone.utc).replace(tzinfo=None)  # type: ignore[union-attr]
        return stamp.strftime("%Y-%m-%d %H:%M:%S" if provider == "gcp" else "%Y-%m-%dT%H:%M:%SZ")
    if column in NUMBERS:
        return decimal_text(float(value))  # type: ignore[arg-type]
    return str(value)


def _csv_bytes(rows: list[dict[str, object]], provider: str) -> bytes:
    columns = list(FOCUS_COLUMNS) + list(EXTRA_COLUMNS[provider])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n" if provider == "azure" else "\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_text(row.get(column), column, provider) for column in columns])
    return buffer.getvalue().encode("utf-8")


class _CsvSink:
    """A FOCUS CSV file rendered chunk by chunk: ``_csv_bytes`` of all its rows, kept
    compressed (GCP's file is gzip; Azure's is plain CSV, compressed here only while it is
    built, as its run is written in one piece)."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.zip = zlib.compressobj(6, zlib.DEFLATED, 31)
        self.parts: list[bytes] = []
        self.header = True

    def write(self, rows: list[dict[str, object]]) -> None:
        content = _csv_bytes(rows, self.provider)
        if not self.header:  # the header line only once
            content = content.split(b"\n", 1)[1]
        self.header = False
        self.parts.append(self.zip.compress(content))

    def gzip(self) -> bytes:
        """The file gzip-compressed: the bytes of gzip.compress(..., compresslevel=6,
        mtime=0) of the whole file (zlib's gzip stream, as that function uses)."""
        return b"".join(self.parts) + self.zip.flush()

    def content(self) -> bytes:
        return gzip.decompress(self.gzip())


def _parquet_table(rows: list[dict[str, object]]) -> pa.Table:
    columns = list(FOCUS_COLUMNS) + list(EXTRA_COLUMNS["aws"])
    arrays = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        if column in TIMESTAMPS:
            arrays[column] = pa.array(values, type=pa.timestamp("us", tz="UTC"))
        elif column in NUMBERS:
            arrays[column] = pa.array(values, type=pa.float64())
        else:
            arrays[column] = pa.array(values, type=pa.string())
    return pa.table(arrays)


def build_rows(charges: Iterable[Charge]) -> dict[tuple[str, str], list[dict[str, object]]]:
    """FOCUS rows per (provider, billing period), in a stable order (no I/O)."""
    charges = list(charges)
    services = service_seed()
    spaced = tagged_space_resource(charges)
    last: dict[str, str] = {}
    for charge in charges:
        period = billing_period(charge)
        last[charge.provider] = max(last.get(charge.provider, period), period)
    rows: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
    for charge in sorted(charges, key=lambda c: (c.provider, c.charge_start, c.line_key)):
        rows[(charge.provider, billing_period(charge))].extend(
            focus_rows(charge, services, last[charge.provider], spaced))
    return dict(sorted(rows.items()))


def _azure_run(out_dir: Path, period: str, content: bytes, rng_seed: int,
               part_rows: int = 0) -> list[Path]:
    """A partitioned Azure export run: part files and the run's manifest.json."""
    start, end = period_bounds(period)
    folder = f"{start:%Y%m%d}-{(end - timedelta(days=1)):%Y%m%d}"
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"mlcost:{rng_seed}:{AZURE_EXPORT}:{period}"))
    run_dir = Path("focus") / "azure" / AZURE_EXPORT / folder / run_id
    parts = split_csv(content, part_rows)
    return write_run(out_dir, run_dir, AZURE_EXPORT, "FocusCost", period, run_id, parts)


def older_row(row: dict[str, object], provider: str, spaced_resource: str) -> dict[str, object]:
    """A FOCUS 1.2 row as the older file of its provider writes it: the provider's
    spellings, and Microsoft's spaced tag keys."""
    older = dict(row)
    for column, spellings in RESPELLED.get(provider, {}).items():
        value = older.get(column)
        older[column] = spellings.get(value, value)  # type: ignore[arg-type]
    if provider == "azure" and older.get("Tags"):
        tags = json.loads(str(older["Tags"]))
        spaced = spaced_resource and older.get("ResourceId") == spaced_resource
        older["Tags"] = json.dumps({
            (SPACED_TAG_KEY_OLDER if spaced and key in ("team", SPACED_TAG_KEY) else
             COST_CENTER_KEY_OLDER if key == "cost-center" else key): value
            for key, value in tags.items()})
    elif older.get("Tags"):
        older["Tags"] = json.dumps(json.loads(str(older["Tags"])))  # `{"k": "v"}` spacing
    return older


def _older_cell(value: object, column: str) -> str:
    """A cell as the FOCUS sample data writes it: text quoted (quotes doubled), numbers and
    NULL bare, timestamps `2024-09-01 00:00:00`."""
    if value is None:
        return "NULL"
    if column in TIMESTAMPS:
        stamp = value.astimezone(timezone.utc).replace(tzinfo=None)  # type: ignore[union-attr]
        return '"' + stamp.strftime("%Y-%m-%d %H:%M:%S") + '"'
    if column in NUMBERS or column == "Id":
        return decimal_text(float(value))  # type: ignore[arg-type]
    return '"' + str(value).replace('"', '""') + '"'


class OlderVersionsWriter:
    """Appends rows to the FOCUS 1.0 / 1.1 CSV of their version and billing period."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        # Row ids count per file, so a closed month's file keeps its ids when later months
        # or other providers' rows grow.
        self.next_id: dict[tuple[str, str], int] = {}
        self.files: dict[tuple[str, str], Path] = {}
        self.spaced_resource = ""
        self.planted: dict[str, object] = {}

    def path(self, version: str, period: str) -> Path:
        return self.out_dir / OLDER_DIR / f"focus-{version}" / f"focus_{period}.csv"

    def write(self, rows: list[dict[str, object]], provider: str, period: str) -> None:
        version = OLDER_VERSIONS[provider]
        columns = FOCUS_1_0_COLUMNS if version == "1.0" else FOCUS_1_1_COLUMNS
        path = self.path(version, period)
        lines = []
        if (version, period) not in self.files:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("", encoding="utf-8")
            self.files[(version, period)] = path
            lines.append(",".join(f'"{column}"' for column in columns))
        next_id = self.next_id.get((version, period), 1)
        for row in rows:
            older = {**older_row(row, provider, self.spaced_resource), "Id": next_id}
            next_id += 1
            lines.append(",".join(_older_cell(older.get(column), column) for column in columns))
        self.next_id[(version, period)] = next_id
        with path.open("a", encoding="utf-8", newline="") as handle:
            handle.write("".join(line + "\n" for line in lines))

    def plant_unmappable(self, rows: list[dict[str, object]], period: str) -> None:
        """A copy of the first Microsoft usage row with a ChargeCategory FOCUS does not have."""
        usage = next(row for row in rows if row["ChargeCategory"] == "Usage"
                     and row["BilledCost"])
        planted = {**usage, "ChargeCategory": UNMAPPABLE_CATEGORY}
        self.write([planted], "azure", period)
        self.planted = {
            "provider": "azure", "billing_period": period,
            "file": self.path("1.0", period).relative_to(self.out_dir).as_posix(),
            "reason": f"unknown charge_category: {UNMAPPABLE_CATEGORY}",
            "billed_cost": usage["BilledCost"], "resource_id": usage["ResourceId"],
        }

    def truth(self) -> dict[str, object]:
        return {
            "files": sorted(path.relative_to(self.out_dir).as_posix()
                            for path in self.files.values()),
            "versions": OLDER_VERSIONS,
            "spaced_tag_resource": self.spaced_resource,
            "unmappable": self.planted,
        }


# A Charge as spilled to disk: its fields but the origin (a copy's origin is not needed to
# render it, and pickling it would write the origin again with every copy).
_CHARGE_FIELDS = [f.name for f in fields(Charge) if f.name != "origin"]


class _SortedCharges(SortedRuns):
    """GCP and Azure charges per (provider, billing period), handed back in the order FOCUS
    files list them (start, then line key) with bounded memory (SortedRuns). What a row
    depends on beyond its charge (the provider's last period, the resource whose team tag
    gets a stray space) is accumulated as the charges pass."""

    def __init__(self, spill_at: int = 100_000) -> None:
        super().__init__(spill_at, prefix="mlcost-focus-")
        self.last: dict[str, str] = {}
        self.spaced_candidates: list[str] = []

    def add(self, charges: Iterable[Charge], providers: Iterable[str]) -> None:
        wanted = set(providers) - {"aws"}
        for charge in charges:
            if charge.provider not in wanted:
                continue
            period = billing_period(charge)
            provider = charge.provider
            self.last[provider] = max(self.last.get(provider, period), period)
            if provider == "azure" and charge.resource_id and "team" in charge.tags:
                if not self.spaced_candidates or charge.resource_id < self.spaced_candidates[0]:
                    self.spaced_candidates = [charge.resource_id]
            self.append((provider, period),
                        ((charge.charge_start, charge.line_key),
                         tuple(getattr(charge, name) for name in _CHARGE_FIELDS)))
        self.spill_if_full()

    def spaced_resource(self) -> str:
        """tagged_space_resource of every charge taken."""
        return self.spaced_candidates[0] if self.spaced_candidates else ""

    def charges(self, key: tuple[str, str]) -> Iterator[Charge]:
        for _, values in self.merged(key):
            yield Charge(*values)


class FocusWriter:
    """Streams AWS charges to parquet parts as they come (AWS is most of the lines; memory
    stays bounded by ``chunk_rows`` as in the CUR writer); GCP and Azure charges given to
    ``add_other`` are kept in sorted runs on disk and written by ``finish``, one billing
    period's file at a time."""

    def __init__(self, out_dir: Path, rng_seed: int, last_aws_period: str,
                 chunk_rows: int = 300_000) -> None:
        self.out_dir = out_dir
        self.rng_seed = rng_seed
        self.last_aws_period = last_aws_period
        self.chunk_rows = chunk_rows
        self.services = service_seed()
        self.aws_rows: dict[str, list[dict[str, object]]] = defaultdict(list)
        self.aws_parts: dict[str, int] = defaultdict(int)
        self.older = OlderVersionsWriter(out_dir)
        self.others = _SortedCharges()

    def add_other(self, charges: Iterable[Charge], providers: Iterable[str]) -> None:
        """Take a batch's GCP and Azure charges of ``providers`` (others are ignored)."""
        self.others.add(charges, providers)

    def add(self, charges: Iterable[Charge]) -> None:
        """Take a batch of AWS charges (others are ignored here)."""
        for charge in charges:
            if charge.provider != "aws":
                continue
            period = billing_period(charge)
            rows = self.aws_rows[period]
            rows.extend(focus_rows(charge, self.services, self.last_aws_period))
            if len(rows) >= self.chunk_rows:
                self._flush(period)

    def close_period(self, period: str) -> None:
        """Write what is left of an AWS billing period."""
        if self.aws_rows.get(period):
            self._flush(period)

    def _flush(self, period: str) -> None:
        self.aws_parts[period] += 1
        folder = self.out_dir / "focus" / "aws" / AWS_EXPORT / "data" / f"BILLING_PERIOD={period}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{AWS_EXPORT}-{self.aws_parts[period]:05d}.snappy.parquet"
        rows = self.aws_rows.pop(period)
        pq.write_table(_parquet_table(rows), folder / name, compression="snappy")
        self.older.write(rows, "aws", period)

    def finish(self, other_charges: Iterable[Charge] = ()) -> dict[str, str]:
        """Write the GCP and Azure FOCUS files (of the charges given to ``add_other`` and
        here) and any AWS rows left; return the vars."""
        for period in sorted(self.aws_rows):
            self.close_period(period)
        self.others.add(other_charges, ("gcp", "azure"))
        wrote_csv = False
        spaced = self.older.spaced_resource = self.others.spaced_resource()
        for provider, period in self.others.keys():
            last = self.others.last[provider]
            sink = _CsvSink(provider)
            first_usage = None
            rows: list[dict[str, object]] = []
            for charge in self.others.charges((provider, period)):
                charge_rows = focus_rows(charge, self.services, last, spaced)
                if first_usage is None and provider == "azure":
                    first_usage = next((row for row in charge_rows
                                        if row["ChargeCategory"] == "Usage"
                                        and row["BilledCost"]), None)
                rows.extend(charge_rows)
                if len(rows) >= self.chunk_rows:
                    sink.write(rows)
                    self.older.write(rows, provider, period)
                    rows = []
            sink.write(rows)
            self.older.write(rows, provider, period)
            if provider == "azure" and not self.older.planted:
                self.older.plant_unmappable([first_usage] if first_usage else [], period)
            if provider == "azure":
                _azure_run(self.out_dir, period, sink.content(), self.rng_seed)
            else:
                folder = (self.out_dir / "focus" / "gcp" / GCP_VIEW
                          / f"invoice_month={period.replace('-', '')}")
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "focus-000000000000.csv.gz").write_bytes(sink.gzip())
            wrote_csv = True
        self.others.close()
        focus_dir = self.out_dir / "focus"
        return {"mlcost_focus_csv": (focus_dir / "**" / "*.csv*").as_posix() if wrote_csv else "",
                "mlcost_focus_parquet": ((focus_dir / "**" / "*.parquet").as_posix()
                                         if self.aws_parts else "")}

    def older_vars(self) -> dict[str, str]:
        """The vars of the FOCUS 1.0 / 1.1 files (call after ``finish``)."""
        files = self.out_dir / OLDER_DIR / "*" / "*.csv"
        return {"mlcost_focus_csv": files.as_posix() if self.older.files else "",
                "mlcost_focus_parquet": ""}
