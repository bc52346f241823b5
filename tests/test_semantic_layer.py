"""The semantic layer (models/marts/*/_*__semantic.yml) answers what the marts answer.

Over the generated sample (built_sample), MetricFlow's CLI (`mf`, installed beside dbt by
requirements.txt) validates the semantic models against the database, lists every metric,
and queries the metrics with group-bys. Each answer is checked against SQL written here
over the mart tables: money to the cent, ratios as a sum over a sum. Where the sample makes
them differ, the ratio metrics are checked to NOT be the naive answers the marts invite (the
average of a per-row ratio column, all tag rows summed, a percentage read as a ratio).

`mf` reads `<project>/target/semantic_manifest.json`: the test parses the project into a
folder of its own holding a copy of dbt_project.yml (the project's profile, with
MLCOST_DUCKDB_PATH at the built database), so it never writes the project's target/. It
runs after the build finished, so the database file is not locked.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from build_support import PROJECT_DIR, BuiltProject, run_dbt

MF = Path(sys.executable).with_name("mf")
MARTS = "main_marts"
CENT = 0.005
RATIO_TOLERANCE = 1e-9
# What the issue asked the layer to answer; every metric of the YAML files is listed too.
REQUIRED_METRICS = {
    "billed_cost", "effective_cost", "gpu_hours", "effective_cost_per_gpu_hour",
    "failure_wasted_cost", "failed_attempt_rate", "failure_wasted_cost_share",
    "idle_and_orphaned_cost", "egress_cost", "egress_gb", "tag_coverage_by_dollars",
    "budget_used_ratio", "commitment_utilization",
}
UNSUCCESSFUL = "('failed', 'killed', 'preempted')"


@dataclass(frozen=True)
class SemanticLayer:
    project_dir: Path
    env: dict[str, str]
    built: BuiltProject

    def mf(self, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([str(MF), *args], cwd=self.project_dir, env=self.env,
                                capture_output=True, text=True)
        if result.returncode != 0:
            pytest.fail(f"`mf {' '.join(args)}` failed:\n{result.stdout[-6000:]}"
                        f"\n{result.stderr[-3000:]}")
        return result

    def query(self, metrics: list[str], group_by: list[str]) -> list[dict[str, str]]:
        """Rows of `mf query`, as the CSV it writes (one dict per row)."""
        out = self.project_dir / f"query_{len(list(self.project_dir.glob('query_*')))}.csv"
        args = ["query", "--metrics", ",".join(metrics), "--csv", str(out), "--quiet"]
        if group_by:
            args += ["--group-by", ",".join(group_by)]
        self.mf(*args)
        with out.open(newline="") as handle:
            return list(csv.DictReader(handle))

    def sql(self, sql: str) -> list[tuple]:
        return self.built.query(sql)


def semantic_metric_names() -> set[str]:
    """Every metric the semantic YAML files define."""
    names = set()
    for path in sorted((PROJECT_DIR / "models" / "marts").glob("*/_*__semantic.yml")):
        names |= {metric["name"] for metric in yaml.safe_load(path.read_text())["metrics"]}
    return names


@pytest.fixture(scope="module")
def layer(built_sample: BuiltProject, tmp_path_factory: pytest.TempPathFactory
          ) -> SemanticLayer:
    if not MF.exists():
        pytest.fail(f"MetricFlow's `mf` is not installed beside {sys.executable}: run "
                    "`make install` (requirements.txt pins dbt-metricflow).")
    project_dir = tmp_path_factory.mktemp("semantic_layer")
    # Parse with the built database's path: the manifest names its database (the file's
    # stem), which MetricFlow writes into every query.
    result = run_dbt(["parse"], built_sample.database, project_dir)
    if result.returncode != 0:
        pytest.fail(f"dbt parse failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    shutil.copy(PROJECT_DIR / "dbt_project.yml", project_dir / "dbt_project.yml")
    env = {**os.environ, "DBT_PROJECT_DIR": str(project_dir),
           "DBT_PROFILES_DIR": str(PROJECT_DIR), "MLCOST_DUCKDB_PATH": str(built_sample.database),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}
    return SemanticLayer(project_dir=project_dir, env=env, built=built_sample)


# --- comparing answers ------------------------------------------------------------------------

def _key_part(value: object) -> str:
    """A group-by value as both sides can spell it: days as YYYY-MM-DD, null as ''."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    text = str(value)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return text[:10]  # mf writes metric_time as '2026-11-01 00:00:00'
    return text.lower() if text in ("True", "False") else text


