"""GPU utilization waste and right-sizing recover the generator's planted job to the cent.

The generator plants a 4-GPU g5.12xlarge fine-tune at 20 % utilization with 6.4 GB peak
memory per GPU (truth key ``gpu_utilization``): its unused GPU cost is the simulation's
attempt cost x (1 - 0.2), and one g5.xlarge, billed on demand in the same account and
region, would have done its work at the catalog's rate.
"""

from __future__ import annotations

import pytest

from build_support import BuiltProject

CENT = 0.01
ATTEMPTS = "main_marts.fct_ml_job_attempt_costs"
JOBS = "main_marts.fct_ml_job_costs"
RIGHTSIZING = "main_marts.rpt_ml_rightsizing_opportunities"
MONTHLY = "main_marts.rpt_ml_gpu_utilization_waste_monthly"


def test_planted_attempts_unused_gpu_cost_to_the_cent(built_sample: BuiltProject) -> None:
    planted = built_sample.truth["gpu_utilization"]["attempts"]
    assert planted, "the sample should plant a right-sizing job"
    for attempt in planted:
        rows = built_sample.query(f"""
            select gpu_utilization_pct, gpu_memory_peak_gb, billed_cost,
                unused_gpu_billed_cost, unused_gpu_effective_cost,
                unused_gpu_billed_cost_in_reporting_currency
            from {ATTEMPTS} where attempt_id = ?""", [attempt["attempt_id"]])
        assert len(rows) == 1, attempt["attempt_id"]
        utilization, memory, billed, unused_billed, unused_effective, unused_reporting = rows[0]
        assert utilization == pytest.approx(attempt["gpu_utilization_pct"])
        assert memory == pytest.approx(attempt["gpu_memory_peak_gb"])
        assert float(billed) == pytest.approx(attempt["billed_cost"], abs=CENT)
        assert float(unused_billed) == pytest.approx(attempt["unused_gpu_billed_cost"], abs=CENT)
        assert float(unused_effective) == pytest.approx(
            attempt["unused_gpu_effective_cost"], abs=CENT)
        # the sample bills in USD, the default reporting currency
        assert float(unused_reporting) == pytest.approx(
            attempt["unused_gpu_billed_cost"], abs=CENT)


def test_planted_job_rightsized_to_the_cent(built_sample: BuiltProject) -> None:
    truth = built_sample.truth["gpu_utilization"]
    for job in truth["jobs"]:
        rows = built_sample.query(f"""
            select rightsizing_status, rightsizing_kind, instance_type, gpu_count,
                needed_gpu_count, recommended_instance_type, price_basis,
                recommended_price_per_instance_hour, run_hours, effective_cost,
                estimated_effective_cost, rightsizing_saving,
                rightsizing_saving_in_reporting_currency, target_utilization_pct
            from {RIGHTSIZING} where job_id = ?""", [job["job_id"]])
        assert len(rows) == 1, job["job_id"]
        (status, kind, instance_type, gpus, needed, recommended, basis, price, run_hours,
         effective, estimated, saving, saving_reporting, target) = rows[0]
        assert target == truth["target_utilization_pct"]
        assert (status, kind, basis) == ("candidate", "fewer_gpus", "bill")
        assert (instance_type, gpus, needed) == (
            job["instance_type"], job["gpu_count"], job["needed_gpu_count"])
        assert recommended == job["recommended_instance_type"]
        assert price == pytest.approx(job["recommended_price_per_instance_hour"], abs=1e-6)
        assert run_hours == pytest.approx(job["run_hours"], abs=1e-6)
        assert float(effective) == pytest.approx(job["effective_cost"], abs=CENT)
        assert float(estimated) == pytest.approx(job["estimated_effective_cost"], abs=CENT)
        assert float(saving) == pytest.approx(job["rightsizing_saving"], abs=CENT)
        assert float(saving_reporting) == pytest.approx(job["rightsizing_saving"], abs=CENT)


