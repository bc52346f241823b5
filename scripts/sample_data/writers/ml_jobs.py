"""The canonical job contract: four CSV files an ML platform would export, and the optional
fifth, metric_history.csv (the metrics of runs MLflow does not track).

Columns are exactly the fields of ``Job``, ``Attempt``, ``AttemptNode`` and ``Checkpoint``
(model.py), in that order; UTC timestamps as ``2026-10-01T03:04:05Z``; booleans as
``true``/``false``; null as the empty string. Rows are sorted by their keys so that the files
are byte-identical for the same seed.

Attempt nodes name their machine the way schedulers record it, not always as the bill does
(``recorded_resource_id``): a third to a half of them as an EC2 instance ARN or a Kubernetes
``providerID`` (``aws:///zone/i-...``, ``gce://project/zone/name``, ``azure:///subscriptions/...``),
a GCE self-link or the instance's numeric id, or an Azure id in other casing. The truth is
keyed by the billed id, so job costs must come out the same.
"""

from __future__ import annotations

import csv
import math
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path

from ..model import Attempt, AttemptNode, Checkpoint, Job
from ..world import (Instance, World, dt_of, exports_metric_history, logs_val_loss,
                     metric_points, noise, val_loss_evaluations)

FILES = {
    "mlcost_ml_jobs": ("jobs.csv", Job),
    "mlcost_ml_job_attempts": ("job_attempts.csv", Attempt),
    "mlcost_ml_attempt_nodes": ("attempt_nodes.csv", AttemptNode),
    "mlcost_ml_checkpoints": ("checkpoints.csv", Checkpoint),
}


def cell(value: object) -> str:
    """One CSV cell in the contract's spelling."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


def write_table(path: Path, record_type: type, rows: list) -> int:
    names = [f.name for f in fields(record_type)]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([cell(getattr(row, n)) for n in names])
    return len(rows)


def recorded_resource_id(node: AttemptNode, instance: Instance | None) -> str:
    """The node's machine as a scheduler would record it: a stable choice per node among
    the forms its cloud's tools write (the billed id itself for about half the nodes)."""
    if instance is None or instance.role == "sagemaker":
        return node.resource_id
    pick = int(noise("node-id-form", node.attempt_id, node.node_index) * 6)
    if instance.provider == "aws":
        if pick == 0:
            return (f"arn:aws:ec2:{instance.region}:{instance.sub_account}:instance/"
                    f"{instance.resource_id}")
        if pick == 1:
            return f"aws:///{instance.zone}/{instance.resource_id}"
    elif instance.provider == "gcp":
        project, zone = instance.sub_account, instance.zone
        if pick == 0:
            return (f"https://www.googleapis.com/compute/v1/projects/{project}/zones/{zone}/"
                    f"instances/{instance.resource_name}")
        if pick == 1:
            return f"gce://{project}/{zone}/{instance.resource_name}"
        if pick == 2:
            return instance.resource_id.rsplit("/", 1)[-1]
    elif instance.provider == "azure":
        if pick == 0:
            return "azure://" + instance.resource_id
        if pick == 1:
            return instance.resource_id.lower() + "/"
    return node.resource_id


def write(world: World, out_dir: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Write the four tables under ``out_dir/ml_jobs``; return (vars, row counts)."""
    target = out_dir / "ml_jobs"
    target.mkdir(parents=True, exist_ok=True)
    instances = {i.resource_id: i for i in world.instances}
    tables = {
        Job: sorted(world.jobs, key=lambda j: j.job_id),
        Attempt: sorted(world.attempts, key=lambda a: (a.job_id, a.attempt_number)),
        AttemptNode: sorted(
            (replace(n, resource_id=recorded_resource_id(n, instances.get(n.resource_id)))
             for n in world.nodes),
            key=lambda n: (n.attempt_id, n.node_index)),
        Checkpoint: sorted(world.checkpoints, key=lambda c: c.checkpoint_id),
    }
    out_vars: dict[str, str] = {}
    counts: dict[str, int] = {}
    for var, (filename, record_type) in FILES.items():
        counts[f"ml_jobs/{filename}"] = write_table(target / filename, record_type,
                                                    tables[record_type])
        out_vars[var] = (target / filename).as_posix()
    path = target / METRIC_HISTORY_FILE
    counts[f"ml_jobs/{METRIC_HISTORY_FILE}"] = write_metric_history(world, path)
    out_vars["mlcost_ml_metric_history"] = path.as_posix()
    return out_vars, counts


METRIC_HISTORY_FILE = "metric_history.csv"
METRIC_HISTORY_COLUMNS = ["attempt_id", "metric_name", "step", "value", "logged_at"]


def write_metric_history(world: World, path: Path) -> int:
    """The optional metric_history table: the metrics of the training jobs MLflow does not
    track that the platform exports (world.exports_metric_history), train_loss and, for
    most runs, val_loss (one planted run's plateaus: world.py, Builder.plateau_runs). A
    NaN is written as ``NaN``; staging quarantines it as a value that is not a number."""
    jobs = {j.job_id: j for j in world.jobs}
    rows: list[list[str]] = []
    for a in sorted(world.attempts, key=lambda a: (a.job_id, a.attempt_number)):
        if not exports_metric_history(world.seed, jobs[a.job_id]):
            continue
        for i, (step, t) in enumerate(metric_points(world, a), 1):
            loss = 3.2 * math.exp(-0.08 * i) + 0.2 * noise("loss", a.attempt_id, i)
            rows.append([a.attempt_id, "train_loss", str(step), repr(round(loss, 6)),
                         cell(dt_of(t))])
        if logs_val_loss(world.seed, a.attempt_id):
            for step, t, value in val_loss_evaluations(world, a):
                rows.append([a.attempt_id, "val_loss", str(step),
                             "NaN" if value is None else repr(value), cell(dt_of(t))])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(METRIC_HISTORY_COLUMNS)
        writer.writerows(rows)
    return len(rows)