def _number(value: object) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def mf_answers(rows: list[dict[str, str]], group_by: list[str], metric: str
               ) -> dict[tuple[str, ...], float | None]:
    return {tuple(_key_part(row[column]) for column in group_by): _number(row[metric])
            for row in rows}


def sql_answers(rows: Iterable[tuple], width: int) -> dict[tuple[str, ...], float | None]:
    """SQL rows of `width` group-by columns, then the value."""
    return {tuple(_key_part(value) for value in row[:width]): _number(row[width])
            for row in rows}


def assert_same(got: dict, expected: dict, tolerance: float, what: str,
                relative: bool = False) -> None:
    assert expected, f"{what}: the independent SQL found no rows"
    assert set(got) == set(expected), (
        f"{what}: groups differ: only in mf {sorted(set(got) - set(expected))[:5]}, "
        f"only in SQL {sorted(set(expected) - set(got))[:5]}")
    for key, want in expected.items():
        have = got[key]
        if want is None or have is None:
            assert want is None and have is None, f"{what} {key}: mf {have}, SQL {want}"
            continue
        bound = tolerance * max(1.0, abs(want)) if relative else tolerance
        assert abs(have - want) < bound, f"{what} {key}: mf {have}, SQL {want}"


def check_metric(layer: SemanticLayer, metrics: list[str], group_by: list[str],
                 sql_by_metric: dict[str, str], money: Callable[[str], bool]) -> list[dict]:
    """Query `metrics` grouped by `group_by` and compare each with its SQL."""
    rows = layer.query(metrics, group_by)
    assert rows, f"mf returned no rows for {metrics} by {group_by}"
    for metric in metrics:
        expected = sql_answers(layer.sql(sql_by_metric[metric]), len(group_by))
        tolerance, relative = (CENT, False) if money(metric) else (RATIO_TOLERANCE, True)
        assert_same(mf_answers(rows, group_by, metric), expected, tolerance,
                    f"{metric} by {group_by}", relative=relative)
    return rows


def is_money(metric: str) -> bool:
    return metric.endswith("_cost") or metric == "budget_spend" or metric == "budget_amount"


def is_volume(metric: str) -> bool:
    return metric.endswith(("_gb", "_hours", "_attempts"))


def money_or_volume(metric: str) -> bool:
    """Money compares to the cent; GB, hours and counts (sums of the mart's own values)
    to the same absolute bound; ratios relatively."""
    return is_money(metric) or is_volume(metric)


# --- the layer as a whole -----------------------------------------------------------------


def test_configs_validate_against_the_database(layer: SemanticLayer) -> None:
    result = layer.mf("validate-configs")
    output = result.stdout + result.stderr
    assert "ERRORS: 0" in output
    for line in output.splitlines():
        if "ERRORS:" in line:
            assert "ERRORS: 0, FUTURE_ERRORS: 0" in line, line


def test_every_metric_is_listed(layer: SemanticLayer) -> None:
    defined = semantic_metric_names()
    assert REQUIRED_METRICS <= defined, f"not defined: {sorted(REQUIRED_METRICS - defined)}"
    listed = layer.mf("list", "metrics").stdout
    listed_names = {line.split("•", 1)[1].split(":", 1)[0].strip()
                    for line in listed.splitlines() if "•" in line}
    assert listed_names == defined


# --- finops -------------------------------------------------------------------------------


