"""Build the reference dashboard: one static HTML page from mlcost's marts.

Reads the marts from a DuckDB file (read-only, closed before the page is written) and
writes one HTML file that holds everything it shows: styles inline, charts drawn here
with Vega-Lite (vl-convert) as inline SVG, no script, font or image fetched when it is
opened. Open it in any browser from disk; no server, no internet.

    python scripts/build_dashboard.py                        # mlcost.duckdb, main_marts
    python scripts/build_dashboard.py --database mlcost_bi.duckdb  # the published copy
    python scripts/build_dashboard.py --out site/index.html --screenshot docs/dashboard.png

Panels: spend by provider and by team over time, top jobs by cost, failure-wasted cost,
idle and orphaned spend, egress routes, tag coverage, budget status, $/GPU-hour by GPU
model. Every headline number carries `data-metric`, `data-key`, `data-currency` and
`data-value` (the unrounded value) attributes, so tests compare it with SQL. A mart with
no rows shows a "no data" panel. Without fct_cost_lines (a published copy leaves the
lines out), spend by provider is the usage cost of fct_tag_coverage_daily.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import duckdb

DEFAULT_DATABASE = os.environ.get("MLCOST_DUCKDB_PATH", "mlcost.duckdb")
DEFAULT_SCHEMA = "main_marts"
TOP_JOBS = 10
CHART_WIDTH = 470
CHART_HEIGHT = 200


@dataclass(frozen=True)
class Metric:
    """A headline number. `value` is unrounded; `key` names the slice (a provider, a
    team, a GPU model) of metric `name`; `currency` is set for money."""

    name: str
    label: str
    value: Decimal | float | int | None
    unit: str  # money, price (money per unit), ratio, hours, gb or count
    key: str | None = None
    currency: str | None = None


@dataclass
class Panel:
    panel_id: str
    title: str
    sources: list[str]
    note: str = ""
    metrics: list[Metric] = field(default_factory=list)
    chart: dict[str, Any] | None = None
    # A table's cells are text, or a Metric shown with its marker.
    table: tuple[list[str], list[list[str | Metric]]] | None = None
    empty_reason: str | None = None


class Marts:
    """Read-only access to the marts in one schema of a DuckDB file."""

    def __init__(self, con: duckdb.DuckDBPyConnection, schema: str) -> None:
        self.con = con
        self.schema = schema
        self._tables = {name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = ?",
            [schema]).fetchall()}

    def has(self, table: str) -> bool:
        return table in self._tables

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        """Rows of `sql`, where `{t}` stands for the quoted schema (`{t}.fct_cost_lines`)."""
        quoted = '"' + self.schema.replace('"', '""') + '"'
        return self.con.execute(sql.replace("{t}", quoted), params or []).fetchall()

    def count(self, table: str) -> int:
        return self.rows(f"select count(*) from {{t}}.{table}")[0][0]

    @cached_property
    def bill_currencies(self) -> list[str]:
        """The bill's currencies, from the first table of BILL_CURRENCY_SQL in the schema."""
        for table, sql in BILL_CURRENCY_SQL:
            if self.has(table):
                return sorted(currency for (currency,) in self.rows(sql))
        return []

    def bill_currency(self) -> str | None:
        """The bill's currency when it has one: marts without a currency column are in it."""
        return self.bill_currencies[0] if len(self.bill_currencies) == 1 else None


# Where the bill's currencies are: the lines, else (a published file leaves the lines out)
# the export health report's usable lines, else the daily spend per team and account.
BILL_CURRENCY_SQL = [
    ("fct_cost_lines", "select distinct billing_currency from {t}.fct_cost_lines"),
    ("rpt_billing_export_health", """
        select distinct billing_currency from {t}.rpt_billing_export_health
        where billing_currency is not null and line_count > quarantined_line_count"""),
    ("fct_spend_anomalies_daily",
     "select distinct billing_currency from {t}.fct_spend_anomalies_daily"),
]


def empty_reason(marts: Marts, table: str) -> str | None:
    """Why a panel over `table` has nothing to show, or None when it has rows."""
    if not marts.has(table):
        return f"No data: table {table} is not in schema {marts.schema}."
    if marts.count(table) == 0:
        return f"No data: {table} has no rows."
    return None


def _day(value: date | datetime) -> str:
    return value.strftime("%Y-%m-%d")


