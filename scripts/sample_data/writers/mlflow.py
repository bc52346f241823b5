"""An MLflow tracking store, as CSV dumps of its SQL tables.

Tables and column names are MLflow's SQLAlchemy store schema (``mlflow/store/tracking/
dbmodels/models.py``): ``experiments``, ``runs``, ``tags``, ``params``, ``metrics``. Times are
epoch milliseconds, as MLflow stores them. One run per job attempt, for the training and
fine-tune jobs of teams that use MLflow (not every job is tracked, as in real life).

Realism the marts must survive:

* The link to the platform's job is a run tag (``mlcost.job_id``, ``mlcost.attempt_id``),
  missing on some runs (people launch runs by hand).
* An attempt killed by a spot preemption never reported back: its run stays ``RUNNING``
  with no ``end_time`` (a "zombie" run). Failed and killed attempts are ``FAILED``/``KILLED``.
* Most runs evaluate ``val_loss`` at each metric point, improving; one planted run's
  ``val_loss`` plateaus (world.py, ``Builder.plateau_runs``), and its plateau evaluation is
  logged twice at the same step, first with a worse value (the latest timestamp counts). A
  run that failed on a NaN loss logs its last ``val_loss`` as NaN (value 0, ``is_nan``).
"""

from __future__ import annotations

import csv
import hashlib
import math
from pathlib import Path

from ..model import Attempt
from ..world import (MLFLOW_TRACKED_TEAMS, World, logs_val_loss, mlflow_tracks, noise, ts_of,
                     val_loss_evaluations)

TRACKED_TEAMS = MLFLOW_TRACKED_TEAMS
STATUS = {"succeeded": "FINISHED", "failed": "FAILED", "killed": "KILLED",
          "running": "RUNNING", "preempted": "RUNNING"}
TABLES = {
    "experiments": ["experiment_id", "name", "artifact_location", "lifecycle_stage",
                    "creation_time", "last_update_time"],
    "runs": ["run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id",
             "status", "start_time", "end_time", "source_version", "lifecycle_stage",
             "artifact_uri", "experiment_id", "deleted_time"],
    "tags": ["key", "value", "run_uuid"],
    "params": ["key", "value", "run_uuid"],
    "metrics": ["key", "value", "timestamp", "run_uuid", "step", "is_nan"],
}
VARS = {"experiments": "mlcost_mlflow_experiments", "runs": "mlcost_mlflow_runs",
        "tags": "mlcost_mlflow_tags", "params": "mlcost_mlflow_params",
        "metrics": "mlcost_mlflow_metrics"}
ARTIFACT_ROOT = "s3://tl-mlflow-artifacts"


def run_uuid(seed: int, attempt_id: str) -> str:
    return hashlib.sha256(f"mlflow-run|{seed}|{attempt_id}".encode()).hexdigest()[:32]


def ms(ts: int) -> int:
    return ts * 1000


