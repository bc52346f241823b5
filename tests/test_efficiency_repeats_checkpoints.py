"""Issue 15's repeated runs and checkpoint retention recover the generator's planted facts
to the cent: the planted repeats (config_hash, MLflow params + git commit + dataset digest)
with the keys that matched and their billed cost, no row for the controls, and the planted
job's old checkpoints (newest kept, the one a retry resumed from excluded) with what
deleting them saves a month at the price the bucket is billed at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from build_support import BuiltProject, query_database, run_dbt

CENT = 0.01
REPEATS = "main_marts.rpt_ml_repeated_runs"
RETENTION = "main_marts.rpt_checkpoint_retention_savings"


def test_planted_repeats_recovered_to_the_cent(built_sample: BuiltProject) -> None:
    planted = built_sample.truth["repeated_runs"]["repeats"]
    assert {row["matched_keys"] for row in planted} == {
        "config_hash", "params,git_commit,dataset_digest"}, "both kinds should be planted"
    found = {job_id: (earlier, keys, float(billed)) for job_id, earlier, keys, billed in
             built_sample.query(f"select job_id, earlier_job_id, matched_keys, "
                                f"repeat_billed_cost from {REPEATS}")}
    for row in planted:
        earlier, keys, billed = found[row["job_id"]]
        assert earlier == row["earlier_job_id"], row
        assert keys == row["matched_keys"], row
        assert billed == pytest.approx(row["repeat_billed_cost"], abs=CENT), row


def test_controls_are_no_repeats(built_sample: BuiltProject) -> None:
    controls = built_sample.truth["repeated_runs"]["non_repeats"]
    assert len(controls) == 2
    rows = built_sample.query(
        f"select job_id from {REPEATS} where job_id in ({', '.join('?' * len(controls))})",
        controls)
    assert rows == []


def _retention_rows(built: BuiltProject, database: Path | None = None
                    ) -> dict[str, tuple]:
    sql = (f"select checkpoint_retention_id, candidate_checkpoint_count, candidate_size_gb, "
           f"price_basis, monthly_delete_saving, monthly_archive_saving from {RETENTION}")
    rows = query_database(database or built.database, sql)
    return {row[0]: row[1:] for row in rows}


def _assert_retention(found: dict[str, tuple], planted: list[dict]) -> None:
    for row in planted:
        key = f"{row['job_id']}|{row['bucket']}"
        if not row["candidate_checkpoint_count"]:
            assert key not in found, row
            continue
        count, size_gb, basis, delete, archive = found[key]
        assert count == row["candidate_checkpoint_count"], row
        assert size_gb == pytest.approx(row["candidate_size_gb"], abs=0.001), row
        assert basis == "bucket", row
        assert float(delete) == pytest.approx(row["monthly_delete_saving"], abs=CENT), row
        assert 0 < float(archive) < float(delete), row


def test_checkpoint_retention_at_the_default_age(built_sample: BuiltProject) -> None:
    """At the default 30 days, the test sample's 21-day window holds no old enough
    checkpoint (the planted job shows no row); the default 45-day sample does."""
    planted = [row for row in built_sample.truth["checkpoint_retention"]
               if row["archive_days"] == 30]
    assert planted and all(row["resumed_from_checkpoint_ids"] for row in planted)
    _assert_retention(_retention_rows(built_sample), planted)


def test_checkpoint_retention_recovered_to_the_cent(
        built_sample: BuiltProject, tmp_path: Path) -> None:
    """The mart rebuilt with mlcost_checkpoint_archive_days 7 on a copy of the sample's
    database: the planted job's candidates leave out its newest 3 checkpoints and the one
    its retry resumed from."""
    planted = [row for row in built_sample.truth["checkpoint_retention"]
               if row["archive_days"] == 7]
    assert planted and all(row["candidate_checkpoint_count"] for row in planted)
    database = tmp_path / "mlcost.duckdb"
    shutil.copyfile(built_sample.database, database)
    vars_yaml = ((built_sample.data_dir / "mlcost_vars.yml").read_text()
                 + "\nmlcost_checkpoint_archive_days: 7\n")
    result = run_dbt(["run", "--select", "rpt_checkpoint_retention_savings",
                      "--vars", vars_yaml], database, tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    _assert_retention(_retention_rows(built_sample, database), planted)
