"""Runs past their plateau (fct_ml_plateau_waste) recover the generator's planted plateaus.

The sample plants two runs whose val_loss stops improving at a known evaluation: one MLflow
tracks (its plateau evaluation logged twice at one step, the latest counting) and one of a
job MLflow does not track, whose metrics come from the job contract's metric_history.csv.
truth.json's plateau_waste gives each one's plateau step and time and the billed cost its
charges accrued after that time; every other run improves to its end.
"""

from __future__ import annotations

import csv

import pytest

from build_support import BuiltProject

CENT = 0.01
MART = "main_marts.fct_ml_plateau_waste"


def _planted(built: BuiltProject) -> dict[str, dict]:
    planted = {row["attempt_id"]: row for row in built.truth["plateau_waste"]}
    assert {row["source"] for row in planted.values()} == {"mlflow", "ml_jobs"}, \
        "the sample should plant a plateau in MLflow and one in metric_history.csv"
    return planted


def test_planted_plateaus_recovered_to_the_cent(built_sample: BuiltProject) -> None:
    for attempt_id, planted in _planted(built_sample).items():
        rows = built_sample.query(f"""
            select is_plateaued, metric_name, direction, plateau_step,
                strftime(plateau_at, '%Y-%m-%dT%H:%M:%SZ'), billed_cost,
                plateau_waste_billed_cost, plateau_waste_effective_cost,
                plateau_waste_billed_cost_in_reporting_currency
            from {MART} where attempt_id = ?""", [attempt_id])
        assert len(rows) == 1, f"{attempt_id} ({planted['source']}) is not in the mart"
        (plateaued, metric, direction, step, at, billed, waste_billed, waste_effective,
         waste_reporting) = rows[0]
        assert plateaued, attempt_id
        assert (metric, direction) == (planted["metric_name"], planted["direction"])
        assert step == planted["plateau_step"], attempt_id
        assert at == planted["plateau_at"], attempt_id
        assert float(billed) == pytest.approx(planted["billed_cost"], abs=CENT)
        assert float(waste_billed) == pytest.approx(
            planted["plateau_waste_billed_cost"], abs=CENT), attempt_id
        assert float(waste_effective) == pytest.approx(
            planted["plateau_waste_effective_cost"], abs=CENT), attempt_id
        # the sample bills in USD, the reporting currency
        assert float(waste_reporting) == pytest.approx(float(waste_billed), abs=CENT)


def test_only_the_planted_runs_plateau(built_sample: BuiltProject) -> None:
    plateaued = {row[0] for row in built_sample.query(
        f"select attempt_id from {MART} where is_plateaued")}
    assert plateaued == set(_planted(built_sample))
    not_plateaued = built_sample.query(f"""
        select count(*), sum(plateau_waste_billed_cost), count(plateau_at)
        from {MART} where not is_plateaued""")[0]
    assert not_plateaued[0] > 20, "most runs that log val_loss should be in the mart"
    assert float(not_plateaued[1]) == 0 and not_plateaued[2] == 0


def test_runs_without_the_watched_metric_are_not_reported(built_sample: BuiltProject) -> None:
    """An attempt that logged metrics but no val_loss is not in the mart (no guessed
    plateau); every attempt in the mart logged val_loss."""
    without = built_sample.query(f"""
        with logged as (
            select
                attempt_id,
                count(*) filter (where metric_name = 'val_loss') as val_loss_evaluations
            from main_intermediate.int_ml_metric_history_unioned
            group by 1
        )
        select
            count(*) filter (where logged.val_loss_evaluations = 0),
            count(*) filter (where logged.val_loss_evaluations = 0
                             and mart.attempt_id is not null),
            count(*) filter (where mart.attempt_id is not null
                             and coalesce(logged.val_loss_evaluations, 0) = 0)
        from logged
        full outer join {MART} as mart
            on logged.attempt_id = mart.attempt_id""")[0]
    assert without[0] >= 3, "the sample should have runs that log no val_loss"
    assert without[1] == 0 and without[2] == 0


def test_metric_rows_are_never_dropped_silently(built_sample: BuiltProject) -> None:
    """A NaN val_loss of metric_history.csv (a run that failed on a NaN loss) is
    quarantined, not read as a value; the MLflow step logged twice keeps its latest (real)
    value. (tests/bad_inputs: the other reasons.)"""
    quarantined = built_sample.query("""
        select x_quarantine_reason, count(*)
        from main_marts.fct_quarantined_ml_job_records
        where record_type = 'metric_history'
        group by 1""")
    with (built_sample.data_dir / "ml_jobs" / "metric_history.csv").open() as fh:
        nans = sum(1 for row in csv.DictReader(fh) if row["value"] == "NaN")
    assert dict(quarantined) == ({"value is not a finite number": nans} if nans else {})
    staged, kept = built_sample.query("""
        select
            (select count(*) from main_staging.stg_ml_jobs__metric_history),
            (select count(*) from main_intermediate.int_ml_metric_history_unioned
             where metric_source = 'ml_jobs')""")[0]
    quarantined_total = sum(count for _, count in quarantined)
    assert staged == kept + quarantined_total
    planted = next(row for row in built_sample.truth["plateau_waste"]
                   if row["source"] == "mlflow")
    logged = built_sample.query("""
        select count(*), max(value)
        from main_intermediate.int_ml_metric_history_unioned
        where attempt_id = ? and metric_name = 'val_loss' and step = ?""",
                                [planted["attempt_id"], planted["plateau_step"]])[0]
    assert logged[0] == 1
    best = built_sample.query(f"select plateau_best_value from {MART} where attempt_id = ?",
                              [planted["attempt_id"]])[0][0]
    assert logged[1] == pytest.approx(best)
