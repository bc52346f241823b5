"""Serving traffic, two ways a team has it.

``ml_jobs/ml_serving_traffic.csv``: the job contract's optional ``ml_serving_traffic`` table
(a dump of the team's own request metrics), one row per endpoint (the serving job's
job_id), UTC hour, tenant and model; the planted bad rows are appended to it.

``sagemaker/endpoint_metrics/YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-MM-SS-<id>.json.gz``:
the endpoint whose traffic CloudWatch measures (world.SERVING_CLOUDWATCH_MODEL), as a
CloudWatch metric stream in JSON output format delivers it through Firehose to S3
(newline-delimited objects, one per metric, dimension set and minute, gzip-compressed):
``metric_stream_name, account_id, region, namespace, metric_name, dimensions,
timestamp`` (epoch milliseconds), ``value {max, min, sum, count}``, ``unit``. Namespace
``AWS/SageMaker``, metrics ``Invocations``, ``Invocation4XXErrors`` and
``Invocation5XXErrors``, dimensions ``EndpointName`` (the serving job's job_name) and
``VariantName`` (one production variant per tenant). A minute without invocations has no
record. Files are gzip-compressed with no name or time in the header, so the same seed
gives the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

from ..world import Builder, ServingTraffic, World

CONTRACT_VAR = "mlcost_ml_serving_traffic"
CLOUDWATCH_VAR = "mlcost_sagemaker_endpoint_metrics"
CONTRACT_FILE = "ml_serving_traffic.csv"
COLUMNS = ["endpoint_id", "hour", "tenant", "model_name", "requests", "input_tokens",
           "output_tokens", "errors"]
STREAM = "mlcost-sagemaker-endpoints"
FIREHOSE = "mlcost-metrics-to-s3"
MINUTE = 60


def _cell(value: object) -> str:
    return "" if value is None else str(value)


def _hour_text(ts: int) -> str:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def contract_row(row: ServingTraffic) -> list[str]:
    return [row.endpoint_id, _hour_text(row.hour), row.tenant, row.model_name,
            str(row.requests), _cell(row.input_tokens), _cell(row.output_tokens),
            str(row.errors)]


def per_minute(count: int) -> list[int]:
    """An hour's count spread over its minutes (a deterministic even split)."""
    base, extra = divmod(count, 60)
    return [base + (1 if minute < extra else 0) for minute in range(60)]


def write(world: World, out_dir: Path) -> tuple[dict[str, str], dict[str, int]]:
    out_vars: dict[str, str] = {}
    counts: dict[str, int] = {}
    if not world.serving_traffic:
        return out_vars, counts
    contract = [t for t in world.serving_traffic if t.endpoint_id != world.serving_cloudwatch_job]
    contract.sort(key=lambda t: (t.endpoint_id, t.hour, t.tenant))
    target = out_dir / "ml_jobs"
    target.mkdir(parents=True, exist_ok=True)
    path = target / CONTRACT_FILE
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in contract:
            writer.writerow(contract_row(row))
        for row, _reason in world.planted_bad_traffic:
            writer.writerow(contract_row(row))
    out_vars[CONTRACT_VAR] = path.as_posix()
    counts[f"ml_jobs/{CONTRACT_FILE}"] = len(contract) + len(world.planted_bad_traffic)

    if world.serving_cloudwatch_job:
        records = write_metric_stream(world, out_dir / "sagemaker" / "endpoint_metrics")
        out_vars[CLOUDWATCH_VAR] = (out_dir / "sagemaker" / "endpoint_metrics").as_posix() \
            + "/*/*/*/*/*.json.gz"
        counts["sagemaker/endpoint_metrics"] = records
    return out_vars, counts


def write_metric_stream(world: World, root: Path) -> int:
    """One gzip file per UTC day of the CloudWatch endpoint's metric stream; returns the
    number of records."""
    job = next(j for j in world.jobs if j.job_id == world.serving_cloudwatch_job)
    account = Builder.sub_account("aws", True)  # the account prod machines bill to
    by_day: dict[str, list[str]] = {}
    rows = sorted((t for t in world.serving_traffic if t.endpoint_id == job.job_id),
                  key=lambda t: (t.hour, t.tenant))
    total = 0
    for row in rows:
        errors_5xx = row.errors // 3
        metrics = [("Invocations", row.requests), ("Invocation4XXErrors", row.errors - errors_5xx),
                   ("Invocation5XXErrors", errors_5xx)]
        day = datetime.fromtimestamp(row.hour, timezone.utc).strftime("%Y/%m/%d")
        lines = by_day.setdefault(day, [])
        for minute, counts in enumerate(zip(*(per_minute(n) for _, n in metrics))):
            for (metric, _), value in zip(metrics, counts):
                if value == 0:
                    continue
                lines.append(json.dumps({
                    "metric_stream_name": STREAM,
                    "account_id": account,
                    "region": job.region,
                    "namespace": "AWS/SageMaker",
                    "metric_name": metric,
                    "dimensions": {"EndpointName": job.job_name, "VariantName": row.tenant},
                    "timestamp": (row.hour + minute * MINUTE) * 1000,
                    "value": {"max": 1.0, "min": 1.0, "sum": float(value),
                              "count": float(value)},
                    "unit": "None",
                }, separators=(",", ":")))
    for day, lines in sorted(by_day.items()):
        folder = root / day / "00"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{FIREHOSE}-1-{day.replace('/', '-')}-00-00-00-{day.replace('/', '')}"
        with (folder / f"{name}.json.gz").open("wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as fh:
            fh.write(("\n".join(lines) + "\n").encode("utf-8"))
        total += len(lines)
    return total
