"""The ML platform models recover the generator's planted job facts to the cent.

Compute is what the truth calls compute: usage lines of a resource with an instance type
(VM, node or training instance hours, with AWS Savings Plan covered usage and negations).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from build_support import PROJECT_DIR, BuiltProject

CENT = 0.01
UNATTRIBUTED = "main_intermediate.int_compute_costs_unattributed"


def _by_provider(built: BuiltProject, column: str) -> dict[str, float]:
    rows = built.query(f"select x_provider, sum({column}) from {UNATTRIBUTED} group by 1")
    return {provider: float(total) for provider, total in rows}


def test_attributed_plus_unattributed_is_compute_cost(built_sample: BuiltProject) -> None:
    compute = dict(built_sample.query("""
        select x_provider, sum(billed_cost)
        from main_marts.fct_cost_lines
        where charge_category = 'Usage' and x_instance_type is not null
            and resource_id is not null
        group by 1"""))
    attributed = dict(built_sample.query("""
        select x_provider, sum(attributed_billed_cost)
        from main_intermediate.int_job_costs_attributed as attributed
        inner join main_marts.fct_cost_lines as lines
            on attributed.x_line_key = lines.x_line_key
        group by 1"""))
    unattributed = _by_provider(built_sample, "unattributed_billed_cost")
    assert set(compute) == {"aws", "gcp", "azure"}
    for provider, total in compute.items():
        split = float(attributed.get(provider, 0)) + unattributed[provider]
        assert split == pytest.approx(float(total), abs=CENT), provider


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure"])
def test_unattributed_compute_recovered_to_the_cent(
        built_sample: BuiltProject, provider: str) -> None:
    planted = {row["provider"]: row
               for row in built_sample.truth["unattributed_compute_billed_cost"]}[provider]
    compute = _by_provider(built_sample, "compute_billed_cost")
    attributed = _by_provider(built_sample, "attributed_billed_cost")
    unattributed = _by_provider(built_sample, "unattributed_billed_cost")
    assert compute[provider] == pytest.approx(planted["compute_billed_cost"], abs=CENT)
    assert attributed[provider] == pytest.approx(planted["attributed_billed_cost"], abs=CENT)
    assert unattributed[provider] == pytest.approx(planted["billed_cost"], abs=CENT)


def test_idle_resources_recovered_to_the_cent(built_sample: BuiltProject) -> None:
    planted = built_sample.truth["idle"]
    assert any(row["planted"] for row in planted), "the sample should plant an idle machine"
    found = {resource: (hours, float(cost)) for resource, hours, cost in built_sample.query(f"""
        select resource_id, sum(idle_hours), sum(idle_billed_cost)
        from {UNATTRIBUTED} group by 1 having sum(idle_hours) >= 1""")}
    assert set(found) == {row["resource_id"] for row in planted}
    for row in planted:
        hours, cost = found[row["resource_id"]]
        assert hours == pytest.approx(row["idle_hours"], abs=0.01), row
        assert cost == pytest.approx(row["idle_billed_cost"], abs=CENT), row


def test_every_job_cost_recovered_to_the_cent(built_sample: BuiltProject) -> None:
    built = {job_id: (float(billed), gpu_hours) for job_id, billed, gpu_hours in
             built_sample.query("select job_id, billed_cost, gpu_hours "
                                "from main_marts.fct_ml_job_costs")}
    for job in built_sample.truth["job_costs"]:
        billed, gpu_hours = built[job["job_id"]]
        assert billed == pytest.approx(job["billed_cost"], abs=CENT), job
        assert gpu_hours == pytest.approx(job["gpu_hours"], abs=0.01), job


def test_named_failures_recovered_to_the_cent(built_sample: BuiltProject) -> None:
    named = built_sample.truth["named_failures"]
    assert named, "the sample should plant failed attempts"
    for failure in named:
        rows = built_sample.query(
            "select wasted_billed_cost, wasted_gpu_hours, lost_since_checkpoint_billed_cost, "
            "attempt_status, failure_reason "
            "from main_marts.fct_ml_failed_attempt_costs where attempt_id = ?",
            [failure["attempt_id"]])
        assert len(rows) == 1, failure
        wasted, gpu_hours, lost, status, reason = rows[0]
        assert float(wasted) == pytest.approx(failure["wasted_billed_cost"], abs=CENT), failure
        assert gpu_hours == pytest.approx(failure["wasted_gpu_hours"], abs=0.01), failure
        assert float(lost) == pytest.approx(
            failure["lost_since_checkpoint_billed_cost"], abs=CENT), failure
        assert (status, reason) == (failure["status"], failure["failure_reason"]), failure


def test_checkpoint_savings_never_exceed_the_loss(built_sample: BuiltProject) -> None:
    rows = built_sample.query("""
        select count(*) from main_marts.fct_ml_failed_attempt_costs
        where lost_since_checkpoint_billed_cost > wasted_billed_cost + 0.000001
            or checkpoint_saving_billed_cost > lost_since_checkpoint_billed_cost + 0.000001
            or checkpoint_saving_billed_cost < 0""")
    assert rows == [(0,)]


def test_leaderboards_add_up_to_the_job_mart(built_sample: BuiltProject) -> None:
    jobs = {team: float(cost) for team, cost in built_sample.query(
        "select team, sum(billed_cost) from main_marts.fct_ml_job_costs group by 1")}
    board = {team: float(cost) for team, cost in built_sample.query("""
        select dimension_value, sum(billed_cost) from main_marts.rpt_ml_leaderboards
        where dimension = 'team' group by 1""")}
    assert board.keys() == jobs.keys()
    for team, cost in jobs.items():
        assert board[team] == pytest.approx(cost, abs=CENT), team
    dims = {dim for (dim,) in built_sample.query(
        "select distinct dimension from main_marts.rpt_ml_leaderboards")}
    assert dims == {"user_email", "team", "project", "model_name"}


def test_high_cost_jobs_rank_the_week_costliest_first(built_sample: BuiltProject) -> None:
    rows = built_sample.query("""
        select count(*) from main_marts.rpt_ml_high_cost_jobs as high_cost
        inner join (
            select
                cast(date_trunc('week', charge_period_start) as date) as week_start,
                job_id,
                sum(attributed_billed_cost) as billed_cost
            from main_intermediate.int_job_costs_attributed group by 1, 2
        ) as weekly
            on high_cost.week_start = weekly.week_start
            and weekly.billed_cost > high_cost.billed_cost
        where high_cost.rank_in_week = 1""")
    assert rows == [(0,)]
    assert built_sample.query(
        "select max(rank_in_week) from main_marts.rpt_ml_high_cost_jobs") == [(10,)]


def test_spot_opportunities_are_checkpointing_on_demand_jobs(
        built_sample: BuiltProject) -> None:
    rows = built_sample.query("""
        select count(*), sum(case when jobs.is_spot or not jobs.checkpoint_enabled
                                  then 1 else 0 end),
               sum(case when spot.spot_discount not between 0 and 1 then 1 else 0 end)
        from main_marts.rpt_ml_spot_opportunities as spot
        inner join main_marts.fct_ml_job_costs as jobs on spot.job_id = jobs.job_id""")
    count, wrong, bad_discount = rows[0]
    assert count > 0 and wrong == 0 and bad_discount == 0


def test_only_planted_attempt_nodes_are_unmatched(built_sample: BuiltProject) -> None:
    """The sample records nodes as EC2 ARNs, Kubernetes providerIDs, GCE self-links and
    numeric ids and Azure ids in other casing; all of them find their billing lines, and
    the one node planted on an account whose bill is not loaded is listed with its reason."""
    planted = built_sample.truth["unmatched_attempt_nodes"]
    assert planted, "the sample should plant an attempt node no billing line matches"
    found = set(built_sample.query(
        "select attempt_id, node_index, unmatched_reason "
        "from main_marts.fct_ml_unmatched_attempt_nodes"))
    assert found == {(row["attempt_id"], row["node_index"], row["reason"]) for row in planted}


def test_run_summary_counts_unmatched_attempt_nodes(built_sample: BuiltProject) -> None:
    planted = built_sample.truth["unmatched_attempt_nodes"]
    result = subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "summarize.py"),
         "--database", str(built_sample.database)],
        capture_output=True, text=True, check=True)
    count = len(planted)
    assert (f"{count} job attempt node{'' if count == 1 else 's'} matched no billing line"
            in result.stdout), result.stdout
    assert "fct_ml_unmatched_attempt_nodes" in result.stdout
    for row in planted:
        assert row["reason"] in result.stdout