def _float(value: Decimal | float | int | None) -> float | None:
    return None if value is None else float(value)


def currency_note(marts: Marts) -> str:
    currencies = marts.bill_currencies
    if len(currencies) == 1:
        return f"Amounts in {currencies[0]}, the bill's currency."
    if not currencies:
        return "The bill's currency is unknown here (no billing lines in this file)."
    return (f"The bill has several currencies ({', '.join(currencies)}) and this mart has "
            "no currency column: its amounts add them up.")


# Vega-Lite specs ------------------------------------------------------------------------

def stacked_daily_bars(values: list[dict], color_field: str, title: str) -> dict:
    return {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate",
                  "title": None, "axis": {"format": "%b %d", "labelAngle": 0}},
            "y": {"field": "amount", "type": "quantitative", "aggregate": "sum",
                  "title": title},
            "color": {"field": color_field, "type": "nominal", "title": None,
                      "legend": {"orient": "top"}},
            "tooltip": [{"field": "day", "type": "temporal", "timeUnit": "utcyearmonthdate"},
                        {"field": color_field}, {"field": "amount", "format": ",.2f"}],
        },
    }


def horizontal_bars(values: list[dict], label: str, amount: str, title: str,
                    color: dict | None = None) -> dict:
    encoding: dict[str, Any] = {
        "y": {"field": label, "type": "nominal", "sort": "-x", "title": None,
              "axis": {"labelLimit": 180}},
        "x": {"field": amount, "type": "quantitative", "title": title},
    }
    if color:
        encoding["color"] = color
    return {"data": {"values": values}, "mark": {"type": "bar"}, "encoding": encoding}


# Panels ---------------------------------------------------------------------------------

def spend_by_provider(marts: Marts) -> Panel:
    if not marts.has("fct_cost_lines"):
        return usage_spend_by_provider(marts)
    panel = Panel("spend_by_provider", "Spend by provider over time", ["fct_cost_lines"],
                  "Billed cost of every line, by day of its charge period (purchases, "
                  "tax and credits included).")
    if reason := empty_reason(marts, "fct_cost_lines"):
        panel.empty_reason = reason
        return panel
    totals = marts.rows("""
        select billing_currency, sum(billed_cost), sum(effective_cost),
               min(charge_period_start), max(charge_period_start)
        from {t}.fct_cost_lines group by 1 order by 1""")
    for currency, billed, effective, first, last in totals:
        panel.metrics.append(Metric("spend_total_billed_cost", "Billed", billed, "money",
                                    currency=currency))
        panel.metrics.append(Metric("spend_total_effective_cost", "Effective (amortized)",
                                    effective, "money", currency=currency))
        panel.note += f" Charges from {_day(first)} to {_day(last)} ({currency})."
    by_provider = marts.rows("""
        select x_provider, billing_currency, sum(billed_cost)
        from {t}.fct_cost_lines group by 1, 2 order by 3 desc, 1""")
    for provider, currency, billed in by_provider:
        panel.metrics.append(Metric("spend_provider_billed_cost", provider, billed, "money",
                                    key=provider, currency=currency))
    daily = marts.rows("""
        select cast(charge_period_start as date), x_provider, billing_currency,
               sum(billed_cost)
        from {t}.fct_cost_lines group by 1, 2, 3 order by 1, 2""")
    values = [{"day": _day(day), "provider": provider, "currency": currency,
               "amount": _float(billed)} for day, provider, currency, billed in daily]
    panel.chart = stacked_daily_bars(values, "provider", "billed cost per day")
    if len(totals) > 1:
        panel.chart["encoding"]["row"] = {"field": "currency", "type": "nominal"}
    return panel


