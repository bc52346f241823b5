"""GCP Cloud Billing *detailed usage cost* export, as `bq extract` writes it.

Google only delivers billing data into BigQuery (`gcp_billing_export_resource_v1_<ACCOUNT>`);
teams that analyse it elsewhere extract the table to Cloud Storage. We write what
`bq extract --destination_format NEWLINE_DELIMITED_JSON --compression GZIP` produces, one file
per billing account and invoice month:

    gcp/billing_detailed/invoice_month=YYYYMM/gcp_billing_export_resource_v1_<ACCT_>-000000000000.json.gz

The nested fields follow Google's "Structure of Detailed data export" page. The extract's own
encoding quirks are reproduced on purpose because a loader has to survive them (see
SCHEMAS_gcp_azure.md): NULL fields are left out of the row, TIMESTAMPs are strings like
``2026-10-01 07:00:00 UTC``, NUMERIC values (``price.*``) are JSON strings, and a FLOAT with no
fractional part is written as an integer.

The *standard* usage cost export (``gcp_billing_export_v1_<ACCOUNT>``) can be written too
(``write(..., exports=("standard",))``), to ``gcp/billing_standard/``: the same charges without
``resource`` and ``price``, and, as Google documents, without resource-level rows: rows that
differ only by resource are summed (cost, usage and credits per credit).

Export semantics: ``cost`` is the gross cost and credits are negative amounts in the row's
``credits`` array, so an invoice month totals ``sum(cost) + sum(credits.amount)``.
``billed_total_by_invoice_month`` gives that total from the neutral charges; tests compare it
with ``exported_total_by_invoice_month`` read back from the files.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from .. import catalog
from .common import SortedRuns, as_utc, hash_int

if TYPE_CHECKING:
    from sample_data.model import Charge

VAR_NAME = "mlcost_gcp_billing_detailed"
EXPORT_DIR = Path("gcp") / "billing_detailed"
STANDARD_VAR_NAME = "mlcost_gcp_billing_standard"
STANDARD_EXPORT_DIR = Path("gcp") / "billing_standard"
EXPORTS = ("detailed", "standard")

# Fields the standard export sums over the resources of one SKU, project, labels and hour;
# every other field (but the resource-level ones) identifies the row.
_SUMMED_FIELDS = ("cost", "cost_at_list", "usage", "credits", "export_time")
_DETAILED_ONLY_FIELDS = ("resource", "price")

# Real service ids (they are the same for every billing account).
SERVICE_IDS: dict[str, str] = {
    "Compute Engine": "6F81-5844-456A",
    "Cloud Storage": "95FF-2EF5-5EA1",
    "Vertex AI": "C7E2-9256-1C43",
    "Networking": "E505-1604-58F8",
    "BigQuery": "24E6-581D-38E5",
    "Kubernetes Engine": "CCD8-9BF1-090E",
    "Cloud Logging": "5490-F7B7-8DF6",
}

# Credit types GCP writes into credits[].type.
CREDIT_TYPES = (
    "SUSTAINED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT", "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE",
    "DISCOUNT", "FREE_TIER", "PROMOTION", "SUBSCRIPTION_BENEFIT", "RESELLER_MARGIN",
)

_GIB = 1024 ** 3


@dataclass(frozen=True)
class MachineSpec:
    """What a GPU machine type bills as: cores, RAM and GPUs are separate SKUs on GCP.

    The simulation's catalog is asked first; this table only covers machine types a charge
    may name without the catalog knowing them.
    """

    family: str  # "A2", "A3", "G2": the word in the core/RAM SKU descriptions
    vcpus: int
    memory_gb: float
    gpus: int
    gpu_sku: str  # GPU part of the SKU description
    core_price: float  # on-demand $/vCPU-hour, used only as split weights
    ram_price: float  # $/GB-hour
    gpu_price: float  # $/GPU-hour


_A2 = dict(family="A2", core_price=0.031611, ram_price=0.004237)
_A2_40 = dict(gpu_sku="Nvidia Tesla A100 GPU", gpu_price=2.933908)
_A2_80 = dict(gpu_sku="Nvidia Tesla A100 80GB GPU", gpu_price=3.92808)
_G2 = dict(family="G2", core_price=0.021811, ram_price=0.002556, gpu_sku="Nvidia L4 GPU", gpu_price=0.5599)

MACHINE_SPECS: dict[str, MachineSpec] = {
    **{f"a2-highgpu-{n}g": MachineSpec(vcpus=12 * n, memory_gb=85 * n, gpus=n, **_A2, **_A2_40)
       for n in (1, 2, 4, 8)},
    "a2-megagpu-16g": MachineSpec(vcpus=96, memory_gb=1360, gpus=16, **_A2, **_A2_40),
    **{f"a2-ultragpu-{n}g": MachineSpec(vcpus=12 * n, memory_gb=170 * n, gpus=n, **_A2, **_A2_80)
       for n in (1, 2, 4, 8)},
    "a3-highgpu-8g": MachineSpec(family="A3", vcpus=208, memory_gb=1872, gpus=8,
                                 gpu_sku="Nvidia H100 80GB GPU", core_price=0.0245,
                                 ram_price=0.00213, gpu_price=11.0613),
    **{f"g2-standard-{c}": MachineSpec(vcpus=c, memory_gb=4 * c, gpus=g, **_G2)
       for c, g in ((4, 1), (8, 1), (12, 1), (16, 1), (24, 2), (32, 1), (48, 4), (96, 8))},
}

_COMPONENT_WORDS = re.compile(r"\b(core|ram|gpu|vcpu|memory|nvidia)\b", re.IGNORECASE)

_COUNTRY_BY_REGION_PREFIX = (
    ("us-", "US"), ("northamerica-northeast", "CA"), ("southamerica-east", "BR"),
    ("europe-west1", "BE"), ("europe-west2", "GB"), ("europe-west3", "DE"), ("europe-west4", "NL"),
    ("europe-west9", "FR"), ("europe-north1", "FI"), ("asia-east1", "TW"), ("asia-northeast1", "JP"),
    ("asia-southeast1", "SG"), ("australia-southeast1", "AU"),
)
_MULTI_REGIONS = {"us": "US", "eu": "EU", "asia": "ASIA", "global": ""}


# --------------------------------------------------------------------------- public API


def write(charges: list[Charge], out_dir: Path, rng_seed: int,
          exports: Iterable[str] = ("detailed",)) -> dict[str, str]:
    """Write the GCP charges of ``charges`` as NDJSON.gz exports; return their dbt vars.

    ``exports`` names the BigQuery tables to extract: "detailed" (resource level) and/or
    "standard" (summed over resources). Each var is a glob under ``out_dir`` (relative when
    ``out_dir`` is), or "" when there are no GCP charges, which the dbt project reads as
    "this company has no GCP export".
    """
    stream = ExportStream(out_dir, rng_seed, exports)
    stream.add(charges)
    return stream.finish()


class ExportStream:
    """The GCP exports of charges given batch by batch, with bounded memory: the same files
    as ``build_files`` / ``standard_files`` would give, byte for byte.

    Each batch's rows are rendered to JSON at once and buffered with their file's sort key;
    a full buffer is sorted and spilled to a run file in a temporary folder, and ``finish``
    merges each export file's runs in order into its gzip stream. What depends on every
    charge of a project (its ``project`` struct: labels voted by cost and tags) is
    accumulated as the charges pass, and put in place of a marker when the rows are merged.
    The standard export is summed from the merged detailed rows, one usage hour at a time
    (the hour is part of what identifies a standard row).
    """

    def __init__(self, out_dir: Path, rng_seed: int, exports: Iterable[str] = ("detailed",),
                 spill_rows: int = 200_000) -> None:
        self.exports = tuple(exports)
        unknown = sorted(set(self.exports) - set(EXPORTS))
        if unknown:
            raise ValueError(f"unknown GCP export(s) {unknown}; expected a subset of "
                             f"{list(EXPORTS)}")
        self.out_dir = out_dir
        self.rng_seed = rng_seed
        self.projects = _ProjectVotes()
        # per detailed file: (sort key, project id, row JSON), in sorted runs on disk
        self.rows = SortedRuns(spill_rows, prefix="mlcost-gcp-")

    def add(self, charges: Iterable[Charge]) -> None:
        """Take a batch of charges (other providers' are ignored)."""
        rng_seed, projects = self.rng_seed, self.projects
        for charge in charges:
            if charge.provider != "gcp":
                continue
            projects.add(charge)
            project_id = charge.sub_account_id
            path = (EXPORT_DIR / f"invoice_month={invoice_month(charge)}"
                    / f"{export_table_name(charge.billing_account_id)}-000000000000.json.gz")
            marker = _project_marker(project_id) if project_id else None
            for index, row in enumerate(rows_for_charge(charge, marker, rng_seed)):
                sort_key = (row["usage_start_time"], project_id, row["service"]["description"],
                            row["sku"]["id"], charge.resource_id, charge.line_key, index)
                self.rows.append(path, (sort_key, project_id, _json_line(row)))
        self.rows.spill_if_full()

    def finish(self) -> dict[str, str]:
        """Write the export files; return their dbt vars (see ``write``)."""
        records = self.projects.records(self.rng_seed)
        replace = {project_id: (json.dumps(_project_marker(project_id), ensure_ascii=False),
                                json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                   for project_id, record in records.items()}
        paths = self.rows.keys()
        for path in paths:
            lines = self._merged(path, replace)
            if "standard" in self.exports:
                detailed, standard = _tee_standard(lines)
            else:
                detailed, standard = lines, None
            sinks = [_GzipSink(self.out_dir / path)] if "detailed" in self.exports else []
            standard_sink = None
            for line in detailed:
                for sink in sinks:
                    sink.write(line)
                if standard is not None:
                    for standard_line in standard.take():
                        if standard_sink is None:
                            account = json.loads(standard_line)["billing_account_id"]
                            standard_sink = _GzipSink(
                                self.out_dir / STANDARD_EXPORT_DIR
                                / path.relative_to(EXPORT_DIR).parent
                                / f"{standard_table_name(account)}-000000000000.json.gz")
                        standard_sink.write(standard_line)
            if standard is not None:
                for standard_line in standard.finish():
                    standard_sink.write(standard_line)
            for sink in sinks + ([standard_sink] if standard_sink else []):
                sink.close()
        self.rows.close()
        written: dict[str, str] = {}
        for export, var_name, export_dir in (("detailed", VAR_NAME, EXPORT_DIR),
                                             ("standard", STANDARD_VAR_NAME,
                                              STANDARD_EXPORT_DIR)):
            if export in self.exports:
                written[var_name] = (str(self.out_dir / export_dir / "invoice_month=*"
                                         / "*.json.gz") if paths else "")
        return written

    def _merged(self, path: Path, replace: dict[str, tuple[str, str]]) -> Iterator[str]:
        """The file's row lines in sort order, projects in place of their markers."""
        for _, project_id, line in self.rows.merged(path):
            if project_id:
                marker, text = replace[project_id]
                line = line.replace(marker, text, 1)
            yield line


def _project_marker(project_id: str) -> str:
    """What a row's ``project`` holds until the project's labels are known."""
    return f"\x00project:{project_id}\x00"


def _json_line(row: dict[str, Any]) -> str:
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n"


class _GzipSink:
    """A gzip NDJSON file written as a stream: the same bytes as ``_gzip_ndjson`` of all of
    its rows at once (zlib's gzip header, mtime 0, level 6)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = path.open("wb")
        self.zip = zlib.compressobj(6, zlib.DEFLATED, 31)
        self.pending: list[str] = []
        self.size = 0

    def write(self, line: str) -> None:
        self.pending.append(line)
        self.size += len(line)
        if self.size >= 1 << 20:
            self._drain()

    def _drain(self) -> None:
        self.handle.write(self.zip.compress("".join(self.pending).encode("utf-8")))
        self.pending, self.size = [], 0

    def close(self) -> None:
        self._drain()
        self.handle.write(self.zip.flush())
        self.handle.close()


class _StandardRows:
    """Standard export lines summed from detailed lines fed in their file's order: rows of
    one usage hour are complete once a later hour starts."""

    def __init__(self) -> None:
        self.hour: str | None = None
        self.rows: list[dict[str, Any]] = []
        self.ready: list[str] = []

    def feed(self, line: str) -> None:
        row = json.loads(line)
        if row["usage_start_time"] != self.hour:
            self._close_hour()
            self.hour = row["usage_start_time"]
        self.rows.append(row)

    def _close_hour(self) -> None:
        if self.rows:
            self.ready.extend(_json_line(row) for row in _standard_rows(self.rows))
            self.rows = []

    def take(self) -> list[str]:
        ready, self.ready = self.ready, []
        return ready

    def finish(self) -> list[str]:
        self._close_hour()
        return self.take()


def _tee_standard(lines: Iterator[str]) -> tuple[Iterator[str], _StandardRows]:
    standard = _StandardRows()

    def detailed() -> Iterator[str]:
        for line in lines:
            standard.feed(line)
            yield line
    return detailed(), standard


def build_files(charges: Iterable[Charge], rng_seed: int) -> dict[Path, list[dict[str, Any]]]:
    """Rows of every export file, keyed by path relative to the output directory.

    Pure (no I/O) so tests and the truth builder can inspect rows without unzipping files.
    """
    gcp = [c for c in charges if c.provider == "gcp"]
    projects = _project_records(gcp, rng_seed)
    keyed: dict[Path, list[tuple[tuple, dict[str, Any]]]] = defaultdict(list)
    for charge in gcp:
        month = invoice_month(charge)
        path = (EXPORT_DIR / f"invoice_month={month}"
                / f"{export_table_name(charge.billing_account_id)}-000000000000.json.gz")
        for index, row in enumerate(rows_for_charge(charge, projects.get(charge.sub_account_id), rng_seed)):
            sort_key = (row["usage_start_time"], charge.sub_account_id, row["service"]["description"],
                        row["sku"]["id"], charge.resource_id, charge.line_key, index)
            keyed[path].append((sort_key, row))
    return {path: [row for _, row in sorted(pairs, key=lambda p: p[0])] for path, pairs in keyed.items()}


def standard_files(detailed: dict[Path, list[dict[str, Any]]]) -> dict[Path, list[dict[str, Any]]]:
    """The standard export of the same charges, from the detailed files' rows.

    The standard table has no ``resource`` or ``price`` and no resource-level rows: rows
    equal in every other field (SKU, project, labels, system labels, location, hour, cost
    type, ...) are one row whose cost, cost at list, usage and credits (per credit name, id
    and type) are summed, with the latest export time. Invoice totals are unchanged.
    """
    out: dict[Path, list[dict[str, Any]]] = {}
    for path, rows in detailed.items():
        account = rows[0]["billing_account_id"]
        out[STANDARD_EXPORT_DIR / path.relative_to(EXPORT_DIR).parent
            / f"{standard_table_name(account)}-000000000000.json.gz"] = _standard_rows(rows)
    return out


def _standard_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The standard rows of detailed rows (of one file, or one usage hour of it), in the
    order their first detailed row comes."""
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        identity = {k: v for k, v in row.items()
                    if k not in _SUMMED_FIELDS and k not in _DETAILED_ONLY_FIELDS}
        key = json.dumps(identity, sort_keys=True)
        if key not in groups:
            groups[key] = {**identity, "cost": 0.0, "cost_at_list": 0.0,
                           "usage": {**row["usage"], "amount": 0.0, "amount_in_pricing_units": 0.0},
                           "credits": {}, "export_time": row["export_time"]}
        merged = groups[key]
        merged["cost"] += float(row.get("cost", 0))
        merged["cost_at_list"] += float(row.get("cost_at_list", 0))
        merged["usage"]["amount"] += float(row["usage"].get("amount", 0))
        merged["usage"]["amount_in_pricing_units"] += float(
            row["usage"].get("amount_in_pricing_units", 0))
        merged["export_time"] = max(merged["export_time"], row["export_time"])
        for credit in row.get("credits", []):
            credit_key = (credit.get("name"), credit.get("id"), credit.get("full_name"),
                          credit.get("type"))
            if credit_key not in merged["credits"]:
                merged["credits"][credit_key] = {**credit, "amount": 0.0}
            merged["credits"][credit_key]["amount"] += float(credit.get("amount", 0))
    standard_rows = []
    for merged in groups.values():
        row = {field: merged[field] for field in _standard_field_order(merged)}
        row["cost"] = bq_float(merged["cost"])
        row["cost_at_list"] = bq_float(merged["cost_at_list"])
        row["usage"] = {**merged["usage"], "amount": bq_float(merged["usage"]["amount"]),
                        "amount_in_pricing_units": bq_float(
                            merged["usage"]["amount_in_pricing_units"])}
        row["credits"] = [{**c, "amount": bq_float(c["amount"])}
                          for c in merged["credits"].values()]
        standard_rows.append(row)
    return standard_rows


def _standard_field_order(merged: dict[str, Any]) -> list[str]:
    """The detailed row's field order, without the resource-level fields."""
    order = ["billing_account_id", "service", "sku", "usage_start_time", "usage_end_time",
             "project", "labels", "system_labels", "location", "tags", "subscription",
             "transaction_type", "seller_name", "export_time", "cost", "cost_at_list", "currency",
             "currency_conversion_rate", "usage", "credits", "invoice", "cost_type",
             "adjustment_info"]
    return [field for field in order if field in merged] + [
        field for field in merged if field not in order]


def standard_table_name(billing_account_id: str) -> str:
    """BigQuery table of the standard export: dashes of the account id become underscores."""
    return "gcp_billing_export_v1_" + billing_account_id.replace("-", "_")


def export_table_name(billing_account_id: str) -> str:
    """BigQuery table of the detailed export: dashes of the account id become underscores."""
    return "gcp_billing_export_resource_v1_" + billing_account_id.replace("-", "_")


def invoice_month(charge: Charge) -> str:
    """Invoice month ("YYYYMM") of a GCP charge.

    Google invoices in US Pacific time, so the first UTC hours of a month belong to the previous
    month's invoice. Using the charge's midpoint keeps a daily charge aligned to a UTC day in the
    month of that day while an hourly charge at 03:00 UTC on the 1st goes to the previous month,
    as on a real invoice.
    """
    midpoint = charge.charge_start + (charge.charge_end - charge.charge_start) / 2
    local = as_utc(midpoint) + timedelta(hours=_pacific_offset_hours(as_utc(midpoint)))
    return f"{local.year:04d}{local.month:02d}"


def billing_period(charge: Charge) -> str:
    """The invoice month as "YYYY-MM", the period key the ground truth uses for every cloud."""
    month = invoice_month(charge)
    return f"{month[:4]}-{month[4:]}"


def billed_total_by_invoice_month(charges: Iterable[Charge]) -> dict[tuple[str, str], float]:
    """Sum of billed_cost per (billing account, invoice month) over the GCP charges.

    This is what ``sum(cost) + sum(credits.amount)`` of the written files equals; the ground
    truth should use it so that it counts GCP months the way the invoice does.
    """
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for charge in charges:
        if charge.provider == "gcp":
            totals[(charge.billing_account_id, invoice_month(charge))] += charge.billed_cost
    return dict(totals)


def exported_total_by_invoice_month(out_dir: Path, export_dir: Path = EXPORT_DIR
                                    ) -> dict[tuple[str, str], float]:
    """Invoice total ``sum(cost) + sum(credits.amount)`` per (account, month) read from files
    of one export (the detailed one unless ``export_dir`` says otherwise)."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for path in sorted((out_dir / export_dir).glob("invoice_month=*/*.json.gz")):
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                key = (row["billing_account_id"], row["invoice"]["month"])
                totals[key] += row_invoice_amount(row)
    return dict(totals)


def row_invoice_amount(row: dict[str, Any]) -> float:
    """What one export row adds to the invoice: gross cost plus its (negative) credits."""
    return float(row.get("cost", 0)) + sum(float(c.get("amount", 0)) for c in row.get("credits", []))


# --------------------------------------------------------------------------- one charge -> rows


@dataclass(frozen=True)
class _Line:
    """One SKU line of a charge: a VM hour is three lines (cores, RAM, GPUs) on GCP."""

    sku_id: str
    sku_description: str
    weight: float  # share of the charge's costs
    usage_amount: float
    usage_unit: str
    pricing_amount: float
    pricing_unit: str
    credit_label: str  # "CPU" | "RAM" | "GPU" | "" for CUD credit names


def rows_for_charge(charge: Charge, project: dict[str, Any] | None, rng_seed: int) -> list[dict[str, Any]]:
    """Export rows for one neutral charge; their invoice amounts sum to ``charge.billed_cost``."""
    if charge.kind == "commitment_negation":
        raise ValueError(
            f"charge {charge.line_key}: 'commitment_negation' is AWS-only (SavingsPlanNegation); "
            "GCP shows CUD savings as credits on the usage row, so emit 'commitment_usage' instead")
    if charge.kind not in {"usage", "commitment_usage", "commitment_fee", "credit", "refund", "tax"}:
        raise ValueError(f"charge {charge.line_key}: unknown kind {charge.kind!r}; expected one of "
                         "usage, commitment_usage, commitment_fee, credit, refund, tax")
    lines = _split_lines(charge)
    billed = _split_amount(charge.billed_cost, [line.weight for line in lines])
    listed = _split_amount(charge.list_cost, [line.weight for line in lines])
    rows = []
    for line, billed_part, list_part in zip(lines, billed, listed):
        cost, cost_at_list, credits = _cost_and_credits(charge, line, billed_part, list_part)
        rows.append(_row(charge, project, line, cost, cost_at_list, credits, rng_seed))
    return rows


def _cost_and_credits(charge: Charge, line: _Line, billed: float, listed: float
                      ) -> tuple[float, float, list[dict[str, Any]]]:
    """Gross cost, cost at list and credits of one line, such that cost + credits == billed."""
    if charge.kind == "commitment_usage":
        gross = max(listed, billed)
        credits = []
        if billed - gross != 0:
            credits.append(_cud_credit(charge, line, billed - gross))
        return gross, max(listed, gross), credits
    if charge.kind == "credit":
        return 0.0, 0.0, [_plain_credit(charge, billed)]
    if charge.kind in {"refund", "tax"}:
        return billed, billed, []
    return billed, listed if listed else billed, []


def _cud_credit(charge: Charge, line: _Line, amount: float) -> dict[str, Any]:
    """Committed use discount credit: resource-based on Compute Engine, spend-based elsewhere."""
    if charge.service == "Compute Engine":
        label = line.credit_label or "CPU"
        return {"name": f"Committed Usage Discount: {label}", "amount": amount, "full_name": None,
                "id": f"CommittedUsageDiscount{label}", "type": "COMMITTED_USAGE_DISCOUNT"}
    return {"name": f"Committed use discount - dollar based: {charge.service}", "amount": amount,
            "full_name": charge.commitment_id or None,
            "id": f"CommittedUsageDiscountDollarBase:{charge.service}",
            "type": "COMMITTED_USAGE_DISCOUNT_DOLLAR_BASE"}


def _plain_credit(charge: Charge, amount: float) -> dict[str, Any]:
    """A credit charge: its type is read off the description, PROMOTION when it says nothing."""
    text = charge.sku_description.lower()
    credit_type = next((t for t in CREDIT_TYPES if t.lower().replace("_", " ") in text), None)
    if credit_type is None:
        credit_type = ("FREE_TIER" if "free tier" in text else "SUSTAINED_USAGE_DISCOUNT"
                       if "sustained" in text else "PROMOTION")
    credit_id = (f"FreeTrial:Credit-{charge.billing_account_id}" if credit_type == "PROMOTION"
                 else charge.sku_description.replace(" ", ""))
    name = credit_id if credit_type == "PROMOTION" else charge.sku_description
    return {"name": name, "amount": amount, "full_name": None, "id": credit_id, "type": credit_type}


def _split_lines(charge: Charge) -> list[_Line]:
    """The SKU lines of a charge: whole-VM charges of known GPU machines become core/RAM/GPU.

    A charge whose description already names a component ("... Core running in ...") is kept
    as one line, so the simulation may emit either whole VMs or per-SKU charges.
    """
    spec = machine_spec(charge.instance_type)
    is_vm_usage = (charge.kind in {"usage", "commitment_usage"}
                   and charge.service in {"Compute Engine", "Vertex AI"})
    if spec is None or not is_vm_usage or _COMPONENT_WORDS.search(charge.sku_description):
        return [_single_line(charge)]
    hours = _hours(charge.usage_amount, charge.usage_unit)
    seconds = hours * 3600
    geo = _sku_geo(charge.region)
    spot = "Spot Preemptible " if charge.pricing == "spot" else ""
    prefix = "Custom model training " if charge.service == "Vertex AI" else ""
    parts = [
        (f"{prefix}{spot}{spec.family} Instance Core running in {geo}", spec.vcpus * spec.core_price,
         spec.vcpus * seconds, "seconds", spec.vcpus * hours, "hour", "CPU"),
        (f"{prefix}{spot}{spec.family} Instance Ram running in {geo}", spec.memory_gb * spec.ram_price,
         spec.memory_gb * _GIB * seconds, "byte-seconds", spec.memory_gb * hours, "gibibyte hour", "RAM"),
    ]
    if spec.gpus:
        parts.append((f"{prefix}{spot}{spec.gpu_sku} running in {geo}", spec.gpus * spec.gpu_price,
                      spec.gpus * seconds, "seconds", spec.gpus * hours, "hour", "GPU"))
    total_weight = sum(p[1] for p in parts)
    return [_Line(sku_id=sku_id_for(desc), sku_description=desc, weight=w / total_weight,
                  usage_amount=amount, usage_unit=unit, pricing_amount=p_amount, pricing_unit=p_unit,
                  credit_label=label)
            for desc, w, amount, unit, p_amount, p_unit, label in parts]


def machine_spec(instance_type: str) -> MachineSpec | None:
    """Cores, RAM and GPUs of a GCP machine type: the simulation's catalog first, then ours."""
    known = catalog.INSTANCE_TYPES.get(("gcp", instance_type))
    if known is not None and known.series:
        return MachineSpec(family=known.series, vcpus=known.vcpu, memory_gb=known.memory_gib,
                           gpus=known.gpus, gpu_sku=known.gpu_sku_name, core_price=known.core_rate,
                           ram_price=known.ram_rate, gpu_price=known.gpu_rate)
    return MACHINE_SPECS.get(instance_type)


def _single_line(charge: Charge) -> _Line:
    amount, unit, pricing_amount, pricing_unit = _usage_units(charge)
    text = charge.sku_description.lower()
    label = "GPU" if ("gpu" in text or "nvidia" in text) else "RAM" if "ram" in text else "CPU"
    return _Line(sku_id=charge.sku or sku_id_for(charge.sku_description),
                 sku_description=charge.sku_description, weight=1.0, usage_amount=amount,
                 usage_unit=unit, pricing_amount=pricing_amount, pricing_unit=pricing_unit,
                 credit_label=label)


def _usage_units(charge: Charge) -> tuple[float, str, float, str]:
    """(usage.amount, usage.unit, amount_in_pricing_units, pricing_unit) in GCP's units.

    GCP meters in base units (seconds, bytes, byte-seconds) and prices in hours and gibibytes.
    """
    amount, unit = charge.usage_amount, charge.usage_unit
    if charge.kind in {"credit", "refund", "tax"}:
        return 0.0, "seconds" if _is_hours(unit) else "bytes", 0.0, "hour" if _is_hours(unit) else "gibibyte"
    if _is_hours(unit) or unit.lower() in {"seconds", "s"}:
        hours = _hours(amount, unit)
        return hours * 3600, "seconds", hours, "hour"
    if unit.lower() in {"gb-mo", "gib-mo", "gb-month", "gibibyte month"}:
        month_seconds = _days_in_month(charge.charge_start) * 86400
        return amount * _GIB * month_seconds, "byte-seconds", amount, "gibibyte month"
    if unit.lower() in {"gb", "gib", "gibibyte"}:
        return amount * _GIB, "bytes", amount, "gibibyte"
    if unit.lower() in {"gibibyte hour", "gib-hrs", "gb-hrs"}:
        return amount * _GIB * 3600, "byte-seconds", amount, "gibibyte hour"
    return amount, unit, amount, unit


def _row(charge: Charge, project: dict[str, Any] | None, line: _Line, cost: float,
         cost_at_list: float, credits: list[dict[str, Any]], rng_seed: int) -> dict[str, Any]:
    """One export row, fields in the BigQuery table's order, NULL fields left out."""
    cost_type = {"tax": "tax", "refund": "adjustment"}.get(charge.kind, "regular")
    priced = cost_type == "regular" and charge.kind != "credit" and line.pricing_amount > 0
    row: dict[str, Any] = {
        "billing_account_id": charge.billing_account_id,
        "service": {"id": catalog.GCP_SERVICES.get(charge.service) or SERVICE_IDS.get(
                        charge.service, sku_id_for("service:" + charge.service)),
                    "description": charge.service},
        "sku": {"id": line.sku_id, "description": line.sku_description},
        "usage_start_time": bq_timestamp(charge.charge_start),
        "usage_end_time": bq_timestamp(charge.charge_end),
        "project": project,
        "labels": gcp_labels(charge.tags),
        "system_labels": _system_labels(charge),
        "location": _location(charge),
        "resource": ({"name": charge.resource_name or charge.resource_id.rsplit("/", 1)[-1],
                      "global_name": charge.resource_id} if charge.resource_id else None),
        "tags": [],
        "price": ({"effective_price": bq_numeric(_effective_price(charge, line, cost)),
                   "tier_start_amount": "0",
                   "unit": line.pricing_unit, "pricing_unit_quantity": "1"} if priced else None),
        "subscription": ({"instance_id": charge.commitment_id}
                         if charge.kind == "commitment_fee" and charge.commitment_id else None),
        "transaction_type": "GOOGLE",
        "seller_name": "Google",
        "export_time": bq_timestamp(_export_time(charge, rng_seed)),
        "cost": bq_float(cost),
        "cost_at_list": bq_float(cost_at_list),
        "currency": charge.currency,
        "currency_conversion_rate": bq_float(1.0),
        "usage": {"amount": bq_float(line.usage_amount), "unit": line.usage_unit,
                  "amount_in_pricing_units": bq_float(line.pricing_amount), "pricing_unit": line.pricing_unit},
        "credits": [{**c, "amount": bq_float(c["amount"])} for c in credits],
        "invoice": {"month": invoice_month(charge), "publisher_type": "Google"},
        "cost_type": cost_type,
        "adjustment_info": _adjustment_info(charge) if charge.kind == "refund" else None,
    }
    return drop_nulls(row)


def _effective_price(charge: Charge, line: _Line, cost: float) -> float:
    """Rate per pricing unit of the row's ``cost``: the price-list rate the simulation states,
    or cost / amount for lines split out of a whole-VM charge (their rates are not stated)."""
    rate = charge.list_unit_price if charge.kind == "commitment_usage" else charge.unit_price
    if charge.usage_unit.lower() in {"seconds", "s"}:
        rate *= 3600
    if line.weight == 1.0 and rate and abs(rate * line.pricing_amount - cost) <= 1e-6 * max(1.0, abs(cost)):
        return rate
    return cost / line.pricing_amount


def _adjustment_info(charge: Charge) -> dict[str, Any]:
    return {"id": _hex_id("adjustment", charge.line_key, 12).lower(),
            "description": charge.sku_description or "Goodwill credit",
            "mode": "MANUAL_ADJUSTMENT",
            "type": "SLA_VIOLATION" if re.search(r"\bsla\b", charge.sku_description, re.I) else "GOODWILL"}


def _system_labels(charge: Charge) -> list[dict[str, str]]:
    """Machine labels Compute Engine adds to VM rows (what the VM is, whatever the user tags)."""
    if not charge.instance_type or charge.kind not in {"usage", "commitment_usage"}:
        return []
    labels = [{"key": "compute.googleapis.com/machine_spec", "value": charge.instance_type}]
    spec = machine_spec(charge.instance_type)
    if spec is not None:
        labels += [{"key": "compute.googleapis.com/cores", "value": str(spec.vcpus)},
                   {"key": "compute.googleapis.com/memory", "value": str(int(spec.memory_gb * 1024))}]
    return labels


def _location(charge: Charge) -> dict[str, Any]:
    region = charge.region or "global"
    if region in _MULTI_REGIONS:
        return {"location": region, "country": _MULTI_REGIONS[region] or None, "region": None, "zone": None}
    country = next((c for prefix, c in _COUNTRY_BY_REGION_PREFIX if region.startswith(prefix)), None)
    zone = charge.availability_zone or None
    return {"location": zone or region, "country": country, "region": region, "zone": zone}


# --------------------------------------------------------------------------- projects and labels


def gcp_labels(tags: dict[str, str]) -> list[dict[str, str]]:
    """User tags as GCP labels: GCP only accepts lowercase keys and values of [a-z0-9_-].

    So "Team" arrives as "team" and "CostCenter" as "costcenter"; spelling variants the user
    really typed ("team_name", "cost-center" vs "cost_center") and empty values survive, which
    is exactly what a label-based attribution has to cope with.
    """
    labels: dict[str, str] = {}
    for key, value in tags.items():
        clean_key = _label_text(key)[:63]
        if clean_key and clean_key not in labels:
            labels[clean_key] = _label_text(value)[:63]
    return [{"key": k, "value": v} for k, v in labels.items()]


def _label_text(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "_", text.strip().lower())


def _project_records(charges: list[Charge], rng_seed: int) -> dict[str, dict[str, Any]]:
    """The ``project`` struct of each project, labelled with its owning team and environment.

    Labels sit on every project so that an attribution can inherit them when a resource has
    none: team is the team owning most of the project's cost, environment the most common
    ``env``/``environment`` tag (or a word in the project id).
    """
    votes = _ProjectVotes()
    for charge in charges:
        votes.add(charge)
    return votes.records(rng_seed)


class _ProjectVotes:
    """What the ``project`` structs depend on, accumulated one charge at a time."""

    def __init__(self) -> None:
        self.team_cost: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.env_votes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.names: dict[str, str] = {}
        self.accounts: dict[str, str] = {}

    def add(self, charge: Charge) -> None:
        project_id = charge.sub_account_id
        if not project_id:
            return
        if project_id not in self.names:
            self.names[project_id] = charge.sub_account_name or project_id
            self.accounts[project_id] = charge.billing_account_id
        if charge.owner_team:
            self.team_cost[project_id][charge.owner_team] += abs(charge.billed_cost)
        for key, value in charge.tags.items():
            if key.lower() in {"env", "environment"} and value:
                self.env_votes[project_id][_label_text(value)] += 1

    def records(self, rng_seed: int) -> dict[str, dict[str, Any]]:
        team_cost, env_votes, accounts = self.team_cost, self.env_votes, self.accounts
        records = {}
        for project_id, name in self.names.items():
            if project_id in catalog.GCP_PROJECTS:
                records[project_id] = _catalog_project(project_id)
                continue
            org = _digits("org", accounts[project_id], 12, rng_seed)
            folder = _digits("folder", project_id.split("-")[0], 12, rng_seed)
            number = _digits("project", project_id, 12, rng_seed)
            labels = []
            if team_cost[project_id]:
                team = max(sorted(team_cost[project_id]), key=lambda t: team_cost[project_id][t])
                labels.append({"key": "team", "value": _label_text(team)})
            labels.append({"key": "environment",
                           "value": _project_environment(project_id, env_votes[project_id])})
            records[project_id] = {
                "id": project_id,
                "number": number,
                "name": name,
                "labels": labels,
                "ancestry_numbers": f"/{org}/{folder}/{number}/",
                "ancestors": [
                    {"resource_name": f"projects/{number}", "display_name": name},
                    {"resource_name": f"folders/{folder}",
                     "display_name": project_id.split("-")[0]},
                    {"resource_name": f"organizations/{org}",
                     "display_name": catalog.EMAIL_DOMAIN},
                ],
            }
        return records


def _catalog_project(project_id: str) -> dict[str, Any]:
    """The ``project`` struct of a project the simulation's catalog defines (its labels as set)."""
    known = catalog.GCP_PROJECTS[project_id]
    ancestry = [part for part in known["ancestry_numbers"].split("/") if part]
    org = ancestry[0]
    folders = [part for part in ancestry[1:] if part != known["number"]]
    ancestors = [{"resource_name": f"projects/{known['number']}", "display_name": known["name"]}]
    ancestors += [{"resource_name": f"folders/{folder}", "display_name": f"folder-{folder[-4:]}"}
                  for folder in reversed(folders)]
    ancestors.append({"resource_name": f"organizations/{org}", "display_name": catalog.EMAIL_DOMAIN})
    return {"id": project_id, "number": known["number"], "name": known["name"],
            "labels": gcp_labels(known.get("labels", {})),
            "ancestry_numbers": known["ancestry_numbers"], "ancestors": ancestors}


def _project_environment(project_id: str, votes: dict[str, int]) -> str:
    if votes:
        return max(sorted(votes), key=lambda v: votes[v])
    words = set(project_id.lower().split("-"))
    for word, env in (("prod", "prod"), ("dev", "dev"), ("staging", "staging"), ("stg", "staging"),
                      ("sandbox", "sandbox"), ("research", "research")):
        if word in words:
            return env
    return "prod"


# --------------------------------------------------------------------------- encoding helpers


def bq_timestamp(value: datetime) -> str:
    """TIMESTAMP as bq extract writes it: "2026-10-01 07:00:00 UTC", fraction only when non-zero."""
    utc = as_utc(value)
    text = utc.strftime("%Y-%m-%d %H:%M:%S")
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + " UTC"


def bq_float(value: float) -> float | int:
    """FLOAT as bq extract writes it: an integral value has no fraction ("cost":0, not 0.0)."""
    if value == 0:
        return 0
    if float(value).is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return float(value)


def bq_numeric(value: float) -> str:
    """NUMERIC (scale 9) as a JSON string, as the JSON extract encodes exact decimals."""
    quantized = Decimal(repr(float(value))).quantize(Decimal("1e-9"))
    text = format(quantized.normalize(), "f")
    return "0" if text in {"-0", "0"} else text


def drop_nulls(value: Any) -> Any:
    """Leave NULL fields out, as the BigQuery JSON extract does (arrays stay, even empty)."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


def sku_id_for(description: str) -> str:
    """A SKU id in GCP's shape ("8E1D-9DF4-F38B"), the one the catalog gives the description."""
    return catalog.gcp_sku_id(description)


def _gzip_ndjson(rows: list[dict[str, Any]]) -> bytes:
    """Rows as gzip NDJSON; mtime 0 and no file name so equal rows give equal bytes."""
    text = "".join(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n" for row in rows)
    return gzip.compress(text.encode("utf-8"), compresslevel=6, mtime=0)


def _export_time(charge: Charge, rng_seed: int) -> datetime:
    """When the row landed in BigQuery: a few hours after usage ended, never wall-clock time."""
    delay_ms = 2 * 3600_000 + hash_int(rng_seed, "export_time", charge.line_key) % (8 * 3600_000)
    return as_utc(charge.charge_end) + timedelta(milliseconds=delay_ms)


def _split_amount(total: float, weights: list[float]) -> list[float]:
    """Split ``total`` by weights; the last part takes the remainder so parts sum to total."""
    if len(weights) == 1:
        return [total]
    parts = [total * w for w in weights[:-1]]
    return parts + [total - sum(parts)]


def _sku_geo(region: str) -> str:
    if region.startswith(("us-", "northamerica-", "southamerica-")) or region in {"us", ""}:
        return "Americas"
    if region.startswith(("europe-", "me-", "africa-")) or region == "eu":
        return "EMEA"
    return "APAC"


def _is_hours(unit: str) -> bool:
    return unit.lower() in {"hrs", "hr", "hours", "hour", "h"}


def _hours(amount: float, unit: str) -> float:
    return amount / 3600 if unit.lower() in {"seconds", "s"} else amount


def _days_in_month(value: datetime) -> int:
    first = value.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (first + timedelta(days=32)).replace(day=1)
    return (following - first).days



def _pacific_offset_hours(utc: datetime) -> int:
    """US Pacific offset: -7 from the 2nd Sunday of March 10:00 UTC to the 1st Sunday of
    November 09:00 UTC, else -8. Written out so no tz database is needed for determinism."""
    def nth_sunday(month: int, n: int) -> datetime:
        first = datetime(utc.year, month, 1, tzinfo=timezone.utc)
        return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))
    dst_start = nth_sunday(3, 2) + timedelta(hours=10)
    dst_end = nth_sunday(11, 1) + timedelta(hours=9)
    return -7 if dst_start <= utc < dst_end else -8



def _digits(kind: str, key: str, length: int, rng_seed: int) -> str:
    value = hash_int(rng_seed, kind, key) % (9 * 10 ** (length - 1)) + 10 ** (length - 1)
    return str(value)


def _hex_id(kind: str, key: str, length: int) -> str:
    return hashlib.sha256(f"{kind}|{key}".encode()).hexdigest()[:length].upper()
