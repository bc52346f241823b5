"""GPU quotas (fct_gpu_quota_status_monthly) against the simulation's GPU usage.

truth.json `gpu_quotas` holds GPU-hours and billed cost per team, GPU model and UTC day,
computed from the simulated attempts and charges. The quotas are the project's seed
(seeds/gpu_quotas.csv, like budgets.csv): its rows fit the test sample (October and
November 2026) so that it has ok, warn and over quotas, a model and an `any` quota, a
month's row replacing a recurring one, a quota without usage and a team without quotas.
Statuses are recomputed here from the truth and the seed by the budgets' rule.
"""

from __future__ import annotations

import calendar
import csv
from collections import defaultdict
from datetime import date, timedelta

import pytest

from build_support import PROJECT_DIR, BuiltProject

CENT = 0.01
GPU_HOURS = 0.01
WARN_USED_SHARE = 0.8  # the default of var mlcost_limit_warn_used_share
MART = "main_marts.fct_gpu_quota_status_monthly"


def _seed_quotas() -> list[dict]:
    with (PROJECT_DIR / "seeds" / "gpu_quotas.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def _daily_truth(built: BuiltProject) -> dict[tuple[str, str], dict[date, list[float]]]:
    """(team, model) -> day -> [GPU-hours, billed cost]."""
    days: dict[tuple[str, str], dict[date, list[float]]] = defaultdict(dict)
    for row in built.truth["gpu_quotas"]["daily"]:
        days[(row["team"], row["gpu_model"])][date.fromisoformat(row["date"])] = [
            row["gpu_hours"], row["billed_cost"]]
    return days


def _window_end(built: BuiltProject) -> date:
    """The last day of the sample's usage: the as-of day of its open month."""
    start = date.fromisoformat(built.truth["generator"]["start"])
    return start + timedelta(days=built.truth["generator"]["days"] - 1)


def _months(built: BuiltProject) -> list[date]:
    start = date.fromisoformat(built.truth["generator"]["start"]).replace(day=1)
    end = _window_end(built)
    months = [start]
    while (months[-1] + timedelta(days=32)).replace(day=1) <= end:
        months.append((months[-1] + timedelta(days=32)).replace(day=1))
    return months


def _month_quotas(month: date) -> dict[tuple[str, str], dict]:
    """The quotas in force in `month`: its own rows over the recurring ones."""
    quotas: dict[tuple[str, str], dict] = {}
    for row in sorted(_seed_quotas(), key=lambda r: r["quota_month"] == ""):
        if row["quota_month"] in ("", month.isoformat()):
            quotas.setdefault((row["team"], row["gpu_model"]), row)
    return quotas


def _expected(built: BuiltProject) -> dict[tuple[str, str, str], dict]:
    """Per (month, team, model or any): use to the as-of day, forecasts, statuses and
    crossing days, from truth's daily usage and the seed."""
    daily = _daily_truth(built)
    end = _window_end(built)
    out: dict[tuple[str, str, str], dict] = {}
    for month in _months(built):
        days_in_month = calendar.monthrange(month.year, month.month)[1]
        month_end = month.replace(day=days_in_month)
        as_of = min(month_end, end)
        elapsed = (as_of - month).days + 1
        quotas = _month_quotas(month)
        used_pairs = {(team, model) for (team, model), by_day in daily.items()
                      if any(month <= d <= as_of for d in by_day)}
        scopes = {(team, model): quotas.get((team, model)) for team, model in quotas}
        for team, model in used_pairs:
            if (team, model) not in quotas and (team, "any") not in quotas:
                scopes[(team, model)] = None
        for (team, model), quota in scopes.items():
            series: dict[date, list[float]] = defaultdict(lambda: [0.0, 0.0])
            for (t, m), by_day in daily.items():
                if t == team and (model == "any" or m == model):
                    for d, (hours, cost) in by_day.items():
                        if month <= d <= as_of:
                            series[d][0] += hours
                            series[d][1] += cost
            hours = sum(v[0] for v in series.values())
            cost = sum(v[1] for v in series.values())
            row = {"as_of": as_of, "elapsed": elapsed, "gpu_hours": hours, "billed_cost": cost,
                   "forecast_gpu_hours": hours + hours / elapsed * (days_in_month - elapsed),
                   "forecast_billed_cost": cost + cost / elapsed * (days_in_month - elapsed),
                   "quota": quota}
            if quota is not None:
                row["gpu_hours_status"] = _status(hours, row["forecast_gpu_hours"],
                                                  float(quota["gpu_hours"]))
                row["gpu_hours_crossed_on"] = _crossed_on(series, 0, float(quota["gpu_hours"]))
                if quota["amount"]:
                    row["amount_status"] = _status(cost, row["forecast_billed_cost"],
                                                   float(quota["amount"]))
            out[(month.isoformat(), team, model)] = row
    return out


def _status(used: float, forecast: float, limit: float) -> str:
    if used > limit:
        return "over"
    if forecast > limit or used >= WARN_USED_SHARE * limit:
        return "warn"
    return "ok"


def _crossed_on(series: dict[date, list[float]], index: int, limit: float) -> date | None:
    total = 0.0
    for day in sorted(series):
        total += series[day][index]
        if total > limit:
            return day
    return None


def _built(built: BuiltProject) -> dict[tuple[str, str, str], tuple]:
    rows = built.query(f"""
        select strftime(quota_month, '%Y-%m-%d'), team, gpu_model, as_of_date, days_elapsed,
            has_quota, quota_source, quota_status, gpu_hours_quota, gpu_hours_used,
            forecast_month_end_gpu_hours, gpu_hours_status, gpu_hours_crossed_on,
            gpu_hours_forecast_crossing_on, amount_quota, billed_cost,
            forecast_month_end_billed_cost, amount_status, billing_currency,
            other_currency_billed_cost_in_reporting_currency
        from {MART}""")
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_every_quota_and_uncovered_usage_listed(built_sample: BuiltProject) -> None:
    """One row per quota in force each month (used or not) and per team and model whose
    GPU usage no quota covers, and no other."""
    assert set(_built(built_sample)) == set(_expected(built_sample))


def test_gpu_hours_and_cost_recovered_to_the_cent(built_sample: BuiltProject) -> None:
    built = _built(built_sample)
    for key, exp in _expected(built_sample).items():
        (as_of, elapsed, _, _, _, _, used_hours, forecast_hours, _, _, _, _, cost,
         forecast_cost, _, currency, other) = built[key]
        assert (as_of, elapsed) == (exp["as_of"], exp["elapsed"]), key
        assert used_hours == pytest.approx(exp["gpu_hours"], abs=GPU_HOURS), key
        assert float(cost) == pytest.approx(exp["billed_cost"], abs=CENT), key
        assert forecast_hours == pytest.approx(exp["forecast_gpu_hours"], abs=GPU_HOURS), key
        assert float(forecast_cost) == pytest.approx(exp["forecast_billed_cost"], abs=CENT), key
        assert currency in ("USD", None) and float(other) == 0, key


def test_monthly_truth_per_team_and_model(built_sample: BuiltProject) -> None:
    """Every team and model's month, as truth sums it, is what the mart counts: the
    no_quota rows and model quotas directly, `any` quotas as the sum of the team's models."""
    built = _built(built_sample)
    monthly = built_sample.truth["gpu_quotas"]["monthly"]
    assert monthly
    by_team: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in monthly:
        by_team[(f"{row['month']}-01", row["team"])][0] += row["gpu_hours"]
        by_team[(f"{row['month']}-01", row["team"])][1] += row["billed_cost"]
        key = (f"{row['month']}-01", row["team"], row["gpu_model"])
        if key in built:
            assert built[key][6] == pytest.approx(row["gpu_hours"], abs=GPU_HOURS), key
            assert float(built[key][12]) == pytest.approx(row["billed_cost"], abs=CENT), key
    anys = [k for k in built if k[2] == "any"]
    assert anys
    for month, team, _ in anys:
        assert built[(month, team, "any")][6] == pytest.approx(by_team[(month, team)][0],
                                                               abs=GPU_HOURS)
        assert float(built[(month, team, "any")][12]) == pytest.approx(
            by_team[(month, team)][1], abs=CENT)


def test_statuses_follow_the_budget_rule(built_sample: BuiltProject) -> None:
    built = _built(built_sample)
    for key, exp in _expected(built_sample).items():
        row = built[key]
        has_quota, source, status, gpu_status, amount_status = (
            row[2], row[3], row[4], row[8], row[14])
        if exp["quota"] is None:
            assert (has_quota, source, status, gpu_status) == (
                False, None, "no_quota", "no_quota"), key
            continue
        assert has_quota and source == ("recurring" if not exp["quota"]["quota_month"]
                                        else "month"), key
        assert gpu_status == exp["gpu_hours_status"], key
        assert amount_status == exp.get("amount_status"), key
        order = ["ok", "warn", "over"]
        assert status == max(gpu_status, amount_status or "ok", key=order.index), key


def test_sample_exercises_every_status(built_sample: BuiltProject) -> None:
    """The seed's rows give the test sample each status, a month's row replacing a
    recurring one, a quota without usage and a team with usage and no quota."""
    built = _built(built_sample)
    statuses = {row[4] for row in built.values()}
    assert statuses == {"ok", "warn", "over", "no_quota"}
    assert {row[8] for row in built.values() if row[2]} == {"ok", "warn", "over"}
    assert any(row[14] == "over" for row in built.values())
    # recsys's November A10G row replaces its recurring one
    assert built[("2026-11-01", "recsys", "A10G")][3] == "month"
    assert built[("2026-10-01", "recsys", "A10G")][3] == "recurring"
    # a quota without usage is listed with none
    assert built[("2026-11-01", "speech", "H100")][6] == 0
    platform = [row for key, row in built.items() if key[1] == "platform"]
    assert platform and all(row[4] == "no_quota" for row in platform)


def test_crossing_day_of_an_over_quota(built_sample: BuiltProject) -> None:
    """nlp's November A100 quota: the first day by whose end the month's GPU-hours, as
    truth counts them day by day, exceeded it."""
    row = built_sample.query(f"""
        select gpu_hours_status, gpu_hours_quota, gpu_hours_crossed_on
        from {MART}
        where quota_month = date '2026-11-01' and team = 'nlp' and gpu_model = 'A100'""")
    assert len(row) == 1
    status, quota, crossed_on = row[0]
    daily = _daily_truth(built_sample)[("nlp", "A100")]
    total, expected = 0.0, None
    for day in sorted(d for d in daily if d >= date(2026, 11, 1)):
        total += daily[day][0]
        if total > quota:
            expected = day
            break
    assert status == "over" and expected is not None
    assert crossed_on == expected
    for key, exp in _expected(built_sample).items():
        if exp["quota"] is not None:
            assert _built(built_sample)[key][9] == exp["gpu_hours_crossed_on"], key


def test_forecast_crossing_day_at_the_run_rate(built_sample: BuiltProject) -> None:
    """A warned quota not yet used up is crossed, at the run rate, on the first day after
    the as-of day with used + rate x days > quota; none when that is after the month."""
    rows = built_sample.query(f"""
        select quota_month, as_of_date, days_elapsed, days_in_month, gpu_hours_quota,
            gpu_hours_used, gpu_hours_status, gpu_hours_forecast_crossing_on
        from {MART} where has_quota and gpu_hours_used <= gpu_hours_quota""")
    assert any(r[6] == "warn" for r in rows)
    for month, as_of, elapsed, days, quota, used, status, crossing in rows:
        if used == 0:
            assert crossing is None
            continue
        rate = used / elapsed
        k = 1
        while used + rate * k <= quota:
            k += 1
        expected = as_of + timedelta(days=k)
        assert crossing == (expected if expected.month == month.month else None)
        assert (crossing is not None) == (used + rate * (days - elapsed) > quota)