def usage_spend_by_provider(marts: Marts) -> Panel:
    """Spend by provider where the lines are not in the file (the published copy leaves
    fct_cost_lines out): the usage cost of the tag coverage mart's all_required rows."""
    panel = Panel("spend_by_provider", "Spend by provider over time",
                  ["fct_tag_coverage_daily"],
                  "Usage billed cost, by day (fct_cost_lines is not in this file, so "
                  "purchases, tax and credits are not included). " + currency_note(marts))
    if reason := empty_reason(marts, "fct_tag_coverage_daily"):
        panel.empty_reason = reason
        return panel
    currency = marts.bill_currency()
    providers = marts.rows("""
        select x_provider, sum(billed_cost) from {t}.fct_tag_coverage_daily
        where tag_name = 'all_required' group by 1 order by 2 desc, 1""")
    if not providers:
        panel.empty_reason = "No data: fct_tag_coverage_daily has no all_required rows."
        return panel
    panel.metrics.append(Metric("spend_usage_total_billed_cost", "Usage billed",
                                sum(billed for _, billed in providers), "money",
                                currency=currency))
    for provider, billed in providers:
        panel.metrics.append(Metric("spend_usage_provider_billed_cost", provider, billed,
                                    "money", key=provider, currency=currency))
    daily = marts.rows("""
        select charge_date, x_provider, sum(billed_cost) from {t}.fct_tag_coverage_daily
        where tag_name = 'all_required' group by 1, 2 order by 1, 2""")
    values = [{"day": _day(day), "provider": provider, "amount": _float(billed)}
              for day, provider, billed in daily]
    panel.chart = stacked_daily_bars(values, "provider", "usage billed cost per day")
    return panel


def spend_by_team(marts: Marts) -> Panel:
    panel = Panel("spend_by_team", "Spend by team over time", ["fct_tag_coverage_daily"],
                  "Usage billed cost by owner team (team tag, else the job's team, else "
                  "a team named in the resource id; unassigned when none says), from the "
                  "all_required rows, which count each usage line once. "
                  + currency_note(marts))
    if reason := empty_reason(marts, "fct_tag_coverage_daily"):
        panel.empty_reason = reason
        return panel
    currency = marts.bill_currency()
    teams = marts.rows("""
        select owner_team, sum(billed_cost) from {t}.fct_tag_coverage_daily
        where tag_name = 'all_required' group by 1 order by 2 desc, 1""")
    if not teams:
        panel.empty_reason = "No data: fct_tag_coverage_daily has no all_required rows."
        return panel
    for team, billed in teams:
        panel.metrics.append(Metric("team_usage_billed_cost", team, billed, "money",
                                    key=team, currency=currency))
    daily = marts.rows("""
        select charge_date, owner_team, sum(billed_cost) from {t}.fct_tag_coverage_daily
        where tag_name = 'all_required' group by 1, 2 order by 1, 2""")
    values = [{"day": _day(day), "team": team, "amount": _float(billed)}
              for day, team, billed in daily]
    panel.chart = stacked_daily_bars(values, "team", "usage billed cost per day")
    return panel


def top_jobs(marts: Marts, top: int = TOP_JOBS) -> Panel:
    panel = Panel("top_jobs", f"Top {top} jobs by cost", ["fct_ml_job_costs"],
                  "Billed cost of each job over all its attempts. " + currency_note(marts))
    if reason := empty_reason(marts, "fct_ml_job_costs"):
        panel.empty_reason = reason
        return panel
    currency = marts.bill_currency()
    (job_count, total), = marts.rows(
        "select count(*), sum(billed_cost) from {t}.fct_ml_job_costs")
    panel.metrics.append(Metric("jobs_count", "Jobs", job_count, "count"))
    panel.metrics.append(Metric("jobs_total_billed_cost", "All jobs, billed", total, "money",
                                currency=currency))
    jobs = marts.rows("""
        select job_id, job_name, team, job_type, final_status, gpu_hours, billed_cost
        from {t}.fct_ml_job_costs order by billed_cost desc, job_id limit ?""", [top])
    rows = []
    values = []
    for job_id, name, team, job_type, status, gpu_hours, billed in jobs:
        rows.append([job_id, name or "", team or "", job_type or "", status or "",
                     f"{gpu_hours or 0:,.1f}",
                     Metric("job_billed_cost", job_id, billed, "money", key=job_id,
                            currency=currency)])
        values.append({"job": f"{job_id} {name or ''}".strip(), "team": team,
                       "billed": _float(billed)})
    panel.table = (["job", "name", "team", "type", "status", "GPU-hours", "billed"], rows)
    panel.chart = horizontal_bars(values, "job", "billed", "billed cost",
                                  {"field": "team", "type": "nominal",
                                   "legend": {"orient": "top"}, "title": None})
    return panel