def test_billed_and_effective_cost(layer: SemanticLayer) -> None:
    lines = f"{MARTS}.fct_cost_lines"
    month = "cast(date_trunc('month', charge_period_start) as date)"
    check_metric(layer, ["billed_cost", "effective_cost", "list_cost"],
                 ["metric_time__month", "cost_line__provider"],
                 {metric: f"select {month}, x_provider, sum({metric}) from {lines} group by 1, 2"
                  for metric in ("billed_cost", "effective_cost", "list_cost")}, money_or_volume)
    week = "cast(date_trunc('week', charge_period_start) as date)"
    check_metric(layer, ["billed_cost"],
                 ["metric_time__week", "cost_line__team", "cost_line__pricing_category"],
                 {"billed_cost": f"select {week}, x_tag_team, pricing_category, sum(billed_cost)"
                                 f" from {lines} group by 1, 2, 3"}, money_or_volume)
    check_metric(layer, ["effective_cost"],
                 ["metric_time__day", "cost_line__service_name", "cost_line__region_id",
                  "cost_line__billing_account_id"],
                 {"effective_cost": "select cast(charge_period_start as date), service_name,"
                                    " region_id, billing_account_id, sum(effective_cost)"
                                    f" from {lines} group by 1, 2, 3, 4"}, money_or_volume)


def test_cost_per_gpu_hour_is_weighted_by_gpu_hours(layer: SemanticLayer) -> None:
    prices = f"{MARTS}.fct_gpu_hour_prices_monthly"
    rows = check_metric(
        layer, ["effective_cost_per_gpu_hour", "gpu_hours", "gpu_effective_cost"],
        ["gpu_price_month__gpu_model"],
        {"effective_cost_per_gpu_hour": "select gpu_model, sum(effective_cost)"
                                        f" / sum(gpu_hours) from {prices} group by 1",
         "gpu_hours": f"select gpu_model, sum(gpu_hours) from {prices} group by 1",
         "gpu_effective_cost": f"select gpu_model, sum(effective_cost) from {prices} group by 1"},
        money_or_volume)
    naive = dict(layer.sql(f"select gpu_model, avg(effective_price_per_gpu_hour) from {prices}"
                           " group by 1"))
    weighted = {row["gpu_price_month__gpu_model"]: float(row["effective_cost_per_gpu_hour"])
                for row in rows}
    differing = [model for model in weighted if abs(weighted[model] - naive[model]) > 0.01]
    assert "A100" in differing, (weighted, naive)
    check_metric(
        layer, ["effective_cost_per_gpu_hour", "gpu_billed_cost"],
        ["metric_time__month", "gpu_price_month__provider", "gpu_price_month__pricing_category"],
        {"effective_cost_per_gpu_hour": "select charge_month, x_provider, pricing_category,"
                                        " sum(effective_cost) / nullif(sum(gpu_hours), 0)"
                                        f" from {prices} group by 1, 2, 3",
         "gpu_billed_cost": "select charge_month, x_provider, pricing_category,"
                            f" sum(billed_cost) from {prices} group by 1, 2, 3"},
        money_or_volume)