def write(world: World, out_dir: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Write the five tables under ``out_dir/mlflow``; return (vars, row counts)."""
    rows: dict[str, list[list]] = {name: [] for name in TABLES}
    experiments: dict[tuple[str, str], int] = {}
    rows["experiments"].append([0, "Default", f"{ARTIFACT_ROOT}/0", "active",
                                ms(world.start - 200 * 86400), ms(world.start - 200 * 86400)])
    attempts_by_job: dict[str, list[Attempt]] = {}
    for a in world.attempts:
        attempts_by_job.setdefault(a.job_id, []).append(a)
    for job in sorted(world.jobs, key=lambda j: j.job_id):
        planted = job.job_id in world.planted_mlflow_runs
        if not planted and not mlflow_tracks(world.seed, job):
            continue
        key = (job.team, job.project)
        if key not in experiments:
            experiment_id = len(experiments) + 1
            experiments[key] = experiment_id
            created = ms(world.start - int(30 * 86400 * (1 + noise("exp", *key))))
            rows["experiments"].append([experiment_id, f"/{job.team}/{job.project}",
                                        f"{ARTIFACT_ROOT}/{experiment_id}", "active", created,
                                        created])
        experiment_id = experiments[key]
        for a in sorted(attempts_by_job[job.job_id], key=lambda a: a.attempt_number):
            add_run(world, rows, job, a, experiment_id)
    # experiments' last_update_time: their latest run start
    latest: dict[int, int] = {}
    for run in rows["runs"]:
        latest[run[12]] = max(latest.get(run[12], 0), run[7])
    for exp in rows["experiments"]:
        exp[5] = max(exp[5], latest.get(exp[0], 0))
    target = out_dir / "mlflow"
    target.mkdir(parents=True, exist_ok=True)
    out_vars, counts = {}, {}
    for name, columns in TABLES.items():
        path = target / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows([["" if v is None else v for v in row] for row in rows[name]])
        out_vars[VARS[name]] = path.as_posix()
        counts[f"mlflow/{name}.csv"] = len(rows[name])
    return out_vars, counts


def add_run(world: World, rows: dict[str, list[list]], job, a: Attempt,
            experiment_id: int) -> None:
    uuid = run_uuid(world.seed, a.attempt_id)
    start = ts_of(a.started_at)
    end = None if a.ended_at is None else ts_of(a.ended_at)
    status = STATUS[a.status]
    if a.status == "preempted":
        end = None  # the process died with its VM: the run never reported back
    # A planted run (World.planted_mlflow_runs) has the params and tags its scenario set.
    planted = world.planted_mlflow_runs.get(job.job_id, {})
    planted_tags = planted.get("tags", {})
    commit = planted_tags.get("mlflow.source.git.commit") or hashlib.sha1(
        f"{job.project}|{job.submitted_at:%Y%m%d}".encode()).hexdigest()
    source = "train.py" if job.job_type == "training" else "finetune.py"
    rows["runs"].append([uuid, f"{job.job_name}-{a.attempt_number}", "JOB", source, "",
                         job.user_email, status, ms(start), None if end is None else ms(end),
                         commit, "active", f"{ARTIFACT_ROOT}/{experiment_id}/{uuid}/artifacts",
                         experiment_id, None])
    tags = [("mlflow.user", job.user_email), ("mlflow.source.name", source),
            ("mlflow.source.type", "JOB"), ("mlflow.runName", f"{job.job_name}-{a.attempt_number}"),
            ("mlflow.source.git.commit", commit), ("team", job.team), ("cloud", job.provider),
            ("instance_type", job.instance_type)]
    if planted or noise("mlflow-untagged", world.seed, a.attempt_id) >= 0.1:
        tags += [("mlcost.job_id", job.job_id), ("mlcost.attempt_id", a.attempt_id)]
    if a.resumed_from_checkpoint_id:
        tags.append(("resumed_from_checkpoint", a.resumed_from_checkpoint_id))
    tags += [(k, v) for k, v in planted_tags.items() if k != "mlflow.source.git.commit"]
    rows["tags"].extend([[k, v, uuid] for k, v in tags])
    lr = round(10 ** (-5 + 2 * noise("lr", a.job_id)), 8)
    params = [("model_name", job.model_name), ("learning_rate", repr(lr)),
              ("batch_size", str(2 ** (4 + int(4 * noise("bs", a.job_id))))),
              ("num_nodes", str(job.node_count)), ("gpus_per_node", str(job.gpus_per_node)),
              ("max_steps", str(1000 * (5 + int(50 * noise("steps", a.job_id))))),
              ("precision", "bf16")]
    if planted:
        params = list(planted["params"])
    rows["params"].extend([[k, v, uuid] for k, v in params])
    stop = end if end is not None else min(world.end, start + 3600 * 48)
    if a.status == "preempted":
        stop = ts_of(a.ended_at) - 60
    points = 12
    # About a third of the runs that measured their GPUs log MLflow's system metrics
    # instead of a gpu_utilization metric of their own.
    system_metrics = (a.gpu_utilization_pct is not None and a.gpu_memory_peak_gb is not None
                      and noise("mlflow-system-metrics", world.seed, a.attempt_id) < 0.35)
    for i in range(1, points + 1):
        t = start + (stop - start) * i // points
        step = (a.attempt_number - 1) * 10_000 + i * 250
        loss = 3.2 * math.exp(-0.08 * i) + 0.2 * noise("loss", a.attempt_id, i)
        nan = a.status == "failed" and a.failure_reason == "NaN loss detected" and i == points
        # MLflow stores a NaN as value 0 with is_nan true (not every database holds NaN)
        rows["metrics"].append(["train_loss", 0.0 if nan else round(loss, 6), ms(t), uuid,
                                step, "true" if nan else "false"])
        if system_metrics:
            add_system_metrics(rows, job, a, uuid, i, ms(t), step)
            continue
        util = a.gpu_utilization_pct if a.gpu_utilization_pct is not None else 50.0
        rows["metrics"].append(["gpu_utilization", round(util + 6 * (noise("u", a.attempt_id, i)
                                                                    - 0.5), 3),
                                ms(t), uuid, step, "false"])
    if not logs_val_loss(world.seed, a.attempt_id):
        return
    planted = {p.attempt_id: p for p in world.planted_plateaus if p.source == "mlflow"}
    relogged = planted.get(a.attempt_id)
    for step, t, value in val_loss_evaluations(world, a):
        if relogged is not None and step == relogged.step:
            # logged twice at the plateau's step: a worse value first, then the real one
            rows["metrics"].append(["val_loss", round(value * 1.5, 6), ms(t - 30), uuid, step,
                                    "false"])
        rows["metrics"].append(["val_loss", 0.0 if value is None else value, ms(t), uuid,
                                step, "true" if value is None else "false"])


def add_system_metrics(rows: dict[str, list[list]], job, a: Attempt, uuid: str, i: int,
                       timestamp_ms: int, step: int) -> None:
    """MLflow's own system metrics (MLflow >= 2.8) at one sample, per GPU of the first node,
    as its GPU monitor names them: utilization in percent, memory in use in MB (NVML's bytes
    / 1e6). Utilization averages to the attempt's over GPUs and samples (the noise of the
    two halves of the GPUs cancels); the highest memory sample is the attempt's peak."""
    gpus = max(1, job.gpus_per_node)
    for gpu in range(gpus):
        sign = 1 if gpu % 2 == 0 else -1
        wobble = 0.0 if gpus % 2 else 4 * (noise("gpu-u", a.attempt_id, i) - 0.5) * sign
        rows["metrics"].append([f"system/gpu_{gpu}_utilization_percentage",
                                round(a.gpu_utilization_pct + wobble, 6), timestamp_ms, uuid,
                                step, "false"])
        peak_mb = a.gpu_memory_peak_gb * 1000
        share = 1.0 if (gpu == 0 and i == 6) else 0.6 + 0.35 * noise("gpu-m", a.attempt_id,
                                                                      gpu, i)
        rows["metrics"].append([f"system/gpu_{gpu}_memory_usage_megabytes",
                                round(peak_mb * share, 3), timestamp_ms, uuid, step, "false"])