def failure_waste(marts: Marts) -> Panel:
    panel = Panel("failure_waste", "Failure-wasted cost", ["fct_ml_failed_attempt_costs"],
                  "Failed, killed and preempted attempts: their whole cost is wasted; the "
                  "part after the last checkpoint is what a resume could not recover. "
                  + currency_note(marts))
    if reason := empty_reason(marts, "fct_ml_failed_attempt_costs"):
        panel.empty_reason = reason
        return panel
    currency = marts.bill_currency()
    (attempts, wasted, lost, retries, saving, gpu_hours), = marts.rows("""
        select count(*), sum(wasted_billed_cost), sum(lost_since_checkpoint_billed_cost),
               sum(retry_billed_cost), sum(checkpoint_saving_billed_cost),
               sum(wasted_gpu_hours)
        from {t}.fct_ml_failed_attempt_costs""")
    panel.metrics += [
        Metric("failure_attempt_count", "Unsuccessful attempts", attempts, "count"),
        Metric("failure_wasted_billed_cost", "Wasted", wasted, "money", currency=currency),
        Metric("failure_lost_since_checkpoint_billed_cost", "Lost since last checkpoint",
               lost, "money", currency=currency),
        Metric("failure_retry_billed_cost", "Retries they caused", retries, "money",
               currency=currency),
        Metric("failure_checkpoint_saving_billed_cost", "Checkpointing would have saved",
               saving, "money", currency=currency),
        Metric("failure_wasted_gpu_hours", "Wasted GPU-hours", gpu_hours, "hours"),
    ]
    by_status = marts.rows("""
        select attempt_status, sum(wasted_billed_cost) from {t}.fct_ml_failed_attempt_costs
        group by 1 order by 2 desc, 1""")
    for status, billed in by_status:
        panel.metrics.append(Metric("failure_status_wasted_billed_cost", status, billed,
                                    "money", key=status, currency=currency))
    reasons = marts.rows("""
        select coalesce(failure_reason, '(no reason)'), attempt_status,
               sum(wasted_billed_cost)
        from {t}.fct_ml_failed_attempt_costs group by 1, 2""")
    values = [{"reason": reason_, "status": status, "wasted": _float(billed)}
              for reason_, status, billed in reasons]
    panel.chart = horizontal_bars(values, "reason", "wasted", "wasted billed cost",
                                  {"field": "status", "type": "nominal",
                                   "legend": {"orient": "top"}, "title": None})
    panel.chart["encoding"]["x"]["aggregate"] = "sum"
    return panel


def idle_and_orphaned(marts: Marts) -> Panel:
    panel = Panel("idle_orphaned", "Idle and orphaned spend",
                  ["rpt_idle_and_orphaned_resources"],
                  "Money spent on nothing: GPU machines billed while no job ran "
                  "(idle_machine), usage with no owner tag (unowned_resource), storage "
                  "nothing touched (stale_storage). A resource can have several findings, "
                  "so the findings are not added up. " + currency_note(marts))
    if reason := empty_reason(marts, "rpt_idle_and_orphaned_resources"):
        panel.empty_reason = reason
        return panel
    currency = marts.bill_currency()
    findings = marts.rows("""
        select finding, sum(finding_billed_cost), count(*)
        from {t}.rpt_idle_and_orphaned_resources group by 1 order by 2 desc, 1""")
    for finding, billed, resource_months in findings:
        panel.metrics.append(Metric("idle_finding_billed_cost", finding, billed, "money",
                                    key=finding, currency=currency))
        panel.metrics.append(Metric("idle_finding_resource_months",
                                    f"{finding}: resource-months", resource_months, "count",
                                    key=finding))
    monthly = marts.rows("""
        select usage_month, finding, sum(finding_billed_cost)
        from {t}.rpt_idle_and_orphaned_resources group by 1, 2 order by 1, 2""")
    values = [{"month": month.strftime("%Y-%m"), "finding": finding,
               "billed": _float(billed)} for month, finding, billed in monthly]
    panel.chart = {
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": None,
                  "axis": {"labelAngle": 0}},
            "xOffset": {"field": "finding"},
            "y": {"field": "billed", "type": "quantitative", "title": "billed cost"},
            "color": {"field": "finding", "type": "nominal", "title": None,
                      "legend": {"orient": "top"}},
        },
    }
    return panel