def test_egress_leaves_inbound_routes_out(layer: SemanticLayer) -> None:
    routes = f"{MARTS}.fct_egress_routes_daily"
    outbound = "egress_route not like '%\\_inbound' escape '\\'"
    group = ["egress_route_day__provider", "egress_route_day__egress_route"]
    rows = check_metric(
        layer, ["egress_cost", "egress_gb", "data_transfer_gb", "data_transfer_cost"], group,
        {"egress_cost": "select x_provider, egress_route, sum(case when"
                        f" {outbound} then billed_cost else 0 end) from {routes} group by 1, 2",
         "egress_gb": "select x_provider, egress_route, sum(case when"
                      f" {outbound} then usage_gb else 0 end) from {routes} group by 1, 2",
         "data_transfer_gb": f"select x_provider, egress_route, sum(usage_gb) from {routes}"
                             " group by 1, 2",
         "data_transfer_cost": f"select x_provider, egress_route, sum(billed_cost) from {routes}"
                               " group by 1, 2"}, money_or_volume)
    inbound_gb = sum(float(row["data_transfer_gb"]) for row in rows
                     if row["egress_route_day__egress_route"].endswith("_inbound"))
    assert inbound_gb > 0, "the sample has inbound transfer: egress must leave it out"
    check_metric(layer, ["egress_cost", "egress_gb"],
                 ["metric_time__day", "egress_route_day__sub_account_id"],
                 {metric: f"select charge_date, sub_account_id, sum(case when {outbound}"
                          f" then {column} else 0 end) from {routes} group by 1, 2"
                  for metric, column in (("egress_cost", "billed_cost"),
                                         ("egress_gb", "usage_gb"))}, money_or_volume)


def test_commitment_utilization_is_weighted_by_committed_cost(layer: SemanticLayer) -> None:
    commitments = f"{MARTS}.fct_commitment_utilization_monthly"
    # Used committed money from the mart's parts, not from its utilization column: the
    # unused fee where the provider amortizes (AWS), else the share of committed hours used.
    used = ("case when unused_commitment_cost is not null"
            " then committed_cost - unused_commitment_cost"
            " else committed_cost * coalesce(used_hours, 0) / committed_hours end")
    rows = check_metric(
        layer, ["commitment_utilization", "committed_cost"], ["commitment_month_type__provider"],
        {"commitment_utilization": f"select x_provider, sum({used}) / sum(committed_cost)"
                                   f" from {commitments} group by 1",
         "committed_cost": f"select x_provider, sum(committed_cost) from {commitments}"
                           " group by 1"}, money_or_volume)
    assert rows
    total = layer.query(["commitment_utilization"], [])[0]["commitment_utilization"]
    weighted, naive = layer.sql(f"select sum({used}) / sum(committed_cost), avg(utilization_ratio)"
                                f" from {commitments}")[0]
    assert abs(float(total) - float(weighted)) < RATIO_TOLERANCE
    assert abs(float(total) - naive) > 0.01, "the sample should tell weighted from averaged"
    check_metric(layer, ["commitment_utilization", "used_commitment_cost"],
                 ["metric_time__month", "commitment_month_type__commitment_type"],
                 {"commitment_utilization": f"select commitment_month, commitment_type,"
                                            f" sum({used}) / sum(committed_cost)"
                                            f" from {commitments} group by 1, 2",
                  "used_commitment_cost": f"select commitment_month, commitment_type,"
                                          f" sum({used}) from {commitments} group by 1, 2"},
                 money_or_volume)


# --- governance ---------------------------------------------------------------------------


def test_tag_coverage_counts_each_dollar_once(layer: SemanticLayer) -> None:
    coverage = f"{MARTS}.fct_tag_coverage_daily"
    all_required = "tag_name = 'all_required'"
    rows = check_metric(
        layer, ["tag_coverage_by_dollars", "tag_policy_usage_cost", "fully_tagged_cost"],
        ["tag_coverage_day__provider"],
        {"tag_coverage_by_dollars": "select x_provider, sum(tagged_billed_cost)"
                                    f" / sum(billed_cost) from {coverage}"
                                    f" where {all_required} group by 1",
         "tag_policy_usage_cost": f"select x_provider, sum(billed_cost) from {coverage}"
                                  f" where {all_required} group by 1",
         "fully_tagged_cost": f"select x_provider, sum(tagged_billed_cost) from {coverage}"
                              f" where {all_required} group by 1"}, money_or_volume)
    assert rows
    total = layer.query(["tag_policy_usage_cost", "tag_coverage_by_dollars"], [])[0]
    once, every_tag_row, tag_names, naive = layer.sql(
        f"select sum(billed_cost) filter (where {all_required}), sum(billed_cost),"
        f" count(distinct tag_name), avg(dollar_coverage_ratio) filter (where {all_required})"
        f" from {coverage}")[0]
    assert abs(float(total["tag_policy_usage_cost"]) - float(once)) < CENT
    # The trap: every tag row holds the same cost, so summing them counts it once per tag.
    assert tag_names > 2
    assert abs(float(every_tag_row) - tag_names * float(once)) < CENT
    assert abs(float(total["tag_coverage_by_dollars"]) - naive) > 0.01
    check_metric(layer, ["tag_coverage_by_dollars", "not_fully_tagged_cost"],
                 ["metric_time__week", "tag_coverage_day__owner_team"],
                 {"tag_coverage_by_dollars": "select cast(date_trunc('week', charge_date) as"
                                             " date), owner_team, sum(tagged_billed_cost)"
                                             " / nullif(sum(billed_cost), 0)"
                                             f" from {coverage} where {all_required}"
                                             " group by 1, 2",
                  "not_fully_tagged_cost": "select cast(date_trunc('week', charge_date) as"
                                           " date), owner_team, sum(untagged_billed_cost)"
                                           f" from {coverage} where {all_required}"
                                           " group by 1, 2"}, money_or_volume)


