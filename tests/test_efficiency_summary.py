"""The ML cost review (rpt_ml_efficiency_monthly) counts every dollar once and recovers the
sample's planted facts: the attempts' spend is every job's cost in truth.json, the plateau
and repeat levers are the planted plateaus' and repeats' costs (no other run plateaus or
repeats, and none of them failed), and the levers never add up to more than the spend.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from build_support import BuiltProject

CENT = 0.01
MART = "main_marts.rpt_ml_efficiency_monthly"


def _lever_totals(built: BuiltProject) -> dict[str, float]:
    return {lever: float(total) for lever, total in built.query(
        f"select lever, sum(lever_billed_cost) from {MART} group by 1")}


def test_levers_never_add_up_to_more_than_the_spend(built_sample: BuiltProject) -> None:
    rows = built_sample.query(f"""
        select usage_month, team, billing_currency, sum(lever_billed_cost),
            min(spend_billed_cost), max(spend_billed_cost), min(lever_billed_cost)
        from {MART} group by 1, 2, 3""")
    assert rows, "the sample should give the cost review rows"
    for month, team, currency, levers, spend_low, spend_high, smallest in rows:
        assert spend_low == spend_high, (month, team, currency)
        assert float(levers) <= float(spend_high) + CENT, (month, team, currency)
        assert float(smallest) >= -CENT, (month, team, currency)
    ((unconverted,),) = built_sample.query(
        f"select count(*) from {MART} where lever_billed_cost_in_reporting_currency is null"
        " or spend_billed_cost_in_reporting_currency is null")
    assert unconverted == 0, "every lever converts into the reporting currency"


def test_attempt_spend_is_every_job_cost(built_sample: BuiltProject) -> None:
    """Spend less the idle and checkpoint levers (their own dollars) is the attempts' cost:
    per team, every job's billed cost in the simulation."""
    found = {team: float(total) for team, total in built_sample.query(f"""
        with team_months as (
            select usage_month, team, billing_currency,
                max(spend_billed_cost)
                - sum(case when lever in ('idle', 'checkpoints') then lever_billed_cost
                           else 0 end) as attempt_spend
            from {MART} group by 1, 2, 3
        )
        select team, sum(attempt_spend) from team_months group by 1""")}
    planted: dict[str, float] = defaultdict(float)
    for job in built_sample.truth["job_costs"]:
        planted[job["team"].strip().lower()] += job["billed_cost"]
    for team, billed in planted.items():
        assert found.get(team, 0.0) == pytest.approx(billed, abs=CENT), team


def test_plateau_and_repeat_levers_are_the_planted_ones(built_sample: BuiltProject) -> None:
    levers = _lever_totals(built_sample)
    plateaus = built_sample.truth["plateau_waste"]
    repeats = built_sample.truth["repeated_runs"]["repeats"]
    assert plateaus and repeats, "the sample should plant plateaus and repeats"
    assert levers["plateau"] == pytest.approx(
        sum(row["plateau_waste_billed_cost"] for row in plateaus), abs=CENT)
    assert levers["repeats"] == pytest.approx(
        sum(row["repeat_billed_cost"] for row in repeats), abs=CENT)


def test_failures_and_idle_levers_take_their_marts_whole(built_sample: BuiltProject) -> None:
    """Failures come first: the failure mart's cost, all of it. Idle machine hours are
    dollars no attempt was charged: the idle findings, all of them."""
    levers = _lever_totals(built_sample)
    (failed,), = built_sample.query(
        "select sum(wasted_billed_cost) from main_marts.fct_ml_failed_attempt_costs")
    (idle,), = built_sample.query("""
        select sum(finding_billed_cost) from main_marts.rpt_idle_and_orphaned_resources
        where finding = 'idle_machine'""")
    assert float(failed) > 0 and float(idle) > 0
    assert levers["failures"] == pytest.approx(float(failed), abs=CENT)
    assert levers["idle"] == pytest.approx(float(idle), abs=CENT)


def test_the_right_sized_job_wastes_its_unused_gpu_share(built_sample: BuiltProject) -> None:
    """The planted right-sizing job (20% utilization, succeeded, no plateau, no repeat):
    its unused GPU cost is in its team's utilization lever of the month it started."""
    planted = built_sample.truth["gpu_utilization"]["attempts"]
    assert planted, "the sample should plant a right-sizing job"
    for attempt in planted:
        ((team, month),) = built_sample.query("""
            select lower(team), cast(date_trunc('month', started_at) as date)
            from main_marts.fct_ml_job_attempt_costs where attempt_id = ?""",
            [attempt["attempt_id"]])
        ((utilization,),) = built_sample.query(
            f"select lever_billed_cost from {MART} where lever = 'utilization'"
            " and team = ? and usage_month = ?", [team, month])
        assert float(utilization) >= attempt["unused_gpu_billed_cost"] - CENT, attempt