def egress_routes(marts: Marts) -> Panel:
    panel = Panel("egress_routes", "Egress routes", ["fct_egress_routes_daily"],
                  "Data transfer by route. Cross-region: inter_region, inter_region_inbound "
                  "and inter_cloud. " + currency_note(marts))
    if reason := empty_reason(marts, "fct_egress_routes_daily"):
        panel.empty_reason = reason
        return panel
    currency = marts.bill_currency()
    (billed, gigabytes, cross), = marts.rows("""
        select sum(billed_cost), sum(usage_gb),
               sum(case when is_cross_region then billed_cost else 0 end)
        from {t}.fct_egress_routes_daily""")
    panel.metrics += [
        Metric("egress_total_billed_cost", "Transfer billed", billed, "money",
               currency=currency),
        Metric("egress_total_usage_gb", "Moved", gigabytes, "gb"),
        Metric("egress_cross_region_billed_cost", "Across regions or clouds", cross, "money",
               currency=currency),
    ]
    routes = marts.rows("""
        select egress_route, bool_or(is_cross_region), sum(billed_cost), sum(usage_gb)
        from {t}.fct_egress_routes_daily group by 1 order by 3 desc, 1""")
    values = []
    rows: list[list[str | Metric]] = []
    for route, is_cross, route_billed, route_gb in routes:
        rows.append([route, "yes" if is_cross else "no",
                     Metric("egress_route_usage_gb", route, route_gb, "gb", key=route),
                     Metric("egress_route_billed_cost", route, route_billed, "money",
                            key=route, currency=currency)])
        values.append({"route": route, "billed": _float(route_billed),
                       "crosses": "across regions" if is_cross else "within a region"})
    panel.table = (["route", "cross-region", "moved", "billed"], rows)
    panel.chart = horizontal_bars(values, "route", "billed", "billed cost",
                                  {"field": "crosses", "type": "nominal", "title": None,
                                   "legend": {"orient": "top"}})
    return panel


def tag_coverage(marts: Marts) -> Panel:
    panel = Panel("tag_coverage", "Tag coverage", ["fct_tag_coverage_daily"],
                  "Usage billed cost carrying every required tag (tag_policy seed), from the "
                  "all_required rows; per tag from that tag's rows. " + currency_note(marts))
    if reason := empty_reason(marts, "fct_tag_coverage_daily"):
        panel.empty_reason = reason
        return panel
    currency = marts.bill_currency()
    totals = marts.rows("""
        select sum(billed_cost), sum(tagged_billed_cost), sum(untagged_billed_cost),
               sum(tagged_billed_cost) / nullif(sum(billed_cost), 0)
        from {t}.fct_tag_coverage_daily where tag_name = 'all_required'
        having count(*) > 0""")
    if not totals:
        panel.empty_reason = "No data: fct_tag_coverage_daily has no all_required rows."
        return panel
    (billed, tagged, untagged, coverage), = totals
    panel.metrics += [
        Metric("tag_all_required_dollar_coverage", "Covered by all required tags", coverage,
               "ratio"),
        Metric("tag_usage_billed_cost", "Usage billed", billed, "money", currency=currency),
        Metric("tag_all_required_untagged_billed_cost", "Missing a required tag", untagged,
               "money", currency=currency),
    ]
    per_tag = marts.rows("""
        select tag_name, sum(tagged_billed_cost) / nullif(sum(billed_cost), 0)
        from {t}.fct_tag_coverage_daily where tag_name <> 'all_required'
        group by 1 order by 1""")
    for tag, tag_coverage_ in per_tag:
        panel.metrics.append(Metric("tag_dollar_coverage", f"tag {tag}", tag_coverage_,
                                    "ratio", key=tag))
    teams = marts.rows("""
        select owner_team, sum(tagged_billed_cost), sum(untagged_billed_cost)
        from {t}.fct_tag_coverage_daily where tag_name = 'all_required'
        group by 1 order by 1""")
    values = []
    for team, team_tagged, team_untagged in teams:
        values.append({"team": team, "state": "all required tags",
                       "billed": _float(team_tagged)})
        values.append({"team": team, "state": "missing a tag",
                       "billed": _float(team_untagged)})
    panel.chart = horizontal_bars(values, "team", "billed", "usage billed cost",
                                  {"field": "state", "type": "nominal", "title": None,
                                   "legend": {"orient": "top"},
                                   "scale": {"range": ["#4c78a8", "#e45756"]}})
    panel.chart["encoding"]["x"]["aggregate"] = "sum"
    return panel