def test_idle_and_orphaned_cost_counts_each_resource_once(layer: SemanticLayer) -> None:
    findings = f"{MARTS}.rpt_idle_and_orphaned_resources"
    # The premise of idle_and_orphaned_cost: no resource is both an idle machine and stale
    # storage in a month, while unowned resources overlap both.
    overlaps = dict(layer.sql(
        f"select other.finding, count(*) from {findings} as idle"
        f" inner join {findings} as other on idle.x_provider = other.x_provider"
        " and idle.resource_id = other.resource_id and idle.usage_month = other.usage_month"
        " where idle.finding = 'idle_machine' and other.finding <> 'idle_machine'"
        " group by 1"))
    assert overlaps.get("stale_storage", 0) == 0
    assert overlaps.get("unowned_resource", 0) > 0
    cost = {"idle_machine_cost": "'idle_machine'", "stale_storage_cost": "'stale_storage'",
            "unowned_resource_cost": "'unowned_resource'",
            "idle_and_orphaned_cost": "'idle_machine', 'stale_storage'"}
    check_metric(layer, list(cost), ["metric_time__month", "idle_orphaned_finding__provider"],
                 {metric: "select usage_month, x_provider, sum(case when finding in"
                          f" ({values}) then finding_billed_cost else 0 end) from {findings}"
                          " group by 1, 2" for metric, values in cost.items()},
                 money_or_volume)
    check_metric(layer, ["idle_and_orphaned_cost", "idle_machine_hours"],
                 ["idle_orphaned_finding__owner_team"],
                 {"idle_and_orphaned_cost": "select owner_team, sum(case when finding in"
                                            " ('idle_machine', 'stale_storage') then"
                                            f" finding_billed_cost else 0 end) from {findings}"
                                            " group by 1",
                  "idle_machine_hours": "select owner_team, sum(case when finding ="
                                        " 'idle_machine' then idle_hours else 0 end)"
                                        f" from {findings} group by 1"}, money_or_volume)


