"""The bad-input corpus: small exports, each broken (or odd) in one way, written from code.

Every case owns its billing account (AWS payer, GCP billing account, Azure billing account)
or its job ids, so one dbt build over all of them can be checked case by case. A case says
what must happen: `quarantine` (rows go to a quarantine mart with a reason containing
`reason`), `kept` (rows reach the marts, `check` says how), or `error` (scripts/validate.py
stops before dbt with a message naming the file, the column or problem, `message`).
The table in README.md lists the same cases.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from bad_inputs import faults

# Where each format's files go in the corpus folder, and the var that reads them.
FORMAT_DIRS = {
    # `**`: a legacy CUR delivery is an assembly folder (case aws_assembly_redelivered).
    "aws": ("aws_cur", "mlcost_aws_cur_legacy_csv", "**/*.csv*"),
    "gcp": ("gcp", "mlcost_gcp_billing_detailed", "*.json"),
    "azure": ("azure_ea", "mlcost_azure_ea_actual", "**/*.csv"),
    "azure_mca": ("azure_mca", "mlcost_azure_mca_actual", "**/*.csv"),
    "jobs": ("ml_jobs/jobs", "mlcost_ml_jobs", "*.csv"),
    "attempts": ("ml_jobs/attempts", "mlcost_ml_job_attempts", "*.csv"),
    "nodes": ("ml_jobs/nodes", "mlcost_ml_attempt_nodes", "*.csv"),
    "metrics": ("ml_jobs/metric_history", "mlcost_ml_metric_history", "*.csv"),
}

AWS_HEADER = [
    "identity/LineItemId", "identity/TimeInterval", "bill/PayerAccountId",
    "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageAccountId",
    "lineItem/LineItemType", "lineItem/UsageStartDate", "lineItem/UsageEndDate",
    "lineItem/ProductCode", "lineItem/UsageType", "lineItem/ResourceId",
    "lineItem/UsageAmount", "lineItem/CurrencyCode", "lineItem/UnblendedCost", "pricing/unit",
    "product/instanceType", "resourceTags/user:team",
]
AZURE_HEADER = [
    "BillingAccountId", "BillingPeriodStartDate", "BillingPeriodEndDate", "SubscriptionId",
    "Date", "MeterId", "MeterCategory", "PartNumber", "Quantity", "UnitOfMeasure",
    "UnitPrice", "EffectivePrice", "PayGPrice", "Cost", "BillingCurrency", "ResourceId",
    "Tags", "ChargeType",
]
JOB_HEADER = ["job_id", "job_type", "provider", "instance_type", "status", "submitted_at"]
ATTEMPT_HEADER = ["attempt_id", "job_id", "attempt_number", "status", "started_at",
                  "ended_at"]
NODE_HEADER = ["attempt_id", "node_index", "resource_id", "instance_type", "gpus_used"]
METRIC_HEADER = ["attempt_id", "metric_name", "step", "value", "logged_at"]


@dataclass
class Case:
    name: str
    what: str
    behaviour: str  # quarantine | kept | error
    expected: str  # one line for the README table
    write: Callable[[Path, "Case"], list[Path]]
    account: str = ""
    provider: str = ""
    reason: str = ""  # quarantine: substring of x_quarantine_reason
    message: list[str] = field(default_factory=list)  # error: substrings of the message
    # Lines the case delivers and their parseable billed cost: what must come out.
    lines_in: int = 0
    cost_in: Decimal = Decimal(0)
    quarantined: int = 0
    # Lines (and their billed cost) of deliveries a newer delivery replaced: a third
    # outcome besides kept and quarantined, listed in rpt_billing_deliveries.
    superseded: int = 0
    superseded_cost: Decimal = Decimal(0)
    # Data tests the case makes fail on purpose (besides the quarantine share test).
    fails_tests: tuple[str, ...] = ()
    check: Callable | None = None  # kept: extra assertion over the built database
    variables: dict = field(default_factory=dict)  # dbt vars the case needs in the build


# --- writers ---------------------------------------------------------------------------------

def aws_line(account: str, number: int, **values: str) -> dict[str, str]:
    row = {
        "identity/LineItemId": f"li-{account}-{number:03d}",
        "identity/TimeInterval": "2026-10-05T00:00:00Z/2026-10-05T01:00:00Z",
        "bill/PayerAccountId": account,
        "bill/BillingPeriodStartDate": "2026-10-01T00:00:00Z",
        "bill/BillingPeriodEndDate": "2026-11-01T00:00:00Z",
        "lineItem/UsageAccountId": "345678901234",
        "lineItem/LineItemType": "Usage",
        "lineItem/UsageStartDate": "2026-10-05T00:00:00Z",
        "lineItem/UsageEndDate": "2026-10-05T01:00:00Z",
        "lineItem/ProductCode": "AmazonEC2",
        "lineItem/UsageType": "USE1-BoxUsage:g5.xlarge",
        "lineItem/ResourceId": f"i-{account}{number:03d}",
        "lineItem/UsageAmount": "1",
        "lineItem/CurrencyCode": "USD",
        "lineItem/UnblendedCost": "1.006",
        "pricing/unit": "Hrs",
        "product/instanceType": "g5.xlarge",
        "resourceTags/user:team": "nlp",
    }
    row.update(values)
    return row


def csv_text(header: list[str], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_aws(rows: list[dict[str, str]], header: list[str] | None = None,
              copies: int = 1, gzipped: bool = False) -> Callable[[Path, Case], list[Path]]:
    def write(folder: Path, case: Case) -> list[Path]:
        text = csv_text(header or AWS_HEADER, rows)
        paths = []
        for copy in range(copies):
            suffix = ".csv.gz" if gzipped else ".csv"
            path = folder / f"{case.name}-{copy + 1}{suffix}"
            path.write_bytes(gzip.compress(text.encode(), mtime=0) if gzipped
                             else text.encode())
            paths.append(path)
        return paths
    return write


def gcp_row(account: str, number: int, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "billing_account_id": account,
        "service": {"id": "6F81-5844-456A", "description": "Compute Engine"},
        "sku": {"id": f"SKU-{number}", "description": "N1 Predefined Instance Core"},
        "usage_start_time": "2026-10-05 00:00:00 UTC",
        "usage_end_time": "2026-10-05 01:00:00 UTC",
        "project": {"id": "tl-ml-research", "name": "ML research",
                    "labels": [{"key": "env", "value": "research"}]},
        "labels": [{"key": "team", "value": "vision"}],
        "cost": 2.5 + number,
        "currency": "USD",
        # As the export writes every row: the usage in its pricing unit, and the price.
        "usage": {"amount": 3600, "unit": "seconds", "amount_in_pricing_units": 1.0,
                  "pricing_unit": "hour"},
        "price": {"effective_price": 2.5 + number, "tier_start_amount": 0, "unit": "hour",
                  "pricing_unit_quantity": 1},
        "credits": [],
        "invoice": {"month": "202610"},
        "cost_type": "regular",
    }
    row.update(values)
    return row


def write_gcp(rows: list[dict[str, object]]) -> Callable[[Path, Case], list[Path]]:
    def write(folder: Path, case: Case) -> list[Path]:
        path = folder / f"{case.name}.json"
        path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                        encoding="utf-8")
        return [path]
    return write


def azure_line(account: str, number: int, **values: str) -> dict[str, str]:
    row = {
        "BillingAccountId": account, "BillingPeriodStartDate": "10/01/2026",
        "BillingPeriodEndDate": "10/31/2026",
        "SubscriptionId": "7c2e9a41-58d3-4b1f-a6e0-2d9c8b7f1e35", "Date": "10/05/2026",
        "MeterId": "3a8a4a6e-8e3f-4c5b-9a41-0c0d7e8b2f10", "MeterCategory": "Virtual Machines",
        "PartNumber": "AAD-12345", "Quantity": "24", "UnitOfMeasure": "1 Hour",
        "UnitPrice": "0.5", "EffectivePrice": "0.45", "PayGPrice": "0.5",
        "Cost": f"{10 + number}.25", "BillingCurrency": "USD",
        "ResourceId": f"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/"
                      f"virtualMachines/vm-{account}-{number}",
        "Tags": '{"team": "speech"}', "ChargeType": "Usage",
    }
    row.update(values)
    return row


def write_azure(rows: list[dict[str, str]]) -> Callable[[Path, Case], list[Path]]:
    def write(folder: Path, case: Case) -> list[Path]:
        path = folder / f"{case.name}.csv"
        path.write_text(csv_text(AZURE_HEADER, rows), encoding="utf-8")
        return [path]
    return write


# MCA exports name the same fields in camelCase (matched without case) and some differently.
MCA_NAMES = {"Date": "date", "PartNumber": "ProductId", "Cost": "costInBillingCurrency",
             "Tags": "tags", "ChargeType": "chargeType", "Quantity": "quantity",
             "UnitOfMeasure": "unitOfMeasure", "EffectivePrice": "effectivePrice",
             "UnitPrice": "unitPrice", "BillingCurrency": "billingCurrency",
             "BillingAccountId": "billingAccountId", "MeterId": "meterId",
             "MeterCategory": "meterCategory",
             "BillingPeriodStartDate": "billingPeriodStartDate",
             "BillingPeriodEndDate": "billingPeriodEndDate"}
MCA_HEADER = [MCA_NAMES.get(column, column) for column in AZURE_HEADER]


def write_azure_files(files: dict[str, list[dict[str, str]]], mca: bool = False
                      ) -> Callable[[Path, Case], list[Path]]:
    """Azure files at the given paths under the format folder (`{case}` is the case's name);
    Azure writes `<export>/<YYYYMMDD-YYYYMMDD>/<export>_<guid>.csv`."""
    def write(folder: Path, case: Case) -> list[Path]:
        paths = []
        for name, rows in files.items():
            path = folder / name.format(case=case.name)
            path.parent.mkdir(parents=True, exist_ok=True)
            if mca:
                header = MCA_HEADER
                rows = [{MCA_NAMES.get(key, key): value for key, value in row.items()}
                        for row in rows]
            else:
                header = AZURE_HEADER
            path.write_text(csv_text(header, rows), encoding="utf-8")
            paths.append(path)
        return paths
    return write


def write_azure_run(rows: list[dict[str, str]], listed_parts: int
                    ) -> Callable[[Path, Case], list[Path]]:
    """A partitioned export run, one row per part file, whose manifest lists
    ``listed_parts`` parts (one row each): parts beyond len(rows) never arrived."""
    def write(folder: Path, case: Case) -> list[Path]:
        run = folder / case.name / "20261001-20261031" / "6f1c0b9e-run"
        run.mkdir(parents=True)
        paths = []
        for index, row in enumerate(rows):
            # The middle part is the one missing: parts 0 and 2 of 0..2 arrive.
            part = index if index < len(rows) - 1 else listed_parts - 1
            path = run / f"part_{part}_0001.csv"
            path.write_text(csv_text(AZURE_HEADER, [row]), encoding="utf-8")
            paths.append(path)
        manifest = {"manifestVersion": "2024-04-01", "blobCount": listed_parts,
                    "dataRowCount": listed_parts,
                    "runInfo": {"runId": "6f1c0b9e-run", "submittedTime": "2026-10-06T05:00:00Z"},
                    "blobs": [{"blobName": f"{case.name}/20261001-20261031/6f1c0b9e-run/"
                                           f"part_{n}_0001.csv", "dataRowCount": 1}
                              for n in range(listed_parts)]}
        (run / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        return paths
    return write


def write_text(name_suffix: str, text: bytes) -> Callable[[Path, Case], list[Path]]:
    def write(folder: Path, case: Case) -> list[Path]:
        path = folder / f"{case.name}{name_suffix}"
        path.write_bytes(text)
        return [path]
    return write


def write_job(attempts: list[dict[str, str]]) -> Callable[[Path, Case], list[Path]]:
    """One job per case (job id = case name) with the given attempts, one node each."""
    def write(folder: Path, case: Case) -> list[Path]:
        root = folder  # the corpus root: jobs write into three folders
        jobs = root / FORMAT_DIRS["jobs"][0] / f"{case.name}.csv"
        attempts_path = root / FORMAT_DIRS["attempts"][0] / f"{case.name}.csv"
        nodes = root / FORMAT_DIRS["nodes"][0] / f"{case.name}.csv"
        status = attempts[-1]["status"]
        jobs.write_text(csv_text(JOB_HEADER, [{
            "job_id": case.name, "job_type": "training", "provider": "aws",
            "instance_type": "g5.xlarge", "status": status,
            "submitted_at": "2026-10-05T00:00:00Z"}]))
        attempts_path.write_text(csv_text(ATTEMPT_HEADER, [
            {"job_id": case.name, "attempt_id": f"{case.name}-a{number + 1}",
             "attempt_number": str(number + 1), **attempt}
            for number, attempt in enumerate(attempts)]))
        nodes.write_text(csv_text(NODE_HEADER, [
            {"attempt_id": f"{case.name}-a{number + 1}", "node_index": "0",
             "resource_id": f"i-{case.name}", "instance_type": "g5.xlarge", "gpus_used": "1"}
            for number in range(len(attempts))]))
        return [jobs, attempts_path, nodes]
    return write


def write_job_metrics(attempts: list[dict[str, str]], metrics: list[dict[str, str]]
                      ) -> Callable[[Path, Case], list[Path]]:
    """A job (write_job) and metric_history rows; ``attempt`` n names the job's n-th
    attempt (``{case}-a<n>``)."""
    def write(folder: Path, case: Case) -> list[Path]:
        paths = write_job(attempts)(folder, case)
        path = folder / FORMAT_DIRS["metrics"][0] / f"{case.name}.csv"
        path.write_text(csv_text(METRIC_HEADER, [
            {**{key: value for key, value in row.items() if key != "attempt"},
             "attempt_id": f"{case.name}-a{row['attempt']}"} for row in metrics]))
        return [*paths, path]
    return write


def check_metric_history(query: Callable, case: Case) -> None:
    """Nothing lost: 2 rows kept (the duplicate's later row), 4 quarantined with reasons."""
    kept = query("select step, value from main_intermediate.int_ml_metric_history_unioned "
                 "where attempt_id = ? order by step", [f"{case.name}-a1"])
    assert kept == [(10, 1.0), (40, 0.8)], kept
    reasons = sorted(row[0] for row in query(
        "select x_quarantine_reason from main_marts.fct_quarantined_ml_job_records "
        "where record_type = 'metric_history' and x_source_file like ?",
        [f"%/{case.name}.csv"]))
    assert reasons == sorted([
        "unparseable value: n/a", "value is not a finite number", "unknown attempt",
        "duplicate attempt_id, metric_name and step: the latest logged_at is kept"]), reasons


def write_billed_job(billing: Callable[[Path, Case], list[Path]], provider: str,
                     instance_type: str, started_at: str, ended_at: str,
                     node_ids: list[str]) -> Callable[[Path, Case], list[Path]]:
    """Billing lines (``billing`` writes them into the provider's folder) and one job (job
    id = case name) with one attempt that ran on ``node_ids``, recorded as written."""
    def write(folder: Path, case: Case) -> list[Path]:
        paths = billing(folder, case)
        root = folder.parent  # the corpus root: jobs write into three folders
        jobs = root / FORMAT_DIRS["jobs"][0] / f"{case.name}.csv"
        attempts = root / FORMAT_DIRS["attempts"][0] / f"{case.name}.csv"
        nodes = root / FORMAT_DIRS["nodes"][0] / f"{case.name}.csv"
        jobs.write_text(csv_text(JOB_HEADER, [{
            "job_id": case.name, "job_type": "training", "provider": provider,
            "instance_type": instance_type, "status": "succeeded",
            "submitted_at": started_at}]))
        attempts.write_text(csv_text(ATTEMPT_HEADER, [{
            "attempt_id": f"{case.name}-a1", "job_id": case.name, "attempt_number": "1",
            "status": "succeeded", "started_at": started_at, "ended_at": ended_at}]))
        nodes.write_text(csv_text(NODE_HEADER, [
            {"attempt_id": f"{case.name}-a1", "node_index": str(index),
             "resource_id": node_id, "instance_type": instance_type, "gpus_used": "1"}
            for index, node_id in enumerate(node_ids)]))
        return [*paths, jobs, attempts, nodes]
    return write


def write_azure_vms(rows: list[dict[str, str]]) -> Callable[[Path, Case], list[Path]]:
    """Azure EA lines with AdditionalInfo, where a VM line names its size (ServiceType)."""
    def write(folder: Path, case: Case) -> list[Path]:
        path = folder / f"{case.name}.csv"
        path.write_text(csv_text(AZURE_HEADER + ["AdditionalInfo"], rows), encoding="utf-8")
        return [path]
    return write


def aws_hour(account: str, number: int, hour: int, resource_id: str) -> dict[str, str]:
    """A g5.xlarge hour (1.006) of one instance on 2026-10-05, starting at ``hour``."""
    start, end = f"2026-10-05T{hour:02d}:00:00Z", f"2026-10-05T{hour + 1:02d}:00:00Z"
    return aws_line(account, number, **{
        "identity/TimeInterval": f"{start}/{end}", "lineItem/UsageStartDate": start,
        "lineItem/UsageEndDate": end, "lineItem/ResourceId": resource_id})


def gce_hour(account: str, number: int, name: str, instance_number: str
             ) -> dict[str, object]:
    """An hour of a GCE a2-highgpu-1g VM (cost 2.5 + number) as the detailed export names
    it: resource.name the instance name, resource.global_name its numeric id."""
    return gcp_row(
        account, number,
        system_labels=[{"key": "compute.googleapis.com/machine_spec",
                        "value": "a2-highgpu-1g"}],
        location={"location": "us-central1-a", "country": "US", "region": "us-central1",
                  "zone": "us-central1-a"},
        resource={"name": name,
                  "global_name": "//compute.googleapis.com/projects/tl-ml-research/zones/"
                                 f"us-central1-a/instances/{instance_number}"})
# Modification times of re-deliveries: an older and a newer delivery (2026-10 epochs).
OLDER = 1_791_000_000
NEWER = 1_792_000_000


def written_at(path: Path, epoch: int) -> Path:
    os.utime(path, (epoch, epoch))
    return path


def write_gcp_extracts(extracts: list[tuple[str, list[dict[str, object]], int]]
                       ) -> Callable[[Path, Case], list[Path]]:
    """GCP extract files `<case><suffix>` with their rows and modification time."""
    def write(folder: Path, case: Case) -> list[Path]:
        paths = []
        for suffix, rows, epoch in extracts:
            path = folder / f"{case.name}{suffix}"
            path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
            paths.append(written_at(path, epoch))
        return paths
    return write


def write_aws_assemblies(assemblies: list[tuple[str, list[dict[str, str]], int]]
                         ) -> Callable[[Path, Case], list[Path]]:
    """Legacy CUR assembly folders of one billing period, in the order given (a later one
    may carry an older modification time: copied back with its time preserved)."""
    def write(folder: Path, case: Case) -> list[Path]:
        paths = []
        for assembly, rows, epoch in assemblies:
            target = folder / case.name / "20261001-20261101" / assembly
            target.mkdir(parents=True)
            path = target / f"{case.name}-1.csv"
            path.write_text(csv_text(AWS_HEADER, rows), encoding="utf-8")
            paths.append(written_at(path, epoch))
        return paths
    return write


def write_azure_parts(parts: list[tuple[str, list[dict[str, str]], int]]
                      ) -> Callable[[Path, Case], list[Path]]:
    """Part files of one partitioned Azure export run (no manifest read)."""
    def write(folder: Path, case: Case) -> list[Path]:
        run = folder / case.name / "20261001-20261031" / "3b5e7c1d-run"
        run.mkdir(parents=True)
        paths = []
        for name, rows, epoch in parts:
            path = run / name
            path.write_text(csv_text(AZURE_HEADER, rows), encoding="utf-8")
            paths.append(written_at(path, epoch))
        return paths
    return write


# --- checks over the built database (kept cases) -----------------------------------------------

def lines_of(query: Callable, case: Case, columns: str) -> list[tuple]:
    return query(f"select {columns} from main_marts.fct_cost_lines "
                 f"where billing_account_id = ? order by x_line_key", [case.account])


def check_offsets(query: Callable, case: Case) -> None:
    starts = {row[0] for row in lines_of(query, case, "charge_period_start")}
    assert [str(start) for start in starts] == ["2026-10-05 00:00:00"], starts


def check_mixed_currencies(query: Callable, case: Case) -> None:
    rows = query("select billing_currency, sum(billed_cost) from main_marts.fct_cost_lines "
                 "where billing_account_id = ? group by 1 order by 1", [case.account])
    assert [currency for currency, _ in rows] == ["EUR", "USD"], rows


def check_unknown_instance_type(query: Callable, case: Case) -> None:
    rows = lines_of(query, case, "x_instance_type, x_gpu_model")
    assert rows == [("zz9.mega", None)], rows


def check_unicode_tags(query: Callable, case: Case) -> None:
    rows = lines_of(query, case, "x_tag_team")
    assert rows == [("équipe-ü 数据 🚀",)], rows


def check_negative_usage(query: Callable, case: Case) -> None:
    rows = lines_of(query, case, "consumed_quantity, billed_cost")
    assert [(float(quantity), float(cost)) for quantity, cost in rows] == [(-1.0, -1.006)]


def check_azure_tags(query: Callable, case: Case) -> None:
    rows = lines_of(query, case, "x_tag_team")
    assert rows == [("nlp",), ("nlp",)], rows


def check_gcp_empty_labels(query: Callable, case: Case) -> None:
    rows = lines_of(query, case, "tags, x_tag_team")
    assert len(rows) == 1
    tags = json.loads(rows[0][0])
    assert tags == {"env": "research", "project": "llm"}, tags
    assert rows[0][1] is None


def check_gcp_repeated_label_key(query: Callable, case: Case) -> None:
    rows = lines_of(query, case, "tags, x_tag_team")
    assert len(rows) == 1
    # The last non-empty value of each key; an empty value is dropped, not a last word.
    assert json.loads(rows[0][0]) == {"env": "research", "team": "speech"}, rows
    assert rows[0][1] == "speech"


def check_extra_and_missing_columns(query: Callable, case: Case) -> None:
    rows = lines_of(query, case, "x_instance_type")
    assert rows == [("g5.xlarge",), ("g5.xlarge",)], rows  # from the usage type


def check_running_job(query: Callable, case: Case) -> None:
    rows = query("select is_running, ended_at from main_marts.fct_ml_job_attempt_costs "
                 "where job_id = ?", [case.name])
    assert rows == [(True, None)], rows


def check_header_only(query: Callable, case: Case) -> None:
    rows = query("select count(*) from main_marts.fct_cost_lines "
                 "where x_source_file like ?", [f"%{case.name}%"])
    assert rows == [(0,)]


def job_cost_check(expected: str) -> Callable[[Callable, Case], None]:
    """The case's job costs ``expected`` to the cent and none of its nodes is unmatched."""
    def check(query: Callable, case: Case) -> None:
        rows = query("select billed_cost from main_marts.fct_ml_job_costs where job_id = ?",
                     [case.name])
        assert len(rows) == 1, rows
        assert abs(Decimal(str(rows[0][0])) - Decimal(expected)) < Decimal("0.005"), rows
        unmatched = query("select resource_id, unmatched_reason "
                          "from main_marts.fct_ml_unmatched_attempt_nodes where job_id = ?",
                          [case.name])
        assert unmatched == [], unmatched
    return check


def unmatched_nodes_check(reasons: dict[int, str]) -> Callable[[Callable, Case], None]:
    """The case's nodes (index -> reason) are listed as unmatched with those reasons, and
    the job costs nothing."""
    def check(query: Callable, case: Case) -> None:
        rows = query("select node_index, unmatched_reason "
                     "from main_marts.fct_ml_unmatched_attempt_nodes where job_id = ? "
                     "order by node_index", [case.name])
        assert rows == sorted(reasons.items()), rows
        cost = query("select billed_cost from main_marts.fct_ml_job_costs where job_id = ?",
                     [case.name])
        assert len(cost) == 1 and Decimal(str(cost[0][0])) == 0, cost
    return check
def azure_dates(query: Callable, case: Case, table: str = "fct_cost_lines",
                file_part: str = "") -> list[tuple[str, str, str]]:
    """(charge date, billing period, cost) of a case's lines in `table`, in date order."""
    rows = query(f"select cast(charge_period_start as date), cast(billing_period_start as date),"
                 f" billed_cost from main_marts.{table} where x_source_file like ?"
                 f" order by 1, 3", [f"%/{case.name}{file_part}%"])
    return [(str(day), str(period), f"{cost:.2f}") for day, period, cost in rows]


def date_orders(query: Callable, case: Case, model: str) -> set[tuple[str, str]]:
    rows = query(f"select distinct x_source_file, x_date_order, x_date_order_basis "
                 f"from main_staging.{model} where x_source_file like ?", [f"%/{case.name}%"])
    return {(Path(path).name, f"{order}/{basis}") for path, order, basis in rows}


def check_azure_mca_day_first(query: Callable, case: Case) -> None:
    # Every line in October, on its own day, cost to the cent; the order from 14/10/2026.
    assert azure_dates(query, case) == [
        ("2026-10-01", "2026-10-01", "11.25"), ("2026-10-02", "2026-10-01", "12.25"),
        ("2026-10-14", "2026-10-01", "13.25")], azure_dates(query, case)
    assert date_orders(query, case, "stg_azure_cost__mca_actual_cost_lines") == {
        (f"{case.name}.csv", "day_first/values")}


def check_azure_day_first_folder(query: Callable, case: Case) -> None:
    # The folder 20261001-20261031 decides: October 1-3, not January, February and March.
    assert azure_dates(query, case, file_part="/") == [
        ("2026-10-01", "2026-10-01", "11.25"), ("2026-10-02", "2026-10-01", "12.25"),
        ("2026-10-03", "2026-10-01", "13.25")], azure_dates(query, case, file_part="/")
    # The line of November 1 keeps its date in the quarantine: not moved into October.
    assert azure_dates(query, case, "fct_quarantined_cost_lines") == [
        ("2026-11-01", "2026-11-01", "14.25")]
    # Without a folder: only day-first puts October 1-3 in one month.
    assert azure_dates(query, case, file_part="-no-folder") == [
        ("2026-10-01", "2026-10-01", "11.25"), ("2026-10-02", "2026-10-01", "12.25"),
        ("2026-10-03", "2026-10-01", "13.25")]
    # A one-day file (both orders give one month) is read as the var says.
    assert azure_dates(query, case, file_part="-by-var") == [
        ("2026-10-03", "2026-10-01", "11.25"), ("2026-10-03", "2026-10-01", "12.25")]
    assert date_orders(query, case, "stg_azure_cost__ea_actual_cost_lines") == {
        (f"{case.name}_5f309c60.csv", "day_first/folder_range"),
        (f"{case.name}-no-folder.csv", "day_first/single_month"),
        (f"{case.name}-by-var.csv", "day_first/var")}


def check_azure_day_first_period(query: Callable, case: Case) -> None:
    # 31/10/2026 in BillingPeriodEndDate decides day-first; was: every line quarantined.
    assert azure_dates(query, case) == [
        ("2026-10-03", "2026-10-01", "11.25"), ("2026-10-05", "2026-10-01", "12.25")]
    assert azure_dates(query, case, "fct_quarantined_cost_lines") == [
        ("2026-11-02", "2026-10-01", "13.25")]


def check_azure_mixed_orders(query: Callable, case: Case) -> None:
    # The ISO line is kept; the slashed ones are not booked in any month.
    assert azure_dates(query, case) == [("2026-10-05", "2026-10-01", "13.25")]
    rows = query("select charge_period_start, billed_cost from "
                 "main_marts.fct_quarantined_cost_lines where x_source_file like ? "
                 "order by billed_cost", [f"%/{case.name}%"])
    assert [(start, f"{cost:.2f}") for start, cost in rows] == [
        (None, "11.25"), (None, "12.25")], rows
def deliveries_are(expected: list[tuple[str, str, int, str, str | None]]) -> Callable:
    """rpt_billing_deliveries for the case's account: (status, end of the delivery's path,
    lines, billed cost, end of the delivery that superseded it) per delivery."""
    def check(query: Callable, case: Case) -> None:
        rows = query("select delivery_status, x_delivery, line_count, billed_cost, "
                     "superseded_by from main_marts.rpt_billing_deliveries "
                     "where billing_account_id = ? order by delivery_rank", [case.account])
        assert len(rows) == len(expected), rows
        for (status, delivery, lines, cost, by), row in zip(expected, rows):
            assert row[0] == status and row[1].endswith(delivery), row
            assert row[2] == lines and Decimal(row[3]) == Decimal(cost), row
            assert (row[4] is None) if by is None else row[4].endswith(by), row
    return check


def check_duplicate_part(query: Callable, case: Case) -> None:
    """The copy is quarantined naming the original; the run counts once."""
    rows = query("select x_source_file, x_quarantine_reason "
                 "from main_marts.fct_quarantined_cost_lines where billing_account_id = ?",
                 [case.account])
    assert {Path(file).name for file, _ in rows} == {"part_0_0001 (1).csv"}, rows
    assert all(reason.endswith("/part_0_0001.csv in the same delivery")
               for _, reason in rows), rows
    deliveries_are([("counted", "/3b5e7c1d-run", 5, "60.25", None)])(query, case)


# --- the corpus ------------------------------------------------------------------------------

def _aws_case(number: int, name: str, what: str, behaviour: str, expected: str,
              rows: Callable[[str], list[dict[str, str]]], **kwargs: object) -> Case:
    account = f"9000000000{number:02d}"
    built_rows = rows(account)
    copies = int(kwargs.pop("copies", 1))  # type: ignore[arg-type]
    header = kwargs.pop("header", None)
    gzipped = bool(kwargs.pop("gzipped", False))
    return Case(name=name, what=what, behaviour=behaviour, expected=expected,
                write=write_aws(built_rows, header, copies, gzipped),  # type: ignore[arg-type]
                account=account, provider="aws", lines_in=len(built_rows) * copies,
                **kwargs)  # type: ignore[arg-type]


def _with_job(case: Case, provider: str, instance_type: str, started_at: str,
              ended_at: str, node_ids: list[str]) -> Case:
    """The case's billing lines plus a job that ran on ``node_ids`` (write_billed_job)."""
    case.write = write_billed_job(case.write, provider, instance_type, started_at, ended_at,
                                  node_ids)
    return case


AKS_SUBSCRIPTION = "/subscriptions/7c2e9a41-58d3-4b1f-a6e0-2d9c8b7f1e35"
AKS_POOL = (f"{AKS_SUBSCRIPTION}/resourceGroups/MC_ml-aks_eastus/providers/"
            "Microsoft.Compute/virtualMachineScaleSets/aks-gpu-12345678-vmss")
AZURE_VM = (f"{AKS_SUBSCRIPTION}/resourceGroups/rg-speech-ml/providers/Microsoft.Compute/"
            "virtualMachines/asr-train-7")
NC24_SIZE = '{"ServiceType": "Standard_NC24ads_A100_v4"}'


def _cost(*values: str) -> Decimal:
    return sum((Decimal(value) for value in values), Decimal(0))


def corpus() -> list[Case]:
    cases = [
        _aws_case(1, "aws_thousands_separator", "CUR cost with a thousands separator "
                  "(`1,234.50`)", "quarantine", "line quarantined: unparseable cost, raw "
                  "value in the reason",
                  lambda a: [aws_line(a, 1), aws_line(a, 2, **{"lineItem/UnblendedCost":
                                                               "1,234.50"})],
                  reason="unparseable line_item_unblended_cost: 1,234.50", quarantined=1,
                  cost_in=_cost("1.006")),
        _aws_case(2, "aws_cost_not_a_number", "CUR cost `n/a`", "quarantine",
                  "line quarantined: unparseable cost",
                  lambda a: [aws_line(a, 1), aws_line(a, 2, **{"lineItem/UnblendedCost":
                                                               "n/a"})],
                  reason="unparseable line_item_unblended_cost: n/a", quarantined=1,
                  cost_in=_cost("1.006")),
        _aws_case(3, "aws_unparseable_timestamp", "CUR usage start `yesterday`",
                  "quarantine", "line quarantined: unparseable timestamp",
                  lambda a: [aws_line(a, 1), aws_line(a, 2, **{"lineItem/UsageStartDate":
                                                               "yesterday"})],
                  reason="unparseable line_item_usage_start_date: yesterday", quarantined=1,
                  cost_in=_cost("1.006", "1.006")),
        _aws_case(4, "aws_unknown_currency", "CUR currency `XYZ`", "quarantine",
                  "line quarantined: unknown currency",
                  lambda a: [aws_line(a, 1), aws_line(a, 2, **{"lineItem/CurrencyCode":
                                                               "XYZ"})],
                  reason="unknown currency: XYZ", quarantined=1,
                  cost_in=_cost("1.006", "1.006")),
        _aws_case(5, "aws_mixed_currencies", "one payer billed in USD and EUR", "kept",
                  "both kept, each in its own billing_currency (no conversion)",
                  lambda a: [aws_line(a, 1), aws_line(a, 2, **{"lineItem/CurrencyCode":
                                                               "EUR"})],
                  cost_in=_cost("1.006", "1.006"), check=check_mixed_currencies),
        _aws_case(6, "aws_duplicate_line_id", "`identity/LineItemId` + interval twice in a "
                  "file", "quarantine", "first kept, second quarantined: duplicate line id",
                  lambda a: [aws_line(a, 1), aws_line(a, 2), aws_line(a, 2)],
                  reason="duplicate line id: li-900000000006-002", quarantined=1,
                  cost_in=_cost("1.006", "1.006", "1.006")),
        # Two files of one folder are one delivery: the second is a copy of the first.
        _aws_case(7, "aws_same_month_twice", "the same month delivered twice (two files "
                  "of one folder, same lines)", "quarantine", "counted once; every line of "
                  "the second copy quarantined as a duplicate file naming the first, and "
                  "the build fails naming both (was: quarantined as duplicate line ids)",
                  lambda a: [aws_line(a, 1), aws_line(a, 2)], copies=2,
                  reason="duplicate file: same lines as ", quarantined=2,
                  cost_in=_cost("1.006", "1.006", "1.006", "1.006"),
                  fails_tests=("assert_delivery_files_not_duplicated",)),
        _aws_case(8, "aws_timestamp_offsets", "usage start with `Z`, `+02:00` and no zone",
                  "kept", "all kept, all the same UTC instant",
                  lambda a: [aws_line(a, 1),
                             aws_line(a, 2, **{"lineItem/UsageStartDate":
                                               "2026-10-05T02:00:00+02:00"}),
                             aws_line(a, 3, **{"lineItem/UsageStartDate":
                                               "2026-10-05 00:00:00"})],
                  cost_in=_cost("1.006", "1.006", "1.006"), check=check_offsets),
        _aws_case(9, "aws_negative_usage", "negative usage and cost (a correction)", "kept",
                  "kept as delivered: negative quantity and cost",
                  lambda a: [aws_line(a, 1, **{"lineItem/UsageAmount": "-1",
                                               "lineItem/UnblendedCost": "-1.006"})],
                  cost_in=_cost("-1.006"), check=check_negative_usage),
        _aws_case(10, "aws_unknown_instance_type", "instance type not in the GPU catalog",
                  "kept", "kept; instance type as delivered, GPU columns null",
                  lambda a: [aws_line(a, 1, **{"product/instanceType": "zz9.mega",
                                               "lineItem/UsageType": "USE1-BoxUsage:zz9.mega"})],
                  cost_in=_cost("1.006"), check=check_unknown_instance_type),
        _aws_case(11, "aws_unicode_tags", "tag value with accents, CJK and an emoji",
                  "kept", "kept; tag value byte-exact in x_tag_team",
                  lambda a: [aws_line(a, 1, **{"resourceTags/user:team": "équipe-ü 数据 🚀"})],
                  cost_in=_cost("1.006"), check=check_unicode_tags),
        _aws_case(12, "aws_column_missing_and_extra", "CUR without `product/instanceType`, "
                  "with an unknown `lineItem/BrandNewColumn`", "kept",
                  "kept; missing optional column is a typed null, extra column ignored",
                  lambda a: [{**{key: value for key, value in aws_line(a, n).items()
                                 if key != "product/instanceType"},
                              "lineItem/BrandNewColumn": "x"} for n in (1, 2)],
                  header=[column for column in AWS_HEADER if column != "product/instanceType"]
                  + ["lineItem/BrandNewColumn"],
                  cost_in=_cost("1.006", "1.006"), check=check_extra_and_missing_columns),
        _aws_case(13, "aws_header_only", "CUR file with a header and no rows", "kept",
                  "no lines, no error", lambda a: [], check=check_header_only),
        _aws_case(14, "aws_missing_payer", "CUR line with an empty `bill/PayerAccountId`",
                  "quarantine", "line quarantined: missing bill_payer_account_id",
                  lambda a: [aws_line(a, 1), aws_line(a, 2, **{"bill/PayerAccountId": ""})],
                  reason="missing bill_payer_account_id", quarantined=1,
                  cost_in=_cost("1.006", "1.006")),
        _aws_case(15, "aws_gzip", "gzip-compressed CUR (the normal delivery)", "kept",
                  "read through the gzip", lambda a: [aws_line(a, 1), aws_line(a, 2)],
                  gzipped=True, cost_in=_cost("1.006", "1.006")),
        Case(name="gcp_empty_label_values", what="GCP labels with empty values",
             behaviour="kept", expected="kept; empty labels dropped from tags, project "
             "labels kept", account="GCP-CASE-16", provider="gcp", lines_in=1,
             write=write_gcp([gcp_row("GCP-CASE-16", 1, labels=[
                 {"key": "team", "value": ""}, {"key": "project", "value": "llm"},
                 {"key": "owner", "value": None}])]),
             cost_in=_cost("3.5"), check=check_gcp_empty_labels),
        Case(name="gcp_cost_decimal_comma", what="GCP cost `12,5` (decimal comma)",
             behaviour="quarantine", expected="row quarantined: unparseable cost",
             account="GCP-CASE-17", provider="gcp", lines_in=2,
             write=write_gcp([gcp_row("GCP-CASE-17", 1), gcp_row("GCP-CASE-17", 2,
                                                                   cost="12,5")]),
             reason="unparseable cost: 12,5", quarantined=1, cost_in=_cost("3.5")),
        Case(name="gcp_unparseable_timestamp", what="GCP usage_start_time `2026-13-45 "
             "99:00:00 UTC`", behaviour="quarantine",
             expected="row quarantined: unparseable usage_start_time",
             account="GCP-CASE-18", provider="gcp", lines_in=2,
             write=write_gcp([gcp_row("GCP-CASE-18", 1), gcp_row(
                 "GCP-CASE-18", 2, usage_start_time="2026-13-45 99:00:00 UTC")]),
             reason="unparseable usage_start_time", quarantined=1, cost_in=_cost("3.5", "4.5")),
        Case(name="gcp_repeated_label_key", what="GCP labels and project labels repeating "
             "a key (a merged extract)", behaviour="kept",
             expected="kept; the last value of a repeated key counts (was: the build crashed "
             "on `Map keys must be unique`, nothing named)",
             account="GCP-CASE-31", provider="gcp", lines_in=1,
             write=write_gcp([gcp_row(
                 "GCP-CASE-31", 1,
                 project={"id": "tl-ml-research", "name": "ML research",
                          "labels": [{"key": "env", "value": "dev"},
                                     {"key": "env", "value": "research"}]},
                 labels=[{"key": "team", "value": "vision"}, {"key": "team", "value": ""},
                         {"key": "team", "value": "speech"}])]),
             cost_in=_cost("3.5"), check=check_gcp_repeated_label_key),
        Case(name="azure_tags_without_braces", what="Azure EA Tags without outer braces",
             behaviour="kept", expected="kept; tags parsed as a JSON object",
             account="AZ-CASE-19", provider="azure", lines_in=2,
             write=write_azure([azure_line("AZ-CASE-19", 1, Tags='"team": "nlp","env": "prod"'),
                                azure_line("AZ-CASE-19", 2, Tags='{"team": "nlp"}')]),
             cost_in=_cost("11.25", "12.25"), check=check_azure_tags),
        Case(name="azure_thousands_separator", what="Azure Cost `1,234.00`",
             behaviour="quarantine", expected="line quarantined: unparseable cost",
             account="AZ-CASE-20", provider="azure", lines_in=2,
             write=write_azure([azure_line("AZ-CASE-20", 1),
                                azure_line("AZ-CASE-20", 2, Cost="1,234.00")]),
             reason="unparseable cost_in_billing_currency: 1,234.00", quarantined=1,
             cost_in=_cost("11.25")),
        Case(name="azure_unknown_currency", what="Azure BillingCurrency `EURO`",
             behaviour="quarantine", expected="line quarantined: unknown currency",
             account="AZ-CASE-21", provider="azure", lines_in=2,
             write=write_azure([azure_line("AZ-CASE-21", 1),
                                azure_line("AZ-CASE-21", 2, BillingCurrency="EURO")]),
             reason="unknown currency: EURO", quarantined=1, cost_in=_cost("11.25", "12.25")),
        Case(name="azure_run_missing_part", what="Azure partitioned export run with a part "
             "file missing against its manifest.json", behaviour="quarantine",
             expected="every line of the run quarantined: incomplete export run, parts and "
             "rows listed vs delivered (and the share test fails the build)",
             account="AZ-CASE-22", provider="azure", lines_in=2,
             write=write_azure_run([azure_line("AZ-CASE-22", 1), azure_line("AZ-CASE-22", 2)],
                                   listed_parts=3),
             reason="incomplete export run: manifest lists 3 parts and 3 rows, delivered 2 "
             "parts and 2 rows", quarantined=2, cost_in=_cost("11.25", "12.25")),
        Case(name="job_ends_before_start", what="job attempt ending before it starts",
             behaviour="quarantine", expected="attempt quarantined: ends before it starts "
             "(fct_quarantined_ml_job_records), not in the job marts",
             write=write_job([{"status": "failed", "started_at": "2026-10-05T10:00:00Z",
                               "ended_at": "2026-10-05T09:00:00Z"}]),
             provider="jobs", reason="ends before it starts", quarantined=1, lines_in=1),
        Case(name="job_still_running", what="job attempt with no end (still running)",
             behaviour="kept", expected="kept; is_running, no end",
             write=write_job([{"status": "running", "started_at": "2026-10-05T10:00:00Z",
                               "ended_at": ""}]),
             provider="jobs", lines_in=1, check=check_running_job),
        Case(name="job_unparseable_start", what="job attempt started_at `soon`",
             behaviour="quarantine", expected="attempt quarantined: unparseable started_at",
             write=write_job([{"status": "failed", "started_at": "soon",
                               "ended_at": "2026-10-05T09:00:00Z"}]),
             provider="jobs", reason="unparseable started_at: soon", quarantined=1,
             lines_in=1),
        Case(name="job_metric_history_bad_rows", what="metric_history rows: a value `n/a`, "
             "a value `NaN`, a step delivered twice, an attempt no table knows",
             behaviour="quarantine", expected="each bad row quarantined with its reason in "
             "fct_quarantined_ml_job_records (the duplicate's earlier-logged row), the rest "
             "kept",
             write=write_job_metrics(
                 [{"status": "succeeded", "started_at": "2026-10-05T10:00:00Z",
                   "ended_at": "2026-10-05T12:00:00Z"}],
                 [{"attempt": "1", "metric_name": "val_loss", "step": "10", "value": "1.0",
                   "logged_at": "2026-10-05T10:10:00Z"},
                  {"attempt": "1", "metric_name": "val_loss", "step": "20", "value": "n/a",
                   "logged_at": "2026-10-05T10:20:00Z"},
                  {"attempt": "1", "metric_name": "val_loss", "step": "30", "value": "NaN",
                   "logged_at": "2026-10-05T10:30:00Z"},
                  {"attempt": "1", "metric_name": "val_loss", "step": "40", "value": "0.9",
                   "logged_at": "2026-10-05T10:40:00Z"},
                  {"attempt": "1", "metric_name": "val_loss", "step": "40", "value": "0.8",
                   "logged_at": "2026-10-05T10:41:00Z"},
                  {"attempt": "9", "metric_name": "val_loss", "step": "10", "value": "1.0",
                   "logged_at": "2026-10-05T10:10:00Z"}]),
             provider="jobs", lines_in=1, check=check_metric_history),
        # resource ids
        _with_job(_aws_case(
            40, "job_node_eks_provider_id", "job nodes recorded as a Kubernetes providerID "
            "(`aws:///us-east-1c/i-...`) and an EC2 instance ARN", "kept",
            "both nodes find their CUR lines (`i-...`): the job costs the 1.5 and 0.5 "
            "instance hours it overlapped (was: $0, its cost left unattributed)",
            lambda a: [aws_hour(a, 1, 0, f"i-{a}001"), aws_hour(a, 2, 1, f"i-{a}001"),
                       aws_hour(a, 3, 0, f"i-{a}002")],
            cost_in=_cost("1.006", "1.006", "1.006"), check=job_cost_check("2.012")),
            "aws", "g5.xlarge", "2026-10-05T00:30:00Z", "2026-10-05T02:00:00Z",
            ["aws:///us-east-1c/i-900000000040001",
             "arn:aws:ec2:us-east-1:345678901234:instance/i-900000000040002"]),
        Case(name="job_node_gce_self_link", what="job nodes recorded as a GCE self-link "
             "(by name), a numeric instance id and a `gce://` providerID",
             behaviour="kept", expected="each node finds the VM the detailed export bills "
             "(resource.global_name by number, resource.name by name): the job costs 45 of "
             "each VM's 60 minutes", account="GCP-CASE-41", provider="gcp", lines_in=3,
             write=write_billed_job(
                 write_gcp([gce_hour("GCP-CASE-41", 1, "train-a", "7000000000000000411"),
                            gce_hour("GCP-CASE-41", 2, "train-b", "7000000000000000412"),
                            gce_hour("GCP-CASE-41", 3, "train-c", "7000000000000000413")]),
                 "gcp", "a2-highgpu-1g", "2026-10-05T00:15:00Z", "2026-10-05T01:00:00Z",
                 ["https://www.googleapis.com/compute/v1/projects/tl-ml-research/zones/"
                  "us-central1-a/instances/train-a", "7000000000000000412",
                  "gce://tl-ml-research/us-central1-a/train-c"]),
             cost_in=_cost("3.5", "4.5", "5.5"), check=job_cost_check("10.125")),
        Case(name="job_node_azure_vmss_casing", what="job nodes recorded as the AKS "
             "providerID of a scale set instance (`azure:///subscriptions/.../"
             "virtualMachineScaleSets/pool/virtualMachines/3`, lower-cased) and a VM id "
             "with the `https://management.azure.com` prefix", behaviour="kept",
             expected="the instance finds its scale set's daily line (Azure bills the "
             "scale set), the VM its own: the job costs 12 of each line's 24 hours",
             account="AZ-CASE-42", provider="azure", lines_in=2,
             write=write_billed_job(
                 write_azure_vms([
                     azure_line("AZ-CASE-42", 1, ResourceId=AKS_POOL, AdditionalInfo=NC24_SIZE),
                     azure_line("AZ-CASE-42", 2, ResourceId=AZURE_VM,
                                AdditionalInfo=NC24_SIZE)]),
                 "azure", "Standard_NC24ads_A100_v4", "2026-10-05T00:00:00Z",
                 "2026-10-05T12:00:00Z",
                 ["azure://" + AKS_POOL.lower() + "/virtualMachines/3",
                  "https://management.azure.com" + AZURE_VM.replace("rg-speech-ml",
                                                                    "RG-SPEECH-ML")]),
             cost_in=_cost("11.25", "12.25"), check=job_cost_check("11.75")),
        _with_job(_aws_case(
            43, "job_node_matches_nothing", "job nodes recorded as a Kubernetes node name "
            "(`ip-10-0-12-34.ec2.internal`) and as the ARN of an instance billed only in "
            "other hours", "kept", "job costs 0; both nodes listed in "
            "fct_ml_unmatched_attempt_nodes, reasons `resource id form not recognised` and "
            "`billing lines for this resource exist but none overlap the attempt`",
            lambda a: [aws_hour(a, 1, 0, f"i-{a}001")], cost_in=_cost("1.006"),
            check=unmatched_nodes_check({
                0: "resource id form not recognised",
                1: "billing lines for this resource exist but none overlap the attempt"})),
            "aws", "g5.xlarge", "2026-10-05T05:00:00Z", "2026-10-05T06:00:00Z",
            ["ip-10-0-12-34.ec2.internal",
             "arn:aws:ec2:us-east-1:345678901234:instance/i-900000000043001"]),
        # Day/month order of slashed dates
        Case(name="azure_mca_day_first_dates", what="Azure MCA actual export with "
             "DD/MM/YYYY dates and empty billing-period columns, one day above 12",
             behaviour="kept", expected="kept; the file is read day-first (14/10/2026 can "
             "only be): every line on its own October day, cost to the cent",
             account="AZ-CASE-36", provider="azure_mca", lines_in=3,
             write=write_azure_files({"{case}.csv": [
                 azure_line("AZ-CASE-36", n, Date=day, BillingPeriodStartDate="",
                            BillingPeriodEndDate="")
                 for n, day in ((1, "01/10/2026"), (2, "02/10/2026"), (3, "14/10/2026"))]},
                 mca=True),
             cost_in=_cost("11.25", "12.25", "13.25"), check=check_azure_mca_day_first),
        Case(name="azure_day_first_export_folder", what="Azure EA export with DD/MM/YYYY "
             "dates of October 1-3 only and empty billing-period columns, in its export "
             "folder `20261001-20261031`, plus a line dated 01/11/2026; the October rows "
             "without a folder; a one-day file, var `mlcost_azure_date_order` set for it",
             behaviour="quarantine", expected="October 1-3 (the order under which the "
             "dates fall in the folder's range; was: January, February and March, build "
             "green); the November line quarantined as outside the folder's date range, "
             "date kept; without the folder October 1-3 too (only day-first puts them in "
             "one month); the one-day file read day-first as the var says",
             account="AZ-CASE-37", provider="azure", lines_in=9,
             write=write_azure_files({
                 "{case}/20261001-20261031/{case}_5f309c60.csv": [
                     azure_line("AZ-CASE-37", n, Date=day, BillingPeriodStartDate="",
                                BillingPeriodEndDate="")
                     for n, day in ((1, "01/10/2026"), (2, "02/10/2026"),
                                    (3, "03/10/2026"), (4, "01/11/2026"))],
                 # Own accounts: two files of one account and period are two
                 # deliveries, of which only the newest counts.
                 "{case}-no-folder.csv": [
                     azure_line("AZ-CASE-37-MONTH", n, Date=day, BillingPeriodStartDate="",
                                BillingPeriodEndDate="")
                     for n, day in ((1, "01/10/2026"), (2, "02/10/2026"),
                                    (3, "03/10/2026"))],
                 "{case}-by-var.csv": [
                     azure_line("AZ-CASE-37-VAR", n, Date="03/10/2026",
                                BillingPeriodStartDate="", BillingPeriodEndDate="")
                     for n in (1, 2)]}),
             variables={"mlcost_azure_date_order": {
                 "azure_day_first_export_folder-by-var": "day_first"}},
             reason="charge date 2026-11-01 outside the export folder's date range "
             "2026-10-01 to 2026-10-31 of ", quarantined=1,
             cost_in=_cost("11.25", "12.25", "13.25", "14.25", "11.25", "12.25", "13.25",
                           "11.25", "12.25"),
             check=check_azure_day_first_folder),
        Case(name="azure_day_first_billing_period", what="Azure EA export with DD/MM/YYYY "
             "dates and billing-period columns (`01/10/2026`-`31/10/2026`), one line "
             "dated 02/11/2026", behaviour="quarantine", expected="read day-first (the "
             "period end 31/10/2026 can only be): October lines kept (was: every line "
             "quarantined); the November line quarantined as outside its billing period, "
             "date kept, not moved", account="AZ-CASE-38", provider="azure", lines_in=3,
             write=write_azure([
                 azure_line("AZ-CASE-38", n, Date=day, BillingPeriodStartDate="01/10/2026",
                            BillingPeriodEndDate="31/10/2026")
                 for n, day in ((1, "03/10/2026"), (2, "05/10/2026"), (3, "02/11/2026"))]),
             reason="charge date 2026-11-02 outside billing period 2026-10-01 to "
             "2026-10-31 of ", quarantined=1, cost_in=_cost("11.25", "12.25", "13.25"),
             check=check_azure_day_first_period),
        Case(name="azure_mixed_date_orders", what="Azure EA export mixing 13/10/2026 "
             "and 10/13/2026 (two tools wrote one file), one ISO-dated line",
             behaviour="quarantine", expected="the slashed-date lines quarantined: dates "
             "in both day/month orders, both values and the file named, no month guessed; "
             "the ISO line kept", account="AZ-CASE-39", provider="azure", lines_in=3,
             write=write_azure([
                 azure_line("AZ-CASE-39", n, Date=day, BillingPeriodStartDate="",
                            BillingPeriodEndDate="")
                 for n, day in ((1, "13/10/2026"), (2, "10/13/2026"), (3, "2026-10-05"))]),
             reason="dates in both day/month orders in one file (13/10/2026 reads only "
             "day-first, 10/13/2026 only month-first): set var mlcost_azure_date_order "
             "for ", quarantined=2, cost_in=_cost("11.25", "12.25", "13.25"),
             check=check_azure_mixed_orders),
        # deliveries: the newest delivery of a period counts, older ones are superseded
        Case(name="gcp_month_extracted_again", what="GCP month extracted again into a "
             "second file beside the first (newer, one more line: the open month grew)",
             behaviour="kept", expected="only the newer extract counts; the older one is "
             "superseded (rpt_billing_deliveries), not summed (was: the month doubled)",
             account="GCP-CASE-32", provider="gcp", lines_in=5, superseded=2,
             write=write_gcp_extracts([
                 ("-20261005.json", [gcp_row("GCP-CASE-32", 1), gcp_row("GCP-CASE-32", 2)],
                  OLDER),
                 ("-20261020.json", [gcp_row("GCP-CASE-32", n) for n in (1, 2, 3)], NEWER)]),
             cost_in=_cost("3.5", "4.5", "3.5", "4.5", "5.5"),
             superseded_cost=_cost("3.5", "4.5"),
             check=deliveries_are([
                 ("counted", "gcp_month_extracted_again-20261020.json", 3, "13.5", None),
                 ("superseded", "gcp_month_extracted_again-20261005.json", 2, "8.0",
                  "gcp_month_extracted_again-20261020.json")])),
        Case(name="gcp_sharded_extract", what="GCP month extracted with a wildcard as two "
             "shards (`-000000000000.json`, `-000000000001.json`) beside an older extract",
             behaviour="kept", expected="both shards count, as one delivery; the older "
             "extract is superseded",
             account="GCP-CASE-33", provider="gcp", lines_in=4, superseded=1,
             write=write_gcp_extracts([
                 ("-000000000000.json", [gcp_row("GCP-CASE-33", 1), gcp_row("GCP-CASE-33", 2)],
                  NEWER),
                 ("-000000000001.json", [gcp_row("GCP-CASE-33", 3)], NEWER + 60),
                 ("-20261003.json", [gcp_row("GCP-CASE-33", 1)], OLDER)]),
             cost_in=_cost("3.5", "4.5", "5.5", "3.5"), superseded_cost=_cost("3.5"),
             check=deliveries_are([
                 ("counted", "gcp_sharded_extract-*.json", 3, "13.5", None),
                 ("superseded", "gcp_sharded_extract-20261003.json", 1, "3.5",
                  "gcp_sharded_extract-*.json")])),
        Case(name="aws_assembly_redelivered", what="legacy CUR period in two assembly "
             "folders, no manifest read; the older assembly copied back in later with its "
             "write time preserved", behaviour="kept", expected="the assembly written last "
             "counts; the older one is superseded, whatever the copy order (was: its lines "
             "quarantined as duplicate line ids)",
             account="900000000034", provider="aws", lines_in=5, superseded=2,
             write=write_aws_assemblies([
                 ("asm-b", [aws_line("900000000034", n) for n in (1, 2, 3)], NEWER),
                 ("asm-a", [aws_line("900000000034", n) for n in (1, 2)], OLDER)]),
             cost_in=_cost("1.006", "1.006", "1.006", "1.006", "1.006"),
             superseded_cost=_cost("1.006", "1.006"),
             check=deliveries_are([
                 ("counted", "/asm-b", 3, "3.018", None),
                 ("superseded", "/asm-a", 2, "2.012", "/asm-b")])),
        Case(name="azure_part_copied_in_run", what="Azure export run with a part file "
             "copied beside itself (`part_0_0001 (1).csv`)", behaviour="quarantine",
             expected="the run counts once; the copy's lines quarantined naming the "
             "original part, and the build fails naming both files",
             account="AZ-CASE-35", provider="azure", lines_in=5, quarantined=2,
             write=write_azure_parts([
                 ("part_0_0001.csv", [azure_line("AZ-CASE-35", 1),
                                      azure_line("AZ-CASE-35", 2)], OLDER),
                 ("part_1_0001.csv", [azure_line("AZ-CASE-35", 3)], OLDER + 60),
                 ("part_0_0001 (1).csv", [azure_line("AZ-CASE-35", 1),
                                          azure_line("AZ-CASE-35", 2)], NEWER)]),
             reason="duplicate file: same lines as ",
             cost_in=_cost("11.25", "12.25", "13.25", "11.25", "12.25"),
             fails_tests=("assert_delivery_files_not_duplicated",),
             check=check_duplicate_part),
    ]
    return cases


def error_corpus() -> list[Case]:
    """Cases scripts/validate.py must stop before dbt, naming the file and the problem."""
    good = csv_text(AWS_HEADER, [aws_line("900000000099", 1), aws_line("900000000099", 2)])
    truncated = gzip.compress(good.encode(), mtime=0)
    shifted = good + good.splitlines()[1] + ",extra-value\n"
    missing = csv_text([column for column in AWS_HEADER
                        if column != "lineItem/UnblendedCost"],
                       [{key: value for key, value in aws_line("900000000098", 1).items()
                         if key != "lineItem/UnblendedCost"}])
    outside = csv_text(AWS_HEADER, [aws_line("900000000097", 1, **{
        "lineItem/UsageStartDate": "2026-12-24T00:00:00Z",
        "lineItem/UsageEndDate": "2026-12-24T01:00:00Z"})])
    all_strings = csv_text(AWS_HEADER, [aws_line("900000000096", n, **{
        "lineItem/UnblendedCost": f"USD {n},000.00"}) for n in range(1, 4)])
    return [
        Case(name="err_truncated_gzip", what="CUR gzip cut off mid-stream", behaviour="error",
             expected="stops: file cannot be read (exit 2), file named",
             write=write_text(".csv.gz", truncated[: len(truncated) // 2]),
             message=["err_truncated_gzip.csv.gz", "cannot be read"]),
        Case(name="err_shifted_column", what="CSV row with one value too many (shifted "
             "columns)", behaviour="error", expected="stops: the CSV dialect no longer "
             "matches the header, required columns reported missing, file named",
             write=write_text(".csv", shifted.encode()),
             message=["err_shifted_column.csv", "identity_line_item_id", "column missing"]),
        Case(name="err_missing_required_column", what="CUR without `lineItem/UnblendedCost`",
             behaviour="error", expected="stops: required column missing, file and column "
             "named", write=write_text(".csv", missing.encode()),
             message=["err_missing_required_column.csv", "line_item_unblended_cost",
                      "expect_column_to_exist"]),
        Case(name="err_outside_billing_period", what="CUR usage in December in an October "
             "bill", behaviour="error", expected="stops: timestamp outside the billing "
             "period, file, column and row named", write=write_text(".csv", outside.encode()),
             message=["err_outside_billing_period.csv", "line_item_usage_start_date",
                      "inside the billing period", "_row_number=1"]),
        Case(name="err_costs_all_strings", what="every cost a formatted string "
             "(`USD 1,000.00`)", behaviour="error", expected="stops: costs not numeric on "
             "more than the tolerated share, file, column and rows named",
             write=write_text(".csv", all_strings.encode()),
             message=["err_costs_all_strings.csv", "_row_number=1",
                      "unparseable line_item_unblended_cost: USD 1,000.00"]),
    ]


# --- faults: the database a build writes ----------------------------------------------------

@dataclass(frozen=True)
class Fault:
    """A fault of the database, not of an export: `produce` leaves it in a folder, and
    tests/test_database_health.py asserts that scripts/check_database.py exits with
    `exit_code` and a message holding each of `message` ({database} and {wal} stand for
    the files), and, with `build_fails`, that the dbt run it happened in failed naming the
    database."""
    name: str
    what: str
    expected: str
    produce: Callable[[Path], faults.Produced]
    exit_code: int
    message: list[str]
    build_fails: bool = False
    behaviour: str = "fault"


def fault_corpus() -> list[Fault]:
    # Disk and database health
    return [
        Fault(name="fault_disk_full_during_build", what="the disk fills while a nightly "
              "build replaces a table (the final checkpoint cannot write)",
              expected="build exits non-zero naming the database (was: \"Completed "
              "successfully\"); the check exits 1 naming the leftover `.wal` and the "
              "failed write", produce=faults.disk_full_during_build, exit_code=1,
              message=["{wal}", "not merged", "could not write", "File too large"],
              build_fails=True),
        Fault(name="fault_killed_writer", what="a build killed (kill -9) after it "
              "committed a write", expected="the check exits 1 naming the leftover `.wal`",
              produce=faults.killed_writer, exit_code=1,
              message=["{wal}", "not merged", "killed"]),
        Fault(name="fault_truncated_database", what="the database file cut short (an "
              "interrupted copy)", expected="the check exits non-zero naming the file and "
              "the table that cannot be read", produce=faults.truncated_database,
              exit_code=1, message=["{database}", "cannot be read", "damaged"]),
    ]


FAULT_CASES = fault_corpus()