def budget_status(marts: Marts) -> Panel:
    panel = Panel("budget_status", "Budget status", ["fct_budget_status_daily"],
                  "Each budget at its latest day with billing data: month-to-date spend, "
                  "the run-rate forecast for the month, ok / warn / over.")
    if reason := empty_reason(marts, "fct_budget_status_daily"):
        panel.empty_reason = reason
        return panel
    budgets = marts.rows("""
        select budget_scope, scope_value, budget_month, currency, budget_amount,
               month_to_date_spend, forecast_month_end_spend, used_ratio, alert_level,
               as_of_date
        from {t}.fct_budget_status_daily where is_latest
        order by budget_month desc, used_ratio desc, budget_scope, scope_value""")
    if not budgets:
        panel.empty_reason = "No data: fct_budget_status_daily has no latest rows."
        return panel
    levels = {level: sum(1 for row in budgets if row[8] == level)
              for level in ("over", "warn", "ok")}
    for level, count in levels.items():
        panel.metrics.append(Metric("budget_alert_count", f"budgets {level}", count, "count",
                                    key=level))
    rows: list[list[str | Metric]] = []
    values = []
    for scope, value, month, currency, amount, spent, forecast, used, level, as_of in budgets:
        key = f"{scope}:{value}:{month.strftime('%Y-%m')}"
        rows.append([f"{scope} {value}", f"{month.strftime('%Y-%m')} to {as_of:%d}",
                     Metric("budget_amount", "budget", amount, "money", key=key,
                            currency=currency),
                     Metric("budget_month_to_date_spend", "spent", spent, "money", key=key,
                            currency=currency),
                     Metric("budget_forecast_month_end_spend", "forecast", forecast, "money",
                            key=key, currency=currency),
                     Metric("budget_percent_used", "used", used, "ratio", key=key), level])
        values.append({"budget": key, "used": used, "level": level})
    panel.table = (["budget", "month, to day", "amount", "spent", "forecast", "used",
                    "alert"], rows)
    bars = horizontal_bars(values, "budget", "used", "share of budget used",
                           {"field": "level", "type": "nominal", "title": None,
                            "legend": {"orient": "top"},
                            "scale": {"domain": ["ok", "warn", "over"],
                                      "range": ["#54a24b", "#f58518", "#e45756"]}})
    bars["encoding"]["x"]["axis"] = {"format": ".0%"}
    panel.chart = {"data": bars.pop("data"),
                   "layer": [bars, {"mark": {"type": "rule", "strokeDash": [4, 3]},
                                    "encoding": {"x": {"datum": 1}}}]}
    return panel


def gpu_hour_prices(marts: Marts) -> Panel:
    panel = Panel("gpu_prices", "$/GPU-hour by GPU model", ["fct_gpu_hour_prices_monthly"],
                  "Effective cost over GPU-hours, summed over months, providers, regions "
                  "and pricing categories (weighted by hours, not an average of prices); "
                  "the tick is the cheapest reference rate listed for the model. "
                  + currency_note(marts))
    if reason := empty_reason(marts, "fct_gpu_hour_prices_monthly"):
        panel.empty_reason = reason
        return panel
    currency = marts.bill_currency()
    models = marts.rows("""
        select gpu_model, sum(gpu_hours), sum(effective_cost),
               sum(effective_cost) / nullif(sum(gpu_hours), 0),
               min(cheapest_reference_price_per_gpu_hour)
        from {t}.fct_gpu_hour_prices_monthly group by 1 order by 4 desc nulls last, 1""")
    (all_hours, all_price), = marts.rows("""
        select sum(gpu_hours), sum(effective_cost) / nullif(sum(gpu_hours), 0)
        from {t}.fct_gpu_hour_prices_monthly""")
    panel.metrics += [
        Metric("gpu_total_hours", "GPU-hours billed", all_hours, "hours"),
        Metric("gpu_overall_price_per_gpu_hour", "Every GPU, per GPU-hour", all_price,
               "price", currency=currency),
    ]
    values = []
    rows: list[list[str | Metric]] = []
    for model, hours, cost, price, reference in models:
        rows.append([model,
                     Metric("gpu_hours", "GPU-hours", hours, "hours", key=model),
                     Metric("gpu_effective_cost", "effective cost", cost, "money", key=model,
                            currency=currency),
                     Metric("gpu_effective_price_per_gpu_hour", "per GPU-hour", price,
                            "price", key=model, currency=currency),
                     "" if reference is None else f"{reference:,.2f}"])
        values.append({"model": model, "price": _float(price), "reference": reference})
    panel.table = (["GPU model", "GPU-hours", "effective cost", "per GPU-hour",
                    "cheapest reference"], rows)
    bars = horizontal_bars(values, "model", "price", "effective cost per GPU-hour")
    ticks = {"mark": {"type": "tick", "color": "#222", "thickness": 2},
             "encoding": {"y": {"field": "model", "type": "nominal", "sort": "-x"},
                          "x": {"field": "reference", "type": "quantitative"}}}
    panel.chart = {"data": bars.pop("data"), "layer": [bars, ticks]}
    return panel