def test_budget_used_is_a_ratio_on_the_latest_day(layer: SemanticLayer) -> None:
    budgets = f"{MARTS}.fct_budget_status_daily"
    # Spend and budget are snapshots: each month reads its latest as-of day, never a sum
    # over days.
    latest_in_month = (f"as_of_date in (select max(as_of_date) from {budgets}"
                       " group by date_trunc('month', as_of_date))")
    month = "cast(date_trunc('month', as_of_date) as date)"
    rows = check_metric(
        layer, ["budget_used_ratio", "budget_spend", "budget_amount"],
        ["metric_time__month", "budget_day__budget_scope"],
        {"budget_used_ratio": f"select {month}, budget_scope, sum(month_to_date_spend)"
                              f" / sum(budget_amount) from {budgets} where {latest_in_month}"
                              " group by 1, 2",
         "budget_spend": f"select {month}, budget_scope, sum(month_to_date_spend)"
                         f" from {budgets} where {latest_in_month} group by 1, 2",
         "budget_amount": f"select {month}, budget_scope, sum(budget_amount)"
                          f" from {budgets} where {latest_in_month} group by 1, 2"},
        money_or_volume)
    # The latest day of each month is each budget's current status in the mart.
    current = layer.sql(f"select {month}, budget_scope, sum(month_to_date_spend)"
                        f" / sum(budget_amount), avg(used_ratio) from {budgets}"
                        " where is_latest group by 1, 2")
    assert {(row[0].isoformat(), row[1]) for row in current} == {
        (row["metric_time__month"][:10], row["budget_day__budget_scope"]) for row in rows}
    naive = dict(((row[0].isoformat(), row[1]), row[3]) for row in current)
    averaged_over_days = dict(((row[0].isoformat(), row[1]), row[2]) for row in layer.sql(
        f"select {month}, budget_scope, avg(used_ratio) from {budgets} group by 1, 2"))
    for row in rows:
        key = (row["metric_time__month"][:10], row["budget_day__budget_scope"])
        ratio = float(row["budget_used_ratio"])
        assert 0 < ratio < 5, f"{key}: {ratio} is not a ratio of spend to budget"
        assert abs(ratio - averaged_over_days[key]) > 0.01, key
    assert any(abs(float(row["budget_used_ratio"]) - naive[(row["metric_time__month"][:10],
                                                           row["budget_day__budget_scope"])])
               > 0.01 for row in rows), "the sample should tell weighted from averaged"
    # Without a time grain: the latest day of the data, every budget as of then.
    total = layer.query(["budget_used_ratio", "budget_amount"], [])[0]
    latest_ratio, latest_amount = layer.sql(
        f"select sum(month_to_date_spend) / sum(budget_amount), sum(budget_amount)"
        f" from {budgets} where as_of_date = (select max(as_of_date) from {budgets})")[0]
    assert abs(float(total["budget_used_ratio"]) - float(latest_ratio)) < RATIO_TOLERANCE
    assert abs(float(total["budget_amount"]) - float(latest_amount)) < CENT
    check_metric(layer, ["budget_used_ratio", "budget_spend"],
                 ["metric_time__day", "budget_day__scope_value"],
                 {"budget_used_ratio": "select as_of_date, scope_value, sum(month_to_date_spend)"
                                       f" / sum(budget_amount) from {budgets} group by 1, 2",
                  "budget_spend": "select as_of_date, scope_value, sum(month_to_date_spend)"
                                  f" from {budgets} group by 1, 2"}, money_or_volume)


# --- ml platform --------------------------------------------------------------------------


def test_failure_rate_and_job_cost(layer: SemanticLayer) -> None:
    attempts = f"{MARTS}.fct_ml_job_attempt_costs"
    unsuccessful = f"attempt_status in {UNSUCCESSFUL}"
    check_metric(
        layer, ["failed_attempt_rate", "job_attempts", "unsuccessful_job_attempts",
                "unsuccessful_job_billed_cost"],
        ["job_attempt__team"],
        {"failed_attempt_rate": f"select team, avg(case when {unsuccessful} then 1.0 else 0 end)"
                                f" from {attempts} group by 1",
         "job_attempts": f"select team, count(*) from {attempts} group by 1",
         "unsuccessful_job_attempts": f"select team, count(*) filter (where {unsuccessful})"
                                      f" from {attempts} group by 1",
         "unsuccessful_job_billed_cost": "select team, sum(case when"
                                         f" {unsuccessful} then billed_cost else 0 end)"
                                         f" from {attempts} group by 1"}, money_or_volume)
    check_metric(
        layer, ["failure_wasted_cost_share", "job_billed_cost", "job_gpu_hours"],
        ["job_attempt__job_type", "job_attempt__gpu_model"],
        {"failure_wasted_cost_share": "select job_type, gpu_model, sum(case when"
                                      f" {unsuccessful} then billed_cost else 0 end)"
                                      f" / nullif(sum(billed_cost), 0) from {attempts}"
                                      " group by 1, 2",
         "job_billed_cost": f"select job_type, gpu_model, sum(billed_cost) from {attempts}"
                            " group by 1, 2",
         "job_gpu_hours": f"select job_type, gpu_model, sum(gpu_hours) from {attempts}"
                          " group by 1, 2"}, money_or_volume)
    check_metric(
        layer, ["job_effective_cost"],
        ["metric_time__week", "job_attempt__model_name", "job_attempt__provider"],
        {"job_effective_cost": "select cast(date_trunc('week', started_at) as date),"
                               " model_name, provider, sum(effective_cost)"
                               f" from {attempts} group by 1, 2, 3"}, money_or_volume)


