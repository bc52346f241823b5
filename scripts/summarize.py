"""Print what mlcost found: spend per provider and month, the costliest jobs, idle and
orphaned spend, GPU time left unused and what right-sizing would save, what was quarantined and which job attempt nodes matched no billing line. Reads the marts of the DuckDB file `dbt build` wrote."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

DEFAULT_DATABASE = os.environ.get("MLCOST_DUCKDB_PATH", "mlcost.duckdb")
MARTS_SCHEMA = "main_marts"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default=DEFAULT_DATABASE,
                        help="DuckDB file built by dbt (default: %(default)s)")
    parser.add_argument("--top", type=int, default=10, help="how many jobs to list")
    return parser.parse_args()


def print_table(title: str, header: list[str], rows: list[tuple]) -> None:
    print(f"\n{title}")
    if not rows:
        print("  (none)")
        return
    cells = [[_format(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(header)]
    print("  " + "  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in cells:
        print("  " + "  ".join(value.rjust(w) if _is_number(value) else value.ljust(w)
                               for value, w in zip(row, widths)))


def _format(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) or type(value).__name__ == "Decimal":
        return f"{float(value):,.2f}"
    return str(value)


def _is_number(text: str) -> bool:
    return text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def print_unmatched_attempt_nodes(con: duckdb.DuckDBPyConnection) -> None:
    """How many job attempt nodes matched no billing line (their jobs show less cost than
    they ran up) and why, pointing at the mart that lists them."""
    rows = con.execute(f"""
        select unmatched_reason, count(*), count(distinct job_id)
        from {MARTS_SCHEMA}.fct_ml_unmatched_attempt_nodes
        group by 1 order by 2 desc, 1
    """).fetchall()
    nodes = sum(row[1] for row in rows)
    print(f"\n{nodes} job attempt node{'' if nodes == 1 else 's'} matched no billing line: "
          "their jobs show no cost for them (see fct_ml_unmatched_attempt_nodes)")
    for reason, count, jobs in rows:
        print(f"  {count} node{'' if count == 1 else 's'} of {jobs} "
              f"job{'' if jobs == 1 else 's'}: {reason}")


def print_superseded_deliveries(con: duckdb.DuckDBPyConnection) -> None:
    """Deliveries a newer delivery of the same period replaced: left out, not summed."""
    rows = con.execute(f"""
        select x_provider, count(*), sum(line_count), sum(billed_cost)
        from {MARTS_SCHEMA}.rpt_billing_deliveries
        where delivery_status = 'superseded'
        group by 1 order by 1
    """).fetchall()
    deliveries = sum(row[1] for row in rows)
    print(f"\n{deliveries} deliver{'y' if deliveries == 1 else 'ies'} superseded by a newer "
          "delivery of the same period, left out (see rpt_billing_deliveries)")
    for provider, count, lines, billed in rows:
        print(f"  {provider}: {count} deliver{'y' if count == 1 else 'ies'}, {lines} lines, "
              f"{_format(billed)} billed")


def main() -> int:
    args = parse_args()
    if not Path(args.database).exists():
        print(f"No database at {args.database}: run `make run` (or `dbt build`) first.",
              file=sys.stderr)
        return 1
    con = duckdb.connect(args.database, read_only=True)
    print_table(
        "Spend per provider and billing month, in the billing currency",
        ["provider", "month", "currency", "billed", "effective", "lines"],
        con.execute(f"""
            select x_provider, strftime(billing_period_start, '%Y-%m'), billing_currency,
                   sum(billed_cost), sum(effective_cost), count(*)
            from {MARTS_SCHEMA}.fct_cost_lines
            group by 1, 2, 3 order by 1, 2, 3
        """).fetchall(),
    )
    print_table(
        f"Top {args.top} costliest jobs",
        ["job_id", "team", "user", "type", "status", "attempts", "gpu_hours", "billed",
         "currency", "billed, reporting currency"],
        con.execute(f"""
            select job_id, team, user_email, job_type, final_status, attempt_count,
                   gpu_hours, billed_cost, billing_currency,
                   billed_cost_in_reporting_currency
            from {MARTS_SCHEMA}.fct_ml_job_costs
            order by billed_cost_in_reporting_currency desc nulls last, job_id limit ?
        """, [args.top]).fetchall(),
    )
    print_table(
        "Money spent on nothing per month (see rpt_idle_and_orphaned_resources)",
        ["month", "finding", "confidence", "currency", "resources", "billed"],
        con.execute(f"""
            select strftime(usage_month, '%Y-%m'), finding, confidence, billing_currency,
                   count(*), sum(finding_billed_cost)
            from {MARTS_SCHEMA}.rpt_idle_and_orphaned_resources
            group by 1, 2, 3, 4 order by 1, 2, 3, 4
        """).fetchall(),
    )
    print_table(
        "GPU time left unused and what right-sizing would save, per team, in the reporting "
        "currency (see rpt_ml_gpu_utilization_waste_monthly)",
        ["team", "currency", "gpu_hours", "utilization %", "unused", "utilization unknown",
         "candidates", "saving"],
        con.execute(f"""
            select team, reporting_currency, sum(gpu_hours),
                   sum(gpu_utilization_pct * utilization_known_gpu_hours)
                   / nullif(sum(utilization_known_gpu_hours), 0),
                   sum(unused_gpu_effective_cost_in_reporting_currency),
                   sum(utilization_unknown_billed_cost_in_reporting_currency),
                   sum(rightsizing_candidate_job_count),
                   sum(rightsizing_saving_in_reporting_currency)
            from {MARTS_SCHEMA}.rpt_ml_gpu_utilization_waste_monthly
            group by 1, 2 order by 5 desc nulls last, 1
        """).fetchall(),
    )
    print_table(
        "Inference cost per endpoint and tenant, in the reporting currency, and what "
        "autoscaling to traffic would save (see rpt_ml_inference_unit_costs)",
        ["endpoint", "model", "tenant", "currency", "requests", "effective", "per 1k requests",
         "autoscaling"],
        con.execute(f"""
            select endpoint_name, model_name, coalesce(tenant, '(no traffic)'),
                   reporting_currency, sum(requests),
                   sum(effective_cost_in_reporting_currency),
                   1000 * sum(effective_cost_in_reporting_currency)
                   / nullif(sum(requests), 0),
                   sum(autoscaling_opportunity_in_reporting_currency)
            from {MARTS_SCHEMA}.rpt_ml_inference_unit_costs
            group by 1, 2, 3, 4 order by 6 desc nulls last, 1, 3 limit 12
        """).fetchall(),
    )
    print_table(
        "What a schedule would save per team, in the reporting currency: dev machines off "
        "hours, peak-time on-demand jobs deferred to spot (see rpt_ml_scheduling_opportunities)",
        ["team", "opportunity", "currency", "machines or jobs", "off hours", "saving"],
        con.execute(f"""
            select team, opportunity_type, reporting_currency,
                   count(distinct coalesce(resource_id, job_id)), sum(off_hours),
                   sum(saving_in_reporting_currency)
            from {MARTS_SCHEMA}.rpt_ml_scheduling_opportunities
            group by 1, 2, 3 order by 6 desc nulls last, 1, 2
        """).fetchall(),
    )
    print_table(
        "GPU quotas in the latest month (see fct_gpu_quota_status_monthly)",
        ["month", "team", "gpu model", "status", "set by", "gpu_hours", "quota",
         "forecast", "crossed or crossing on"],
        con.execute(f"""
            select strftime(quota_month, '%Y-%m'), team, gpu_model, quota_status,
                   quota_status_limit, gpu_hours_used, gpu_hours_quota,
                   forecast_month_end_gpu_hours,
                   coalesce(gpu_hours_crossed_on, amount_crossed_on,
                            gpu_hours_forecast_crossing_on, amount_forecast_crossing_on)
            from {MARTS_SCHEMA}.fct_gpu_quota_status_monthly
            where quota_month = (select max(quota_month)
                                 from {MARTS_SCHEMA}.fct_gpu_quota_status_monthly)
            order by case quota_status when 'over' then 0 when 'warn' then 1
                     when 'no_quota' then 2 else 3 end, 2, 3
        """).fetchall(),
    )
    print_table(
        "Quarantined lines (not in the marts; see fct_quarantined_cost_lines)",
        ["provider", "reason", "currency", "lines", "billed"],
        con.execute(f"""
            select x_provider, x_quarantine_reason, billing_currency, count(*),
                   sum(billed_cost)
            from {MARTS_SCHEMA}.fct_quarantined_cost_lines
            group by 1, 2, 3 order by 4 desc limit 10
        """).fetchall(),
    )
    print_superseded_deliveries(con)
    print_unmatched_attempt_nodes(con)
    print_table(
        "FOCUS 1.2 rules broken (see rpt_focus_conformance; none is the goal)",
        ["rule", "provider", "lines", "specification"],
        con.execute(f"""
            select rule_id, x_provider, violating_line_count, spec_text
            from {MARTS_SCHEMA}.rpt_focus_conformance
            where violating_line_count > 0
            order by 3 desc, 1, 2 limit 10
        """).fetchall(),
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