PANELS: list[Callable[[Marts], Panel]] = [
    spend_by_provider, spend_by_team, top_jobs, failure_waste, idle_and_orphaned,
    egress_routes, tag_coverage, budget_status, gpu_hour_prices,
]


# Rendering ------------------------------------------------------------------------------

def chart_svg(spec: dict, chart_id: str) -> str:
    """The Vega-Lite spec drawn as SVG, its element ids made unique within the page."""
    import vl_convert

    full = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
            "width": CHART_WIDTH, "height": CHART_HEIGHT,
            "config": {"font": "DejaVu Sans, Helvetica, Arial, sans-serif",
                       "view": {"stroke": None}, "axis": {"labelFontSize": 10}},
            **spec}
    svg = vl_convert.vegalite_to_svg(full)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{chart_id}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{chart_id}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{chart_id}-{m.group(1)}"', svg)
    return svg


def format_value(metric: Metric) -> str:
    value = metric.value
    if value is None:
        return "n/a"
    if metric.unit == "money":
        return f"{metric.currency or ''} {value:,.2f}".strip()
    if metric.unit == "price":
        return f"{metric.currency or ''} {value:,.2f}".strip()
    if metric.unit == "ratio":
        return f"{float(value) * 100:.1f}%"
    if metric.unit == "hours":
        return f"{value:,.1f} h"
    if metric.unit == "gb":
        return f"{value:,.1f} GB"
    return f"{value:,}"


def raw_value(value: Decimal | float | int | None) -> str:
    """The unrounded value as text: Decimal in plain notation, float in full precision."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    return repr(value) if isinstance(value, float) else str(value)


def render_value(metric: Metric) -> str:
    """The formatted value in a span carrying the metric's machine-readable marker."""
    attributes = {"data-metric": metric.name, "data-unit": metric.unit,
                  "data-value": raw_value(metric.value)}
    if metric.key is not None:
        attributes["data-key"] = metric.key
    if metric.currency is not None:
        attributes["data-currency"] = metric.currency
    text = " ".join(f'{name}="{html.escape(value)}"' for name, value in attributes.items())
    return f'<span class="value" {text}>{html.escape(format_value(metric))}</span>'


def render_metric(metric: Metric) -> str:
    return (f'<div class="metric"><span class="label">{html.escape(metric.label)}</span>'
            f'{render_value(metric)}</div>')


def render_cell(cell: str | Metric) -> str:
    if isinstance(cell, Metric):
        return f'<td class="number">{render_value(cell)}</td>'
    return f"<td>{html.escape(str(cell))}</td>"


