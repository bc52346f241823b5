"""Azure Cost Management *cost details* exports (EA and MCA; actual and amortized) as CSV.

Layout of a scheduled monthly export, one file per billing account and billing period:

    azure/<export name>/<YYYYMMDD-YYYYMMDD>/<export name>_<guid>.csv

with export names ``mlcost-ea-actual``, ``mlcost-ea-amortized``, ``mlcost-mca-actual`` and
``mlcost-mca-amortized``. Columns, order and formats follow Microsoft's "Understand cost details
fields" and were checked against real exports (see SCHEMAS_gcp_azure.md): EA is PascalCase with
a UTF-8 BOM, LF line ends and Tags without the outer braces; MCA is camelCase, no BOM, CRLF,
tags as a JSON object. Dates are MM/DD/YYYY in both.

Cost details are daily: the hourly neutral charges are summed per day, resource, meter, charge
type and pricing model. Actual cost shows reservation purchases as ``Purchase`` rows and covered
usage at cost 0; amortized cost has no purchase row, covered usage at its amortized cost and
``UnusedReservation`` rows for what the reservation did not cover.

What is *not* written, and so not in ``billed_total_by_period``:
- ``credit`` charges: Azure credits (prepayment, MACC, sponsorship) are applied on the invoice
  and never appear as cost details rows.
- ``tax`` charges of EA accounts: EA cost details carry no tax (MCA ones do, as ``Tax`` rows).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .. import catalog
from .common import as_utc, azure_resource_group, decimal_text, hash_int, split_csv, write_run

if TYPE_CHECKING:
    from sample_data.model import Charge

VIEWS = ("actual", "amortized")
KINDS = ("ea", "mca")
VAR_NAMES = {(kind, view): f"mlcost_azure_{kind}_{view}" for kind in KINDS for view in VIEWS}
EXPORT_NAMES = {(kind, view): f"mlcost-{kind}-{view}" for kind in KINDS for view in VIEWS}

EA_COLUMNS = (
    "BillingAccountId", "BillingAccountName", "BillingPeriodStartDate", "BillingPeriodEndDate",
    "BillingProfileId", "BillingProfileName", "AccountOwnerId", "AccountName", "SubscriptionId",
    "SubscriptionName", "Date", "Product", "PartNumber", "MeterId", "ServiceFamily", "MeterCategory",
    "MeterSubCategory", "MeterRegion", "MeterName", "Quantity", "EffectivePrice", "Cost", "UnitPrice",
    "BillingCurrency", "ResourceLocation", "AvailabilityZone", "ConsumedService", "ResourceId",
    "ResourceName", "ServiceInfo1", "ServiceInfo2", "AdditionalInfo", "Tags", "InvoiceSectionId",
    "InvoiceSection", "CostCenter", "UnitOfMeasure", "ResourceGroup", "ReservationId",
    "ReservationName", "ProductOrderId", "ProductOrderName", "OfferId", "IsAzureCreditEligible",
    "Term", "PublisherName", "PlanName", "ChargeType", "Frequency", "PublisherType", "PayGPrice",
    "PricingModel", "CostAllocationRuleName", "benefitId", "benefitName",
)

# Current MCA cost details (export/API version 2023-05-01 and later).
MCA_COLUMNS = (
    "invoiceId", "previousInvoiceId", "billingAccountId", "billingAccountName", "billingProfileId",
    "billingProfileName", "invoiceSectionId", "invoiceSectionName", "resellerName", "resellerMpnId",
    "costCenter", "billingPeriodEndDate", "billingPeriodStartDate", "servicePeriodEndDate",
    "servicePeriodStartDate", "date", "serviceFamily", "productOrderId", "productOrderName",
    "consumedService", "meterId", "meterName", "meterCategory", "meterSubCategory", "meterRegion",
    "ProductId", "ProductName", "SubscriptionId", "subscriptionName", "publisherType", "publisherId",
    "publisherName", "resourceGroupName", "ResourceId", "resourceLocation", "location",
    "effectivePrice", "quantity", "unitOfMeasure", "chargeType", "billingCurrency", "pricingCurrency",
    "costInBillingCurrency", "costInPricingCurrency", "costInUsd", "paygCostInBillingCurrency",
    "paygCostInUsd", "exchangeRatePricingToBilling", "exchangeRateDate", "isAzureCreditEligible",
    "serviceInfo1", "serviceInfo2", "additionalInfo", "tags", "PayGPrice", "frequency", "term",
    "reservationId", "reservationName", "pricingModel", "unitPrice", "costAllocationRuleName",
    "benefitId", "benefitName", "provider",
)

# Region code -> (meter region, CamelCase location as EA files often spell ResourceLocation).
REGIONS: dict[str, tuple[str, str]] = {
    "eastus": ("US East", "EastUS"), "eastus2": ("US East 2", "EastUS2"),
    "westus": ("US West", "WestUS"), "westus2": ("US West 2", "WestUS2"),
    "westus3": ("US West 3", "WestUS3"), "centralus": ("US Central", "CentralUS"),
    "southcentralus": ("US South Central", "SouthCentralUS"),
    "northcentralus": ("US North Central", "NorthCentralUS"),
    "westeurope": ("EU West", "WestEurope"), "northeurope": ("EU North", "NorthEurope"),
    "uksouth": ("UK South", "UKSouth"), "swedencentral": ("SE Central", "SwedenCentral"),
    "francecentral": ("FR Central", "FranceCentral"),
    "germanywestcentral": ("DE West Central", "GermanyWestCentral"),
    "japaneast": ("JA East", "JapanEast"), "australiaeast": ("AU East", "AustraliaEast"),
    "southeastasia": ("AP Southeast", "SoutheastAsia"), "canadacentral": ("CA Central", "CanadaCentral"),
}

# Meter category -> (service family, consumed service) when the resource id names no provider.
SERVICES: dict[str, tuple[str, str]] = {
    "Virtual Machines": ("Compute", "Microsoft.Compute"),
    "Storage": ("Storage", "Microsoft.Storage"),
    "Bandwidth": ("Networking", "Microsoft.Network"),
    "Virtual Network": ("Networking", "Microsoft.Network"),
    "Azure Machine Learning": ("AI + Machine Learning", "Microsoft.MachineLearningServices"),
    "Azure Kubernetes Service": ("Compute", "Microsoft.ContainerService"),
}

_USD_PER_UNIT = {"USD": 1.0, "EUR": 1.08, "GBP": 1.27}


# --------------------------------------------------------------------------- public API


def write(charges: list[Charge], out_dir: Path, rng_seed: int,
          part_rows: int = 0) -> dict[str, str]:
    """Write the Azure charges as the four cost details exports; return their dbt vars.

    Each var is a glob under ``out_dir`` or "" when that export has no rows (for instance no
    MCA account), which the dbt project reads as "this export does not exist". With
    ``part_rows`` > 0 each run is written the way exports with file partitioning write it:
    ``<YYYYMMDD-YYYYMMDD>/<run id>/part_<n>_0001.csv`` files of at most that many rows and
    a ``manifest.json`` listing them (var ``mlcost_azure_export_manifests``).
    """
    stream = ExportStream(out_dir, rng_seed, part_rows)
    stream.add(charges)
    return stream.finish()


class ExportStream:
    """The cost details exports of charges given batch by batch, with memory bounded by the
    daily rows (not the hourly charges): each batch's charges are summed into the day rows
    they belong to as they come, in the order ``build_rows`` sums them (a batch's charges by
    start and line key; a day row's charges all come in one batch: the day's, or the month
    close's for fees, refunds and tax). ``finish`` renders and writes the same files as
    ``write`` of all the charges at once."""

    def __init__(self, out_dir: Path, rng_seed: int, part_rows: int = 0) -> None:
        self.out_dir = out_dir
        self.rng_seed = rng_seed
        self.part_rows = part_rows
        self.sums = _DaySums()
        self.tables: dict[tuple[str, str, str, str], list[dict[str, str]]] | None = None

    def add(self, charges: Iterable[Charge]) -> None:
        """Take a batch of charges (other providers' are ignored)."""
        self.sums.add(charges)

    def finish(self) -> dict[str, str]:
        """Write the exports; return their dbt vars (see ``write``)."""
        self.tables = self.sums.tables(self.rng_seed)
        return _write_files(_files_of(self.tables, self.rng_seed), self.out_dir,
                            self.part_rows)

    def native_line_counts(self) -> dict[tuple[str, str], int]:
        """Rows per ("azure", period) of the actual-cost exports (after ``finish``)."""
        counts: dict[tuple[str, str], int] = {}
        for (_, view, _, period), rows in (self.tables or {}).items():
            if view == "actual":
                counts[("azure", period)] = counts.get(("azure", period), 0) + len(rows)
        return counts


def _write_files(files: dict[Path, bytes], out_dir: Path, part_rows: int) -> dict[str, str]:
    written = {path.parts[1] for path in files}
    if part_rows > 0:
        for relative_path, content in sorted(files.items()):
            run_dir = relative_path.parent / relative_path.stem.rsplit("_", 1)[-1]
            period = datetime.strptime(relative_path.parent.name[:8], "%Y%m%d").strftime("%Y-%m")
            write_run(out_dir, run_dir, relative_path.parts[1], "ActualCost"
                            if relative_path.parts[1].endswith("actual") else "AmortizedCost",
                            period, run_dir.name, split_csv(content, part_rows))
        pattern = ("*", "*", "*.csv")
    else:
        for relative_path, content in sorted(files.items()):
            path = out_dir / relative_path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        pattern = ("*", "*.csv")
    out_vars = {VAR_NAMES[key]: (str(out_dir.joinpath("azure", name, *pattern))
                                 if name in written else "")
                for key, name in EXPORT_NAMES.items()}
    if part_rows > 0:
        out_vars["mlcost_azure_export_manifests"] = str(
            out_dir / "azure" / "*" / "*" / "*" / "manifest.json")
    return out_vars


def build_files(charges: Iterable[Charge], rng_seed: int) -> dict[Path, bytes]:
    """File bytes keyed by path relative to the output directory (no I/O)."""
    return _files_of(build_rows(charges, rng_seed), rng_seed)


def _files_of(tables: dict[tuple[str, str, str, str], list[dict[str, str]]],
              rng_seed: int) -> dict[Path, bytes]:
    files: dict[Path, bytes] = {}
    for (kind, view, account, period), rows in tables.items():
        export = EXPORT_NAMES[(kind, view)]
        start = _period_start(period)
        end = _period_end(period)
        folder = f"{start:%Y%m%d}-{end:%Y%m%d}"
        guid = uuid.uuid5(uuid.NAMESPACE_URL, f"mlcost:{rng_seed}:{export}:{account}:{period}")
        files[Path("azure") / export / folder / f"{export}_{guid}.csv"] = _csv_bytes(kind, rows)
    return files


def account_kind(billing_account_id: str) -> str:
    """"ea" or "mca" from the billing account id's shape.

    An EA billing account is the enrollment number (all digits); an MCA one looks like
    "<guid>:<guid>_2019-05-31".
    """
    if billing_account_id.isdigit():
        return "ea"
    if ":" in billing_account_id and re.search(r"_\d{4}-\d{2}-\d{2}$", billing_account_id):
        return "mca"
    raise ValueError(
        f"Azure billing account {billing_account_id!r} is neither an EA enrollment number (all "
        "digits) nor an MCA billing account id ('<guid>:<guid>_YYYY-MM-DD'); give the simulated "
        "account one of those shapes")


def billing_period(charge: Charge) -> str:
    """Billing period "YYYY-MM": Azure cost details dates are UTC days, periods calendar months."""
    start = as_utc(charge.charge_start)
    return f"{start.year:04d}-{start.month:02d}"


def is_exported(charge: Charge) -> bool:
    """Whether a charge appears in the cost details (see module docstring for the exceptions)."""
    if charge.provider != "azure":
        return False
    if charge.kind == "credit":
        return False
    if charge.kind == "tax" and account_kind(charge.billing_account_id) == "ea":
        return False
    return True


def billed_total_by_period(charges: Iterable[Charge]) -> dict[tuple[str, str], float]:
    """Sum of billed_cost per (account kind, "YYYY-MM") over what the actual exports contain.

    The truth's Azure billed totals should come from here: it equals the sum of ``Cost`` (EA) /
    ``costInBillingCurrency`` (MCA) of the actual exports, credits and EA tax excluded.
    """
    return _totals(charges, "actual")


def effective_total_by_period(charges: Iterable[Charge]) -> dict[tuple[str, str], float]:
    """Sum of effective_cost per (account kind, "YYYY-MM"): the amortized exports' total."""
    return _totals(charges, "amortized")


def _totals(charges: Iterable[Charge], view: str) -> dict[tuple[str, str], float]:
    """Per (kind, period) sums, spread over days exactly as the rows are."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for charge in charges:
        if not is_exported(charge):
            continue
        amount = charge.billed_cost if view == "actual" else charge.effective_cost
        for day, share in day_slices(charge, view):
            period = f"{day.year:04d}-{day.month:02d}"
            totals[(account_kind(charge.billing_account_id), period)] += amount * share
    return dict(totals)


def day_slices(charge: Charge, view: str) -> list[tuple[date, float]]:
    """The UTC days a charge's cost lands on in a view, with the share of it on each day.

    Cost details are daily, so a charge spanning days (a monthly reservation's unused part, a
    daily storage charge that starts mid-day) is spread by the time it covers on each day.
    One-time items stay whole on their first day: purchases (actual view), refunds and tax.
    """
    start, end = as_utc(charge.charge_start), as_utc(charge.charge_end)
    one_time = charge.kind in {"refund", "tax"} or (charge.kind == "commitment_fee" and view == "actual")
    if one_time or end <= start or (end - timedelta(microseconds=1)).date() == start.date():
        return [(start.date(), 1.0)]
    total = (end - start).total_seconds()
    slices = []
    day = start.date()
    while datetime.combine(day, datetime.min.time(), timezone.utc) < end:
        day_start = max(start, datetime.combine(day, datetime.min.time(), timezone.utc))
        day_end = min(end, datetime.combine(day + timedelta(days=1), datetime.min.time(), timezone.utc))
        slices.append((day, (day_end - day_start).total_seconds() / total))
        day += timedelta(days=1)
    return slices


# --------------------------------------------------------------------------- aggregation


@dataclass
class _Line:
    """One daily cost details row before rendering: the sum of some charges."""

    charge_type: str
    pricing_model: str
    day: date
    first: Charge  # any charge of the group, for the descriptive columns
    view: str = "actual"
    quantity: float = 0.0
    cost: float = 0.0
    list_cost: float = 0.0
    frequency: str = "UsageBased"
    keys: list[str] = field(default_factory=list)


def build_rows(charges: Iterable[Charge], rng_seed: int
               ) -> dict[tuple[str, str, str, str], list[dict[str, str]]]:
    """Rendered rows per (kind, view, billing account, period), sorted deterministically."""
    sums = _DaySums()
    sums.add(charges)
    return sums.tables(rng_seed)


class _DaySums:
    """Daily rows summed from charges batch by batch (see ExportStream)."""

    def __init__(self) -> None:
        self.groups: dict[tuple, _Line] = {}
        self.last_period: dict[str, str] = {}  # billing account -> latest period

    def add(self, charges: Iterable[Charge]) -> None:
        azure = [c for c in charges if c.provider == "azure"]
        for charge in azure:
            if charge.kind == "commitment_negation":
                raise ValueError(
                    f"charge {charge.line_key}: 'commitment_negation' is AWS-only; Azure shows "
                    "reservation savings as covered usage at cost 0 (actual) or amortized cost "
                    "(amortized)")
            if charge.kind not in {"usage", "commitment_usage", "commitment_fee", "credit",
                                   "refund", "tax"}:
                raise ValueError(f"charge {charge.line_key}: unknown kind {charge.kind!r}")
        exported = [c for c in azure if is_exported(c)]
        groups, last = self.groups, self.last_period
        for charge in sorted(exported, key=lambda c: (as_utc(c.charge_start), c.line_key)):
            for view in VIEWS:
                for key, line, amount in _contributions(charge, view):
                    line = groups.setdefault(key, line)
                    line.quantity += amount[0]
                    line.cost += amount[1]
                    line.list_cost += amount[2]
                    # Only the least line key is used (the rows' last sort key).
                    if not line.keys:
                        line.keys.append(charge.line_key)
                    elif charge.line_key < line.keys[0]:
                        line.keys[0] = charge.line_key
            day = day_slices(charge, "amortized")[-1][0]
            period = f"{day.year:04d}-{day.month:02d}"
            account = charge.billing_account_id
            last[account] = max(period, last.get(account, period))

    def tables(self, rng_seed: int) -> dict[tuple[str, str, str, str], list[dict[str, str]]]:
        """Rendered rows per (kind, view, billing account, period), sorted deterministically."""
        context = _Context(rng_seed=rng_seed, last_period=dict(self.last_period))
        tables: dict[tuple[str, str, str, str], list[tuple[tuple, dict[str, str]]]] = \
            defaultdict(list)
        for key, line in self.groups.items():
            view = key[0]
            kind = account_kind(line.first.billing_account_id)
            period = f"{line.day.year:04d}-{line.day.month:02d}"
            row = (_ea_row if kind == "ea" else _mca_row)(line, context)
            sort_key = (line.day, line.first.sub_account_id, line.first.resource_id.lower(),
                        line.first.sku, line.charge_type, line.pricing_model,
                        line.first.commitment_id, min(line.keys))
            tables[(kind, view, line.first.billing_account_id, period)].append((sort_key, row))
        return {k: [row for _, row in sorted(v, key=lambda p: p[0])]
                for k, v in sorted(tables.items())}


def _contributions(charge: Charge, view: str) -> list[tuple[tuple, _Line, tuple[float, float, float]]]:
    """(group key, new line, (quantity, cost, list cost)) this charge adds to a view.

    Actual rows carry billed_cost and amortized rows effective_cost, so each view sums to the
    matching total of the neutral charges.
    """
    return [(key, line, (amount[0] * share, amount[1] * share, amount[2] * share))
            for day, share in day_slices(charge, view)
            for key, line, amount in _day_contribution(charge, view, day)]


def _day_contribution(charge: Charge, view: str, day: date
                      ) -> list[tuple[tuple, _Line, tuple[float, float, float]]]:
    """The whole-charge contribution to one day's row; the caller scales it by the day's share."""
    quantity = _quantity(charge)
    commitment_model = "SavingsPlan" if charge.commitment_type == "savings_plan" else "Reservation"
    account = charge.billing_account_id
    if charge.kind == "commitment_fee":
        if view == "actual":
            # One Purchase row per commitment and month, on the first day it is charged.
            period = billing_period(charge)
            key = (view, account, "fee", charge.commitment_id, charge.sku, period)
            frequency = _purchase_frequency(charge)
            line = _Line("Purchase", commitment_model, day, charge, view=view, frequency=frequency)
            return [(key, line, (0.0, charge.billed_cost, charge.billed_cost))]
        if charge.effective_cost == 0:
            return []
        if charge.unit_price > 0:  # unused hours at the reservation's hourly rate
            unused_quantity = charge.effective_cost / charge.unit_price
        else:
            unused_share = charge.effective_cost / charge.billed_cost if charge.billed_cost else 1.0
            unused_quantity = quantity * unused_share
        unused_type = "UnusedSavingsPlan" if commitment_model == "SavingsPlan" else "UnusedReservation"
        key = (view, account, "unused", charge.commitment_id, charge.sku, day)
        line = _Line(unused_type, commitment_model, day, charge, view=view)
        return [(key, line, (unused_quantity, charge.effective_cost, 0.0))]

    cost = charge.billed_cost if view == "actual" else charge.effective_cost
    if charge.kind in {"refund", "tax"} and view == "amortized" and cost == 0:
        return []
    if charge.kind == "commitment_usage":
        charge_type, pricing_model = "Usage", commitment_model
    elif charge.kind == "refund":
        charge_type, pricing_model = "Refund", commitment_model if charge.commitment_id else "OnDemand"
    elif charge.kind == "tax":
        charge_type, pricing_model = "Tax", ""
    else:
        charge_type, pricing_model = "Usage", "Spot" if charge.pricing == "spot" else "OnDemand"
    key = (view, account, "line", day, charge.sub_account_id, charge.resource_id, charge.sku,
           charge_type, pricing_model, charge.commitment_id, _tags_key(charge.tags))
    frequency = "UsageBased" if charge_type == "Usage" else "OneTime"
    line = _Line(charge_type, pricing_model, day, charge, view=view, frequency=frequency)
    return [(key, line, (quantity, cost, charge.list_cost))]


def _purchase_frequency(charge: Charge) -> str:
    """A fee covering at most a month is a monthly payment ("Recurring"); a longer one was
    paid up front ("OneTime")."""
    return "OneTime" if charge.charge_end - charge.charge_start > timedelta(days=32) else "Recurring"


def _quantity(charge: Charge) -> float:
    """Quantity in the cost details unit: hours for VM meters (simulation may give seconds)."""
    if charge.usage_unit.lower() in {"seconds", "s"}:
        return charge.usage_amount / 3600
    if charge.kind in {"tax", "credit"}:
        return 0.0
    return charge.usage_amount


# --------------------------------------------------------------------------- rendering


@dataclass(frozen=True)
class _Context:
    """Per-run lookups: which billing periods are invoiced, resource id spellings."""

    rng_seed: int
    last_period: dict[str, str]  # billing account -> latest (still open) period

    @classmethod
    def from_charges(cls, charges: list[Charge], rng_seed: int) -> _Context:
        last: dict[str, str] = {}
        for charge in charges:
            day = day_slices(charge, "amortized")[-1][0]
            period = f"{day.year:04d}-{day.month:02d}"
            last[charge.billing_account_id] = max(period, last.get(charge.billing_account_id, period))
        return cls(rng_seed=rng_seed, last_period=last)


@dataclass(frozen=True)
class _Common:
    """Columns EA and MCA share (under different names)."""

    period_start: date
    period_end: date
    product: str
    meter_category: str
    meter_subcategory: str
    meter_name: str
    meter_region: str
    region_display: str  # "US East": MCA's location column
    service_family: str
    consumed_service: str
    resource_id: str
    resource_group: str
    resource_name: str
    resource_location: str
    unit_of_measure: str
    quantity: float
    effective_price: float
    unit_price: float
    additional_info: str
    reservation_id: str
    reservation_name: str
    product_order_id: str
    product_order_name: str
    term: str
    benefit_id: str
    benefit_name: str
    service_info2: str


def _common(line: _Line, context: _Context) -> _Common:
    charge = line.first
    period = f"{line.day.year:04d}-{line.day.month:02d}"
    commitment = _commitment_ids(charge, context.rng_seed)
    is_fee = line.charge_type == "Purchase"
    region_display, camel_location = REGIONS.get(charge.region, (charge.region, charge.region))
    meter_region = region_display
    meter_category = charge.service
    known = catalog.SKUS.get(("azure", charge.sku))
    meter_subcategory = (known.subcategory if known is not None and known.subcategory
                         else _meter_subcategory(charge))
    meter_name = _meter_name(charge)
    if meter_category == "Bandwidth":
        meter_region = "Zone 1" if charge.region.endswith(("us", "us2", "us3", "europe")) else "Zone 2"
    benefit_id = commitment["benefit_id"]
    if charge.kind == "commitment_fee":
        # Purchase rows name the reservation order only (trailing slash and all, as in the real
        # EA file); unused rows name the reservation itself.
        savings_plan = charge.commitment_type == "savings_plan"
        if is_fee and not savings_plan:
            benefit_id = f"/providers/Microsoft.Capacity/reservationOrders/{commitment['order']}/reservations/"
        resource_id = benefit_id
        consumed = "Microsoft.BillingBenefits" if savings_plan else "Microsoft.Capacity"
        resource_group = ""
        resource_name = "" if is_fee else commitment["name"]
    else:
        resource_id = _cased_resource_id(charge.resource_id, context.rng_seed)
        consumed = _consumed_service(charge)
        resource_group = azure_resource_group(resource_id)
        resource_name = charge.resource_name or (resource_id.rsplit("/", 1)[-1] if resource_id else "")
    family = SERVICES.get(meter_category, ("Compute", ""))[0]
    camel_case = hash_int(context.rng_seed, "loc", charge.resource_id.lower()) % 10 < 6
    location = "" if not charge.region else camel_location if camel_case else charge.region
    product = f"{meter_category} {meter_subcategory} - {meter_name} - {meter_region}".replace("  ", " ")
    unit_of_measure = known.unit if known is not None and known.unit else _unit_of_measure(charge.usage_unit)
    if line.charge_type == "Tax":
        # Tax is an invoice-level line: no meter, place or resource behind it.
        meter_region = region_display = location = consumed = family = unit_of_measure = meter_subcategory = ""
        product = charge.sku_description or "Tax"
    covered = line.pricing_model in {"Reservation", "SavingsPlan"}
    quantity = 1.0 if is_fee else line.quantity
    if is_fee:
        effective_price, unit_price = line.cost, line.list_cost
    else:
        stated = _stated_rates(charge)
        which = "effective" if line.view == "amortized" else "billed"
        effective_price = _rate(stated[which], line.cost, quantity)
        unit_price = _rate(stated["list"], line.list_cost, quantity)
    term = ""
    if covered or is_fee:
        term = "36" if re.search(r"3 ?Y(ea)?rs?", charge.sku_description, re.I) else "12"
    reservation_id = commitment["reservation_order"] if is_fee else commitment["reservation"]
    return _Common(
        period_start=_period_start(period),
        period_end=_period_end(period),
        product=product,
        meter_category=meter_category,
        meter_subcategory=meter_subcategory,
        meter_name=meter_name,
        meter_region=meter_region,
        region_display=region_display,
        service_family=family,
        consumed_service=consumed,
        resource_id=resource_id,
        resource_group=resource_group,
        resource_name=resource_name,
        resource_location=location,
        unit_of_measure=unit_of_measure,
        quantity=quantity,
        effective_price=effective_price,
        unit_price=unit_price,
        additional_info=_additional_info(charge, line, commitment),
        reservation_id=reservation_id if covered or is_fee else "",
        reservation_name=(commitment["name"] if (covered or is_fee) and charge.commitment_type != "savings_plan"
                          else ""),
        product_order_id=commitment["order"] if covered or is_fee else "",
        product_order_name=_product_order_name(charge, meter_region, term) if covered or is_fee else "",
        term=term,
        benefit_id=benefit_id if covered or is_fee else "",
        benefit_name=commitment["name"] if covered or is_fee else "",
        service_info2="Canonical" if meter_category == "Virtual Machines" and not is_fee else "",
    )


def _ea_row(line: _Line, context: _Context) -> dict[str, str]:
    charge, common = line.first, _common(line, context)
    account = charge.billing_account_id
    names = _account_names(account)
    covered_or_fee = line.pricing_model in {"Reservation", "SavingsPlan"}
    return {
        "BillingAccountId": account,
        "BillingAccountName": names["account"],
        "BillingPeriodStartDate": _mdy(common.period_start),
        "BillingPeriodEndDate": _mdy(common.period_end),
        "BillingProfileId": account,
        "BillingProfileName": names["account"],
        "AccountOwnerId": f"cloud-admin@{catalog.EMAIL_DOMAIN}",
        "AccountName": "ML Platform",
        "SubscriptionId": charge.sub_account_id,
        "SubscriptionName": charge.sub_account_name,
        "Date": _mdy(line.day),
        "Product": common.product,
        "PartNumber": f"AAA-{hash_int('part', charge.sku) % 100000:05d}",
        "MeterId": charge.sku,
        "ServiceFamily": common.service_family,
        "MeterCategory": common.meter_category,
        "MeterSubCategory": common.meter_subcategory,
        "MeterRegion": common.meter_region,
        "MeterName": common.meter_name,
        "Quantity": decimal_text(common.quantity),
        "EffectivePrice": decimal_text(common.effective_price),
        "Cost": decimal_text(line.cost),
        "UnitPrice": decimal_text(common.unit_price),
        "BillingCurrency": charge.currency,
        "ResourceLocation": common.resource_location,
        "AvailabilityZone": "",
        "ConsumedService": common.consumed_service,
        "ResourceId": common.resource_id,
        "ResourceName": common.resource_name,
        "ServiceInfo1": "",
        "ServiceInfo2": common.service_info2,
        "AdditionalInfo": common.additional_info,
        "Tags": ea_tags(charge.tags),
        "InvoiceSectionId": "",
        "InvoiceSection": "ML",
        "CostCenter": "ml9000",
        "UnitOfMeasure": common.unit_of_measure,
        "ResourceGroup": common.resource_group,
        "ReservationId": common.reservation_id,
        "ReservationName": common.reservation_name,
        "ProductOrderId": common.product_order_id,
        "ProductOrderName": common.product_order_name,
        "OfferId": "MS-AZR-0017P",
        "IsAzureCreditEligible": "True",
        "Term": common.term,
        "PublisherName": "Microsoft",
        "PlanName": "" if line.charge_type == "Purchase" else common.meter_name,
        "ChargeType": line.charge_type,
        "Frequency": line.frequency,
        "PublisherType": "Azure",
        # Real EA files show PayGPrice 0 on reservation rows (see the amortized fixture).
        "PayGPrice": "0" if covered_or_fee else decimal_text(common.unit_price),
        "PricingModel": line.pricing_model,
        "CostAllocationRuleName": "",
        "benefitId": common.benefit_id,
        "benefitName": common.benefit_name,
    }


def _mca_row(line: _Line, context: _Context) -> dict[str, str]:
    charge, common = line.first, _common(line, context)
    account = charge.billing_account_id
    names = _account_names(account)
    period = f"{line.day.year:04d}-{line.day.month:02d}"
    rate = _USD_PER_UNIT.get(charge.currency, 1.0)
    invoiced = period < context.last_period.get(account, period)
    previous = _previous_period(period)
    return {
        "invoiceId": _invoice_id(account, period) if invoiced else "",
        "previousInvoiceId": _invoice_id(account, previous) if line.charge_type == "Refund" else "",
        "billingAccountId": account,
        "billingAccountName": names["account"],
        "billingProfileId": names["profile_id"],
        "billingProfileName": names["profile"],
        "invoiceSectionId": names["section_id"],
        "invoiceSectionName": names["section"],
        "resellerName": "",
        "resellerMpnId": "",
        "costCenter": "",
        "billingPeriodEndDate": _mdy(common.period_end),
        "billingPeriodStartDate": _mdy(common.period_start),
        "servicePeriodEndDate": _mdy(common.period_end + timedelta(days=1)),
        "servicePeriodStartDate": _mdy(common.period_start),
        "date": _mdy(line.day),
        "serviceFamily": common.service_family,
        "productOrderId": common.product_order_id or _guid("azure-plan", charge.sub_account_id),
        "productOrderName": common.product_order_name or "Azure plan",
        "consumedService": common.consumed_service,
        "meterId": charge.sku,
        "meterName": common.meter_name,
        "meterCategory": common.meter_category,
        "meterSubCategory": common.meter_subcategory,
        "meterRegion": common.meter_region,
        "ProductId": "DZH318Z0" + _hex("product", charge.sku, 8),
        "ProductName": common.product,
        "SubscriptionId": charge.sub_account_id,
        "subscriptionName": charge.sub_account_name,
        "publisherType": "Microsoft",
        "publisherId": "",
        "publisherName": "Microsoft",
        "resourceGroupName": common.resource_group,
        "ResourceId": common.resource_id,
        "resourceLocation": charge.region if common.resource_location else "",
        "location": common.region_display,
        "effectivePrice": decimal_text(common.effective_price),
        "quantity": decimal_text(common.quantity),
        "unitOfMeasure": common.unit_of_measure,
        "chargeType": line.charge_type,
        "billingCurrency": charge.currency,
        "pricingCurrency": "USD",
        "costInBillingCurrency": decimal_text(line.cost),
        "costInPricingCurrency": decimal_text(line.cost * rate),
        "costInUsd": decimal_text(line.cost * rate),
        "paygCostInBillingCurrency": decimal_text(line.list_cost),
        "paygCostInUsd": decimal_text(line.list_cost * rate),
        "exchangeRatePricingToBilling": repr(1 / rate),  # "1.0", as MCA files write it
        "exchangeRateDate": _mdy(common.period_start),
        "isAzureCreditEligible": "True",
        "serviceInfo1": "",
        "serviceInfo2": common.service_info2,
        "additionalInfo": common.additional_info,
        "tags": mca_tags(charge.tags),
        "PayGPrice": decimal_text(common.unit_price),
        "frequency": line.frequency,
        "term": common.term,
        "reservationId": common.reservation_id,
        "reservationName": common.reservation_name,
        "pricingModel": line.pricing_model,
        "unitPrice": decimal_text(common.unit_price),
        "costAllocationRuleName": "",
        "benefitId": common.benefit_id,
        "benefitName": common.benefit_name,
        "provider": "Azure",
    }


def _account_names(account: str) -> dict[str, str]:
    """Display names and MCA profile/section ids: the catalog's for its accounts, else derived."""
    if account == catalog.AZURE_EA_BILLING_ACCOUNT_ID:
        return {"account": catalog.AZURE_EA_BILLING_ACCOUNT_NAME}
    if account == catalog.AZURE_MCA_BILLING_ACCOUNT_ID:
        return {"account": catalog.AZURE_MCA_BILLING_ACCOUNT_NAME,
                "profile_id": catalog.AZURE_MCA_BILLING_PROFILE_ID,
                "profile": catalog.AZURE_MCA_BILLING_PROFILE_NAME,
                "section_id": catalog.AZURE_MCA_INVOICE_SECTION_ID,
                "section": catalog.AZURE_MCA_INVOICE_SECTION_NAME}
    return {"account": f"{catalog.COMPANY} {account_kind(account).upper()}",
            "profile_id": _mca_code("profile", account), "profile": f"{catalog.COMPANY} - ML",
            "section_id": _mca_code("section", account), "section": "ML Platform"}


def _stated_rates(charge: Charge) -> dict[str, float]:
    """The simulation's price-list rates per cost details unit (per hour where it gave seconds)."""
    scale = 3600.0 if charge.usage_unit.lower() in {"seconds", "s"} else 1.0
    billed = 0.0 if charge.kind == "commitment_usage" and charge.billed_cost == 0 else charge.unit_price
    return {"billed": billed * scale, "effective": charge.effective_unit_price * scale,
            "list": charge.list_unit_price * scale}


def _rate(stated: float, cost: float, quantity: float) -> float:
    """A row's price: the stated rate when it explains the row's cost, else cost / quantity.

    Stated rates print like a price sheet (3.673, not 3.6730000000000005); the fallback covers
    rows whose charges stated none or were summed from several prices.
    """
    if not quantity:
        return 0.0
    if stated and abs(stated * quantity - cost) <= 1e-6 * max(1.0, abs(cost)):
        return stated
    return cost / quantity


def ea_tags(tags: dict[str, str]) -> str:
    """EA Tags column: JSON members without the outer braces, as EA exports write it."""
    return ",".join(f"{json.dumps(k, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                    for k, v in tags.items())


def mca_tags(tags: dict[str, str]) -> str:
    """MCA tags column: a compact JSON object; empty when the resource has no tags."""
    return json.dumps(tags, ensure_ascii=False, separators=(",", ":")) if tags else ""


def _csv_bytes(kind: str, rows: list[dict[str, str]]) -> bytes:
    """EA: UTF-8 BOM and LF like the real EA export; MCA: no BOM and CRLF."""
    columns = EA_COLUMNS if kind == "ea" else MCA_COLUMNS
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n" if kind == "ea" else "\r\n")
    writer.writeheader()
    writer.writerows(rows)
    prefix = "\ufeff" if kind == "ea" else ""
    return (prefix + buffer.getvalue()).encode("utf-8")


# --------------------------------------------------------------------------- descriptive columns


def _meter_name(charge: Charge) -> str:
    """Meter name: what the simulation calls the SKU, or the VM size without "Standard_"."""
    if charge.kind == "commitment_fee" and charge.instance_type:
        return _vm_size_name(charge.instance_type)
    return charge.sku_description or _vm_size_name(charge.instance_type)


def _vm_size_name(instance_type: str) -> str:
    """"Standard_NC24ads_A100_v4" -> "NC24ads A100 v4", the spelling of VM meter names."""
    return instance_type.removeprefix("Standard_").replace("_", " ")


def _meter_subcategory(charge: Charge) -> str:
    """VM series for VM meters ("NCads A100 v4 Series"), a storage or bandwidth kind otherwise."""
    if charge.service == "Virtual Machines" and charge.instance_type:
        match = re.match(r"^([A-Z]+)(\d+)(-\d+)?([a-z]*)(.*)$", _vm_size_name(charge.instance_type))
        if match:
            return f"{match.group(1)}{match.group(4)}{match.group(5)} Series"
        return "Virtual Machines"
    text = charge.sku_description.lower()
    if charge.service == "Storage":
        if "disk" in text:
            return "Premium SSD Managed Disks"
        return "Tiered Block Blob" if "data stored" in text or "hot" in text else "General Block Blob v2"
    if charge.service == "Bandwidth":
        return {"inter_region": "Inter-Region", "internet": "Rtn Preference: MGN",
                "inter_az": "Intra-Region"}.get(charge.transfer_type, "")
    return ""


def _unit_of_measure(unit: str) -> str:
    """Azure's unit spelling ("1 Hour", "1 GB/Month"); units already spelled so pass through."""
    if re.match(r"^\d+[ /K]", unit):
        return unit
    lowered = unit.lower()
    if lowered in {"hrs", "hr", "hours", "hour", "h", "seconds", "s"}:
        return "1 Hour"
    if lowered in {"gb-mo", "gib-mo", "gb-month"}:
        return "1 GB/Month"
    if lowered in {"gb", "gib"}:
        return "1 GB"
    return f"1 {unit}" if unit else "1"


def _additional_info(charge: Charge, line: _Line, commitment: dict[str, str]) -> str:
    """AdditionalInfo JSON of VM rows (size, vCPUs; the reservation applied, if any)."""
    if charge.service != "Virtual Machines" or not charge.instance_type or line.charge_type == "Purchase":
        return ""
    info: dict[str, object] = {"UsageType": "ComputeHR", "ImageType": "Canonical",
                               "ServiceType": charge.instance_type, "VMName": None}
    if line.pricing_model == "Reservation":
        info.update({"ReservationOrderId": commitment["order"], "ReservationId": commitment["reservation"],
                     "ConsumptionMeter": charge.sku})
    return json.dumps(info, separators=(",", ":"))


def _product_order_name(charge: Charge, meter_region: str, term: str) -> str:
    if charge.kind == "commitment_fee" and charge.sku_description.startswith(("Reserved", "Compute savings")):
        return charge.sku_description
    years = "3 Years" if term == "36" else "1 Year"
    if charge.commitment_type == "savings_plan":
        return f"Compute savings plan, {years}"
    return f"Reserved VM Instance, {charge.instance_type or charge.sku_description}, {meter_region}, {years}"


def _commitment_ids(charge: Charge, rng_seed: int) -> dict[str, str]:
    """Order id, reservation id, benefit id and name of the commitment behind a row.

    The simulation's commitment id may be a full ARM path or a bare id; both are accepted and
    missing parts are derived deterministically.
    """
    raw = charge.commitment_id
    if not raw:
        return {"order": "", "reservation": "", "reservation_order": "", "benefit_id": "", "name": ""}
    guids = re.findall(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", raw)
    order = guids[0] if len(guids) >= 2 else _guid("order", raw)
    reservation = guids[-1] if guids else _guid("reservation", raw)
    name_source = raw.rstrip("/").rsplit("/", 1)[-1] if not guids else f"{hash_int(rng_seed, raw) % 10000:04d}"
    if charge.commitment_type == "savings_plan":
        benefit = f"/providers/Microsoft.BillingBenefits/savingsPlanOrders/{order}/savingsPlans/{reservation}"
        name = f"Compute_SavingsPlan_{name_source}"
    else:
        benefit = f"/providers/Microsoft.Capacity/reservationOrders/{order}/reservations/{reservation}"
        name = catalog.AZURE_RES_NAME if raw == catalog.AZURE_RES_ID else f"VM_RI_{name_source}"
    return {"order": order, "reservation": reservation, "reservation_order": order,
            "benefit_id": benefit, "name": name}


def _consumed_service(charge: Charge) -> str:
    match = re.search(r"/providers/(Microsoft\.[A-Za-z]+)/", charge.resource_id, re.IGNORECASE)
    if match:
        return match.group(1)
    return SERVICES.get(charge.service, ("", "Microsoft." + charge.service.replace(" ", "")))[1]


def _cased_resource_id(resource_id: str, rng_seed: int) -> str:
    """Resource ids in the casing variety of real exports, stable per resource.

    Most ids come as created; some show the resource group upper-cased, a few the whole id
    (as the fixture's MICROSOFT.KEYVAULT rows). Joins must compare ids case-insensitively.
    """
    if not resource_id:
        return ""
    bucket = hash_int(rng_seed, "casing", resource_id.lower()) % 10
    if bucket == 9:
        return resource_id.upper()
    if bucket >= 7:
        return re.sub(r"(/resourceGroups/)([^/]+)", lambda m: m.group(1) + m.group(2).upper(),
                      resource_id, flags=re.IGNORECASE)
    return resource_id



def _tags_key(tags: dict[str, str]) -> str:
    return json.dumps(tags, sort_keys=True)


# --------------------------------------------------------------------------- small helpers



def _mdy(value: date) -> str:
    return f"{value.month:02d}/{value.day:02d}/{value.year:04d}"


def _period_start(period: str) -> date:
    year, month = map(int, period.split("-"))
    return date(year, month, 1)


def _period_end(period: str) -> date:
    start = _period_start(period)
    return (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def _previous_period(period: str) -> str:
    previous = _period_start(period) - timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


def _invoice_id(account: str, period: str) -> str:
    return f"G{hash_int('invoice', account, period) % 10 ** 9:09d}"


def _mca_code(kind: str, key: str) -> str:
    """MCA profile / invoice section ids look like "NF5V-BI6B-BG7-PGB"."""
    text = _hex(kind, key, 14)
    return f"{text[0:4]}-{text[4:8]}-{text[8:11]}-{text[11:14]}"


def _guid(kind: str, key: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"mlcost:{kind}:{key}"))


def _hex(kind: str, key: str, length: int) -> str:
    return hashlib.sha256(f"{kind}|{key}".encode()).hexdigest()[:length].upper()