def test_unknown_utilization_is_null_never_zero(built_sample: BuiltProject) -> None:
    (unknown, unknown_with_cost, wrongly_set), = built_sample.query(f"""
        select
            count(*),
            count(case when billed_cost > 0 then 1 end),
            count(unused_gpu_billed_cost) + count(unused_gpu_effective_cost)
            + count(unused_gpu_billed_cost_in_reporting_currency)
        from {ATTEMPTS}
        where gpu_utilization_pct is null and gpu_count > 0""")
    assert unknown > 0 and unknown_with_cost > 0, "the sample should have unmeasured attempts"
    assert wrongly_set == 0
    # a job none of whose attempts measured utilization: no waste figure, its cost unknown
    rows = built_sample.query(f"""
        select jobs.job_id, jobs.unused_gpu_billed_cost, jobs.utilization_unknown_billed_cost,
            jobs.billed_cost, jobs.gpu_utilization_pct
        from {JOBS} as jobs
        where jobs.job_id in (
            select job_id from {ATTEMPTS} where gpu_count > 0
            group by 1 having count(gpu_utilization_pct) = 0)""")
    assert rows
    for job_id, unused, unknown_cost, billed, utilization in rows:
        assert unused is None and utilization is None, job_id
        assert float(unknown_cost) == pytest.approx(float(billed), abs=CENT), job_id
    statuses = {status for status, in built_sample.query(f"""
        select distinct rightsizing_status from {RIGHTSIZING}
        where gpu_utilization_pct is null""")}
    assert statuses <= {"utilization_unknown"}


def test_monthly_aggregate_sums_equal_attempt_sums(built_sample: BuiltProject) -> None:
    columns = ["gpu_hours", "unused_gpu_billed_cost", "unused_gpu_effective_cost",
               "unused_gpu_billed_cost_in_reporting_currency"]
    monthly = built_sample.query(
        f"select {', '.join(f'sum({c})' for c in columns)}, "
        "sum(utilization_unknown_billed_cost), sum(utilization_known_gpu_hours), "
        f"sum(rightsizing_saving), sum(rightsizing_candidate_job_count) from {MONTHLY}")[0]
    attempts = built_sample.query(
        f"select {', '.join(f'sum({c})' for c in columns)}, "
        "sum(case when unused_gpu_billed_cost is null and gpu_count > 0 "
        "then billed_cost else 0 end), "
        "sum(case when unused_gpu_billed_cost is not null then gpu_hours else 0 end) "
        f"from {ATTEMPTS}")[0]
    for name, got, expected in zip([*columns, "utilization_unknown_billed_cost",
                                    "utilization_known_gpu_hours"], monthly, attempts):
        assert float(got) == pytest.approx(float(expected), abs=CENT), name
    saving, candidates = built_sample.query(f"""
        select sum(rightsizing_saving), count(*) from {RIGHTSIZING}
        where rightsizing_status = 'candidate'""")[0]
    assert float(monthly[-2]) == pytest.approx(float(saving), abs=CENT)
    assert monthly[-1] == candidates
    truth_saving = sum(job["rightsizing_saving"]
                       for job in built_sample.truth["gpu_utilization"]["jobs"])
    assert float(saving) >= truth_saving - CENT


def test_mlflow_system_metrics_give_utilization_and_peak_memory(
        built_sample: BuiltProject) -> None:
    """Runs that log MLflow's system metrics (system/gpu_<i>_utilization_percentage,
    system/gpu_<i>_memory_usage_megabytes) recover the attempt's utilization (mean over
    GPUs and samples) and peak memory (max, MB of 10^6 bytes / 1000 = GB) the platform
    recorded for the same attempt."""
    rows = built_sample.query("""
        select runs.attempt_id, runs.gpu_utilization_pct, runs.gpu_memory_peak_gb,
            attempts.gpu_utilization_pct, attempts.gpu_memory_peak_gb
        from main_intermediate.int_mlflow_runs_pivoted as runs
        inner join main_staging.stg_ml_jobs__job_attempts as attempts
            on runs.attempt_id = attempts.attempt_id
        where runs.gpu_memory_peak_gb is not null""")
    assert rows, "the sample should have runs with MLflow system metrics"
    for attempt_id, utilization, memory, recorded_utilization, recorded_memory in rows:
        assert utilization == pytest.approx(recorded_utilization, abs=0.01), attempt_id
        assert memory == pytest.approx(recorded_memory, abs=0.001), attempt_id
    logged_only, = built_sample.query("""
        select count(*) from main_intermediate.int_mlflow_runs_pivoted
        where gpu_utilization_pct is not null and gpu_memory_peak_gb is null""")[0]
    assert logged_only > 0, "runs with only a gpu_utilization metric keep their utilization"