def render_table(header: list[str], rows: list[list[str | Metric]]) -> str:
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(render_cell(cell) for cell in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_panel(panel: Panel) -> str:
    sources = ", ".join(panel.sources)
    head = (f'<h2>{html.escape(panel.title)}</h2>'
            f'<p class="source">from {html.escape(sources)}</p>')
    if panel.empty_reason:
        return (f'<section class="panel no-data" id="{panel.panel_id}" '
                f'data-panel="{panel.panel_id}" data-empty="true">{head}'
                f'<p class="no-data-text">{html.escape(panel.empty_reason)}</p></section>')
    metrics = "".join(render_metric(metric) for metric in panel.metrics)
    chart = ""
    if panel.chart is not None:
        chart = (f'<figure class="chart" data-chart="{panel.panel_id}">'
                 f'{chart_svg(panel.chart, panel.panel_id)}</figure>')
    table = render_table(*panel.table) if panel.table else ""
    return (f'<section class="panel" id="{panel.panel_id}" data-panel="{panel.panel_id}">'
            f'{head}<div class="metrics">{metrics}</div>{chart}{table}'
            f'<p class="note">{html.escape(panel.note.strip())}</p></section>')


STYLE = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 0;
       background: #f4f5f7; color: #1d2330; }
header { padding: 18px 28px 8px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 2px 0; color: #4a5160; font-size: 13px; }
main { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px;
       padding: 12px 28px 28px; }
.panel { overflow-x: auto; background: #fff; border: 1px solid #dde1e8; border-radius: 6px;
         padding: 14px 18px; }
.panel h2 { margin: 0; font-size: 17px; }
.source { margin: 2px 0 10px; color: #7a8190; font-size: 11px; }
.metrics { display: flex; flex-wrap: wrap; gap: 6px 18px; margin-bottom: 8px; }
.metric { display: flex; flex-direction: column; min-width: 110px; }
.metric .label { font-size: 11px; color: #5d6474; }
.value { white-space: nowrap; }
.metric .value { font-size: 16px; font-weight: bold; font-variant-numeric: tabular-nums; }
.chart { margin: 6px 0; }
.chart svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 11px; width: 100%; margin-top: 6px; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eceef2; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
td .value { font-weight: normal; }
.note { font-size: 11px; color: #5d6474; margin: 8px 0 0; }
.no-data-text { font-size: 15px; color: #8a5a00; background: #fff6e0; padding: 18px;
                border-radius: 4px; }
"""


def render_page(panels: list[Panel], database: Path, schema: str, built_at: datetime) -> str:
    body = "".join(render_panel(panel) for panel in panels)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>mlcost dashboard</title><style>{STYLE}</style></head><body>"
        "<header><h1>mlcost: where the ML platform's cloud money goes</h1>"
        f"<p>From {html.escape(database.name)}, schema {html.escape(schema)}; built "
        f"{built_at.strftime('%Y-%m-%d %H:%M')} UTC. A static page: no server, nothing "
        "fetched.</p></header>"
        f"<main>{body}</main></body></html>\n")


def read_panels(database: Path, schema: str) -> list[Panel]:
    """Every panel's numbers and chart data, the connection closed before returning."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        schemas = {name for (name,) in con.execute(
            "select schema_name from information_schema.schemata").fetchall()}
        if schema not in schemas:
            raise LookupError(
                f"schema {schema} is not in {database} (it has: {', '.join(sorted(schemas))}): "
                "pass --schema with the one that holds the marts (main_marts in the build's "
                "database and in the published mlcost_bi.duckdb)")
        marts = Marts(con, schema)
        return [build(marts) for build in PANELS]
    finally:
        con.close()


def build_dashboard(database: Path, schema: str, out: Path) -> Path:
    panels = read_panels(database, schema)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(panels, database, schema, datetime.now(timezone.utc)),
                   encoding="utf-8")
    return out


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--database", type=Path, default=Path(DEFAULT_DATABASE),
                        help="DuckDB file with the marts (default: $MLCOST_DUCKDB_PATH or "
                             "%(default)s)")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA,
                        help="schema of the marts: main_marts in the build's database and "
                             "in the published mlcost_bi.duckdb (default: %(default)s)")
    parser.add_argument("--out", type=Path,
                        help="HTML file to write (default: dashboard/index.html beside the "
                             "database)")
    parser.add_argument("--screenshot", type=Path, metavar="PNG",
                        help="also take a screenshot of the page in headless Chromium")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.database.is_file():
        print(f"error: no database at {args.database}: run `make run` (or `dbt build`) "
              "first, or pass --database.", file=sys.stderr)
        return 1
    out = args.out or args.database.resolve().parent / "dashboard" / "index.html"
    try:
        build_dashboard(args.database, args.schema, out)
    except (LookupError, duckdb.Error) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"dashboard: {out} (open it in a browser; it needs no server)")
    if args.screenshot:
        from headless_chromium import screenshot

        try:
            print(f"screenshot: {screenshot(out, args.screenshot)}")
        except (FileNotFoundError, RuntimeError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