def test_unused_gpu_cost(layer: SemanticLayer) -> None:
    attempts = f"{MARTS}.fct_ml_job_attempt_costs"
    check_metric(
        layer, ["unused_gpu_billed_cost", "utilization_unknown_billed_cost"],
        ["job_attempt__team"],
        {"unused_gpu_billed_cost": f"select team, sum(unused_gpu_billed_cost) from {attempts}"
                                   " group by 1",
         "utilization_unknown_billed_cost": "select team, sum(case when unused_gpu_billed_cost"
                                            " is null and gpu_count > 0 then billed_cost"
                                            f" else 0 end) from {attempts} group by 1"},
        money_or_volume)


def test_failure_wasted_cost(layer: SemanticLayer) -> None:
    failed = f"{MARTS}.fct_ml_failed_attempt_costs"
    check_metric(
        layer, ["failure_wasted_cost", "failure_wasted_gpu_hours"],
        ["failed_attempt__user_email", "failed_attempt__project"],
        {"failure_wasted_cost": "select user_email, project, sum(wasted_billed_cost)"
                                f" from {failed} group by 1, 2",
         "failure_wasted_gpu_hours": "select user_email, project, sum(wasted_gpu_hours)"
                                     f" from {failed} group by 1, 2"}, money_or_volume)
    by_day_and_reason = {
        "failure_wasted_cost": "wasted_billed_cost",
        "failure_wasted_effective_cost": "wasted_effective_cost",
        "checkpoint_saving_cost": "checkpoint_saving_billed_cost",
    }
    check_metric(
        layer, list(by_day_and_reason),
        ["metric_time__day", "failed_attempt__failure_reason"],
        {metric: f"select cast(started_at as date), failure_reason, sum({column})"
                 f" from {failed} group by 1, 2" for metric, column in by_day_and_reason.items()},
        money_or_volume)
    # The failed attempts' mart and the attempts' mart tell the same waste.
    totals = layer.query(["failure_wasted_cost", "unsuccessful_job_billed_cost"],
                         ["metric_time__month"])
    for row in totals:
        assert abs(float(row["failure_wasted_cost"])
                   - float(row["unsuccessful_job_billed_cost"])) < CENT, row


def test_plateau_waste_cost(layer: SemanticLayer) -> None:
    plateau = f"{MARTS}.fct_ml_plateau_waste"
    check_metric(
        layer, ["plateau_waste_cost", "plateau_waste_effective_cost"],
        ["metric_time__month", "judged_attempt__project"],
        {metric: f"select cast(date_trunc('month', started_at) as date), project, sum({column})"
                 f" from {plateau} group by 1, 2"
         for metric, column in [("plateau_waste_cost", "plateau_waste_billed_cost"),
                                ("plateau_waste_effective_cost",
                                 "plateau_waste_effective_cost")]},
        money_or_volume)


