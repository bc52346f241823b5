"""The canonical job contract: four CSV files an ML platform would export.

Columns are exactly the fields of ``Job``, ``Attempt``, ``AttemptNode`` and ``Checkpoint``
(model.py), in that order; UTC timestamps as ``2026-10-01T03:04:05Z``; booleans as
``true``/``false``; null as the empty string. Rows are sorted by their keys so that the files
are byte-identical for the same seed.
"""

from __future__ import annotations

import csv
from dataclasses import fields
from datetime import datetime
from pathlib import Path

from ..model import Attempt, AttemptNode, Checkpoint, Job
from ..world import World

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


def write(world: World, out_dir: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Write the four tables under ``out_dir/ml_jobs``; return (vars, row counts)."""
    target = out_dir / "ml_jobs"
    target.mkdir(parents=True, exist_ok=True)
    tables = {
        Job: sorted(world.jobs, key=lambda j: j.job_id),
        Attempt: sorted(world.attempts, key=lambda a: (a.job_id, a.attempt_number)),
        AttemptNode: sorted(world.nodes, key=lambda n: (n.attempt_id, n.node_index)),
        Checkpoint: sorted(world.checkpoints, key=lambda c: c.checkpoint_id),
    }
    out_vars: dict[str, str] = {}
    counts: dict[str, int] = {}
    for var, (filename, record_type) in FILES.items():
        counts[f"ml_jobs/{filename}"] = write_table(target / filename, record_type,
                                                    tables[record_type])
        out_vars[var] = (target / filename).as_posix()
    return out_vars, counts
