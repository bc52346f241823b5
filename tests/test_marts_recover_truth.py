"""The marts recover what the generator planted, to the cent.

The generator computes its truth from the simulation (what ran where, what it was charged),
never from the files it wrote; these tests read only the marts dbt built from those files.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from build_support import BuiltProject

CENT = 0.01


def test_dbt_build_ran_models_and_tests(built_sample: BuiltProject) -> None:
    output = built_sample.dbt_output
    assert "Completed successfully" in output
    assert "ERROR=0" in output and "PASS=" in output


def test_clean_sample_quarantines_nothing(built_sample: BuiltProject) -> None:
    rows = built_sample.query(
        "select x_source_format, x_quarantine_reason, count(*) "
        "from main_marts.fct_quarantined_cost_lines group by 1, 2")
    assert rows == []


def _billed_by_provider_month(built: BuiltProject) -> dict[tuple[str, str], Decimal]:
    rows = built.query("""
        select x_provider, strftime(billing_period_start, '%Y-%m'), sum(billed_cost)
        from (
            select x_provider, billing_period_start, billed_cost
            from main_marts.fct_cost_lines
            union all
            select x_provider, billing_period_start, billed_cost
            from main_marts.fct_quarantined_cost_lines
        )
        group by 1, 2
    """)
    return {(provider, month): total for provider, month, total in rows}


def test_every_planted_provider_month_is_in_the_marts(built_sample: BuiltProject) -> None:
    planted = {(t["provider"], t["billing_period"]) for t in built_sample.truth["billing_totals"]}
    built = set(_billed_by_provider_month(built_sample))
    assert planted == built
    assert {provider for provider, _ in planted} == {"aws", "gcp", "azure"}
    assert len({month for _, month in planted}) >= 2, "the sample should span two periods"


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure"])
def test_billed_cost_per_month_recovered_to_the_cent(
        built_sample: BuiltProject, provider: str) -> None:
    built = _billed_by_provider_month(built_sample)
    totals = [t for t in built_sample.truth["billing_totals"] if t["provider"] == provider]
    assert totals, f"the generator planted no {provider} bill"
    for total in totals:
        recovered = float(built[(provider, total["billing_period"])])
        assert recovered == pytest.approx(total["billed_cost"], abs=CENT), total


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure"])
def test_effective_cost_per_month_recovered_to_the_cent(
        built_sample: BuiltProject, provider: str) -> None:
    """EffectiveCost amortizes commitments (AWS RI/SP, Azure amortized exports, GCP CUDs)."""
    rows = dict(((month, float(cost)) for month, cost in built_sample.query("""
        select strftime(billing_period_start, '%Y-%m'), sum(effective_cost)
        from main_marts.fct_cost_lines where x_provider = ? group by 1""", [provider])))
    totals = [t for t in built_sample.truth["billing_totals"] if t["provider"] == provider]
    assert totals
    for total in totals:
        assert rows[total["billing_period"]] == pytest.approx(
            total["effective_cost"], abs=CENT), total


def test_named_job_costs_recovered_to_the_cent(built_sample: BuiltProject) -> None:
    named = built_sample.truth["named_jobs"]
    assert len(named) >= 5
    for job in named:
        rows = built_sample.query(
            "select billed_cost, effective_cost, gpu_hours, attempt_count, final_status, "
            "team, user_email from main_marts.fct_ml_job_costs where job_id = ?",
            [job["job_id"]])
        assert len(rows) == 1, job
        billed, effective, gpu_hours, attempts, status, team, user = rows[0]
        assert float(billed) == pytest.approx(job["billed_cost"], abs=CENT), job
        assert float(effective) == pytest.approx(job["effective_cost"], abs=CENT), job
        assert gpu_hours == pytest.approx(job["gpu_hours"], abs=0.01), job
        assert attempts == job["attempt_count"], job
        assert status == job["final_status"], job
        assert (team, user) == (job["team"], job["user_email"]), job