def test_repeated_runs_and_checkpoint_savings(layer: SemanticLayer) -> None:
    repeats = f"{MARTS}.rpt_ml_repeated_runs"
    retention = f"{MARTS}.rpt_checkpoint_retention_savings"
    check_metric(
        layer, ["repeated_runs", "repeated_run_billed_cost"],
        ["repeated_run__team", "repeated_run__matched_keys"],
        {"repeated_runs": f"select team, matched_keys, count(*) from {repeats} group by 1, 2",
         "repeated_run_billed_cost": "select team, matched_keys, sum(repeat_billed_cost)"
                                     f" from {repeats} group by 1, 2"}, money_or_volume)
    # The tests' 21-day sample holds no checkpoint older than the default 30 days (the
    # retention mart is empty there: mf writes no answer); a longer sample checks it.
    if not layer.sql(f"select count(*) from {retention}")[0][0]:
        return
    check_metric(
        layer, ["checkpoint_monthly_delete_saving", "checkpoint_monthly_archive_saving"],
        ["checkpoint_retention__team", "checkpoint_retention__provider"],
        {"checkpoint_monthly_delete_saving": "select team, provider,"
                                             " sum(monthly_delete_saving)"
                                             f" from {retention} group by 1, 2",
         "checkpoint_monthly_archive_saving": "select team, provider,"
                                              " sum(monthly_archive_saving)"
                                              f" from {retention} group by 1, 2"},
        lambda metric: True)  # both money: to the cent


def test_metrics_of_several_marts_in_one_query(layer: SemanticLayer) -> None:
    rows = layer.query(["billed_cost", "egress_cost", "failure_wasted_cost"],
                       ["metric_time__month"])
    expected = {
        "billed_cost": "select cast(date_trunc('month', charge_period_start) as date),"
                       f" sum(billed_cost) from {MARTS}.fct_cost_lines group by 1",
        "egress_cost": "select cast(date_trunc('month', charge_date) as date), sum(case when"
                       " egress_route not like '%\\_inbound' escape '\\' then billed_cost"
                       f" else 0 end) from {MARTS}.fct_egress_routes_daily group by 1",
        "failure_wasted_cost": "select cast(date_trunc('month', started_at) as date),"
                               f" sum(wasted_billed_cost) from {MARTS}.fct_ml_failed_attempt_costs"
                               " group by 1",
    }
    for metric, sql in expected.items():
        got = {key: value for key, value in mf_answers(rows, ["metric_time__month"], metric).items()
               if value is not None}
        assert_same(got, sql_answers(layer.sql(sql), 1), CENT, metric)


def test_decimal_sums_are_exact_to_the_cent(layer: SemanticLayer) -> None:
    """The whole bill through the layer, against the mart, as decimals."""
    got = Decimal(layer.query(["billed_cost"], [])[0]["billed_cost"])
    want = layer.sql(f"select sum(billed_cost) from {MARTS}.fct_cost_lines")[0][0]
    assert abs(got - want) < Decimal("0.005")


def test_gpu_quota_used_ratio_is_weighted_by_quota(layer: SemanticLayer) -> None:
    """GPU-hours used against quotas over the quotas' GPU-hours, per month and model;
    usage no quota covers counts in gpu_quota_hours_used, not in the ratio."""
    quotas = f"{MARTS}.fct_gpu_quota_status_monthly"
    check_metric(
        layer, ["gpu_quota_used_ratio", "gpu_quota_hours", "gpu_quota_hours_used"],
        ["metric_time__month", "gpu_quota_month__gpu_model"],
        {"gpu_quota_used_ratio": f"select quota_month, gpu_model, sum(case when has_quota"
                                 f" then gpu_hours_used else 0 end) / sum(gpu_hours_quota)"
                                 f" from {quotas} group by 1, 2",
         "gpu_quota_hours": f"select quota_month, gpu_model, sum(gpu_hours_quota)"
                            f" from {quotas} group by 1, 2",
         "gpu_quota_hours_used": f"select quota_month, gpu_model, sum(gpu_hours_used)"
                                 f" from {quotas} group by 1, 2"},
        money_or_volume)
