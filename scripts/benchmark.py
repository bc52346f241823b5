"""Benchmark mlcost against what a user would do without it, on the same files.

The question timed is the one every mart starts from: billed cost per usage account and
billing month, over an AWS CUR export. Three ways to answer it, each run --runs times on
the same generated files, medians compared:

- mlcost:  `dbt run` of the unified cost table (staging, format choice, FOCUS mapping,
           tags) for that export, then the answer from `fct_cost_lines`;
- floor:   one plain DuckDB SQL query over the raw files (no typing checks, no FOCUS);
- pandas:  what an analyst would write: read the files, group by.

All three answers are checked equal to the cent before any time is reported, so the
benchmark also proves the fast paths compute the same thing. Performance targets live
here, not in timed tests: `make bench` prints the medians and the ratios to the floor.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parents[1]
FORMATS = {
    # var name, glob under the data dir, DuckDB reader, cost / account / month columns
    "cur2_parquet": ("mlcost_aws_cur2_parquet", "aws/cur2/**/*.parquet", "read_parquet",
                     "line_item_unblended_cost", "line_item_usage_account_id",
                     "bill_billing_period_start_date"),
    "cur_legacy_csv": ("mlcost_aws_cur_legacy_csv", "aws/cur_legacy/*/*/*/*.csv.gz",
                       "read_csv", '"lineItem/UnblendedCost"', '"lineItem/UsageAccountId"',
                       '"bill/BillingPeriodStartDate"'),
}
Answer = dict[tuple[str, str], float]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=5.0,
                        help="generator scale (5 is ~500k CUR lines over 45 days)")
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--format", choices=sorted(FORMATS), default="cur2_parquet")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each way")
    parser.add_argument("--data-dir", default="data/bench",
                        help="where the generated AWS export lives (reused if present)")
    parser.add_argument("--output", default=None,
                        help="write the results as JSON here (default: <data-dir>/results.json)")
    return parser.parse_args()


def generate(data_dir: Path, scale: float, days: int) -> None:
    marker = data_dir / "truth.json"
    if marker.exists():
        generator = json.loads(marker.read_text())["generator"]
        if generator.get("scale") == scale and generator.get("days") == days:
            print(f"reusing the export in {data_dir} (scale {scale}, {days} days)")
            return
    print(f"generating an AWS export at scale {scale} for {days} days into {data_dir} ...")
    subprocess.run([sys.executable, str(PROJECT_DIR / "scripts" / "generate_sample_data.py"),
                    "--scale", str(scale), "--days", str(days), "--providers", "aws",
                    "--no-focus", "--out", str(data_dir), "--quiet"], check=True)


def by_account_month(rows: list[tuple]) -> Answer:
    return {(str(account), str(month)[:7]): float(cost) for account, month, cost in rows}


def dbt(command: str, glob: str, var_name: str, work_dir: Path) -> None:
    env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR),
           "MLCOST_DUCKDB_PATH": str(work_dir / "bench.duckdb"),
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    selection = ["--select", "+fct_cost_lines"] if command == "run" else []
    result = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), command, *selection,
         "--vars", json.dumps({var_name: glob}),
         "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"dbt {command} failed:\n{result.stdout[-4000:]}")


def run_mlcost(glob: str, var_name: str, work_dir: Path) -> Answer:
    """The answer from the mart; an empty glob times dbt alone (the source is unset)."""
    dbt("run", glob, var_name, work_dir)
    con = duckdb.connect(str(work_dir / "bench.duckdb"), read_only=True)
    try:
        return by_account_month(con.execute("""
            select sub_account_id, strftime(billing_period_start, '%Y-%m'), sum(billed_cost)
            from main_marts.fct_cost_lines group by 1, 2""").fetchall())
    finally:
        con.close()


def run_floor(glob: str, reader: str, cost: str, account: str, month: str) -> Answer:
    con = duckdb.connect()
    options = ", all_varchar = true" if reader == "read_csv" else ""
    sql = (f"select {account}, substr(cast({month} as varchar), 1, 7), "
           f"sum(cast({cost} as decimal(38, 10))) "
           f"from {reader}('{glob}'{options}) group by 1, 2")
    return by_account_month(con.execute(sql).fetchall())


def run_pandas(files: list[Path], cost: str, account: str, month: str) -> Answer:
    cost, account, month = (c.strip('"') for c in (cost, account, month))
    columns = [cost, account, month]
    if files[0].suffix == ".parquet":
        frame = pd.concat(pd.read_parquet(f, columns=columns) for f in files)
    else:
        frame = pd.concat(pd.read_csv(f, usecols=columns, dtype=str) for f in files)
    frame[cost] = pd.to_numeric(frame[cost])
    frame[month] = frame[month].astype(str).str[:7]
    totals = frame.groupby([account, month])[cost].sum()
    return {(str(a), str(m)): float(v) for (a, m), v in totals.items()}


def timed(label: str, runs: int, work: Callable[[], Answer]) -> tuple[list[float], Answer]:
    seconds, answer = [], {}
    for run in range(runs):
        start = time.perf_counter()
        answer = work()
        seconds.append(time.perf_counter() - start)
        print(f"  {label:<7} run {run + 1}: {seconds[-1]:.2f} s")
    return seconds, answer


def assert_same(reference: Answer, other: Answer, label: str) -> None:
    if reference.keys() != other.keys() or any(
            abs(reference[key] - other[key]) > 0.01 for key in reference):
        sys.exit(f"{label} answers differently from the floor: {other} vs {reference}")


def main() -> int:
    args = parse_args()
    data_dir = Path(args.data_dir)
    generate(data_dir, args.scale, args.days)
    var_name, pattern, reader, cost, account, month = FORMATS[args.format]
    glob = str((data_dir / pattern).resolve())
    files = sorted(data_dir.resolve().glob(pattern))
    lines = duckdb.connect().execute(
        f"select count(*) from {reader}('{glob}')").fetchall()[0][0]
    print(f"{args.format}: {len(files)} files, {lines:,} lines; {args.runs} runs each")

    work_dir = data_dir / "work"
    work_dir.mkdir(parents=True, exist_ok=True)
    dbt("seed", glob, var_name, work_dir)  # reference data, loaded once, not timed
    floor_s, floor = timed("floor", args.runs, lambda: run_floor(glob, reader, cost, account,
                                                                 month))
    pandas_s, by_pandas = timed("pandas", args.runs, lambda: run_pandas(files, cost, account,
                                                                        month))
    mlcost_s, by_mlcost = timed("mlcost", args.runs, lambda: run_mlcost(glob, var_name,
                                                                        work_dir))
    # dbt's own start-up, parse and DDL, with no data: the fixed part of every run.
    empty_s, _ = timed("empty", args.runs, lambda: run_mlcost("", var_name, work_dir))
    assert_same(floor, by_pandas, "pandas")
    assert_same(floor, by_mlcost, "mlcost")

    medians = {name: statistics.median(values) for name, values in
               (("floor", floor_s), ("pandas", pandas_s), ("mlcost", mlcost_s),
                ("empty", empty_s))}
    results = {"format": args.format, "scale": args.scale, "days": args.days,
               "lines": lines, "runs": args.runs, "median_seconds": medians,
               "ratio_to_floor": {name: medians[name] / medians["floor"] for name in medians},
               "lines_per_second_mlcost_net_of_fixed_cost":
                   lines / max(medians["mlcost"] - medians["empty"], 1e-9)}
    print(f"\nmedian of {args.runs} runs over {lines:,} lines (same answers, to the cent):")
    for name in ("floor", "pandas", "mlcost"):
        print(f"  {name:<7} {medians[name]:8.2f} s   x{results['ratio_to_floor'][name]:6.1f} "
              "the plain DuckDB floor")
    print(f"  mlcost with no data (dbt's fixed cost): {medians['empty']:.2f} s; net of it "
          f"{results['lines_per_second_mlcost_net_of_fixed_cost']:,.0f} lines/s")
    output = Path(args.output) if args.output else data_dir / "results.json"
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
