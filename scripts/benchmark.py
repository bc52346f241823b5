"""A fair benchmark of mlcost: the same generated files, the same outputs, in one run.

For each scale the generator writes N days of history and, with the same seed, N+1 days
(one AWS CUR 2.0 parquet export and the four ML job tables; dbt reads only those, through a
vars file of the benchmark's own). Then, each timed --runs times (median reported):

  dbt_startup       `dbt build` selecting no node: parse check, adapter, hooks; dbt's
                    fixed cost, part of every other dbt time below;
  floor             plain DuckDB SQL (scripts/bench/floor.sql) writing the unified cost
                    table's core columns and three marts: job costs, egress routes per day,
                    tag coverage per day;
  dbt_four_outputs  `dbt build` of fct_cost_lines, fct_ml_job_costs, fct_egress_routes_daily,
                    fct_tag_coverage_daily, everything upstream and their data tests (unit
                    tests left out, as nightly), on an empty database; the floor's outputs are checked equal to these, to the cent,
                    before any time is reported (the run stops loudly otherwise);
  dbt_full          the nightly command (`dbt build` without unit tests) on an empty database;
  nightly           on top of the full build of N days: copy in the files whose bytes differ
                    in the N+1-day export (unchanged files keep their modification time) and
                    `dbt build` again ("one more day"); then rewrite the open month's files
                    with a new modification time and build again ("open month re-delivered").
                    The nightly marts are checked against the floor over N+1 days;
  pandas            scripts/bench/pandas_way.py: the same four outputs in pandas, checked
                    against the floor; killed above --pandas-memory-gib ("did not finish").

--copies K writes the generated world K times over, each copy with its own machines and
jobs (scripts/bench/replicate.py), for sizes the generator would take hours to simulate.
--skip four leaves out the four-output builds; the floor is then checked against the full
build.

Wall time and the peak resident memory of the whole process tree (psutil) are recorded.
Results: docs/benchmarks/results.json, results.md and results.png (time and memory against
lines). Develop with --quick (about two minutes); the reference numbers come from
`make bench` on an idle machine.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib.metadata
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench.floor import OUTPUTS  # noqa: E402
from bench.replicate import replicate  # noqa: E402
from bench.measure import (  # noqa: E402
    BenchmarkMismatch,
    Measurement,
    OutputSpec,
    assert_same,
    breakdown_text,
    median,
    node_time_breakdown,
    plot_results,
    results_markdown,
    run_measured,
)

PROJECT_DIR = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
DBT = str(Path(sys.executable).with_name("dbt"))
# CUR 2.0 lines the generator writes per unit of --scale and day, which turns --lines into
# scales: about 2,800 at scale 1 and 3,400 at scale 0.3 over 45 days, so --lines is
# approximate. The results report the lines actually generated.
LINES_PER_SCALE_DAY = 2900
# Files of the generated export the benchmark reads, relative to the generator's output.
INPUTS = {
    "cur2": ("mlcost_aws_cur2_parquet", "aws/cur2/**/*.parquet"),
    "jobs": ("mlcost_ml_jobs", "ml_jobs/jobs.csv"),
    "attempts": ("mlcost_ml_job_attempts", "ml_jobs/job_attempts.csv"),
    "nodes": ("mlcost_ml_attempt_nodes", "ml_jobs/attempt_nodes.csv"),
    "checkpoints": ("mlcost_ml_checkpoints", "ml_jobs/checkpoints.csv"),
}
FOUR_OUTPUTS = ["+fct_cost_lines", "+fct_ml_job_costs", "+fct_egress_routes_daily",
                "+fct_tag_coverage_daily"]
# How each output compares (key columns, then values: money to the cent, exact, approximate).
SPECS = {
    "cost_lines": OutputSpec(
        "unified cost table", ["x_line_key"],
        money=["billed_cost", "effective_cost"],
        exact=["billing_account_id", "sub_account_id", "billing_period_start",
               "charge_period_start", "charge_period_end", "charge_category",
               "service_category", "service_name", "region_id", "resource_id", "sku_id",
               "x_instance_type", "x_gpu_count", "x_tag_team", "x_tag_project"]),
    "ml_job_costs": OutputSpec(
        "job costs", ["job_id"], money=["billed_cost", "effective_cost"],
        exact=["attempt_count"]),
    "egress_routes_daily": OutputSpec(
        "egress routes", ["charge_date", "billing_account_id", "sub_account_id",
                          "service_name", "egress_route", "from_region", "to_region",
                          "to_location"],
        money=["billed_cost", "effective_cost", "served_compute_billed_cost"],
        exact=["served_region", "line_count"], approx=["usage_gb"]),
    "tag_coverage_daily": OutputSpec(
        "tag coverage", ["charge_date", "billing_account_id", "sub_account_id",
                         "service_name", "owner_team", "tag_name"],
        money=["billed_cost", "tagged_billed_cost", "untagged_billed_cost"],
        exact=["resource_count", "untagged_resource_count"]),
}


# The documented nightly command: every model and data test; unit tests (mlcost's own logic
# on hand-written rows) are make test's. The full build is the same command on an empty
# database, so the two compare the same work.
NIGHTLY = ("--exclude-resource-type", "unit_test")
# The four outputs with everything upstream and their data tests, as the nightly command
# builds them (unit tests left out).
FOUR_OUTPUTS_BUILD = ("--select", *FOUR_OUTPUTS, "--indirect-selection", "buildable", *NIGHTLY)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--scales", default="1,4",
                      help="generator scales, comma-separated (1 is ~%d CUR 2.0 lines a day)"
                      % LINES_PER_SCALE_DAY)
    size.add_argument("--lines", default=None,
                      help="approximate billing lines instead, comma-separated (1e6,1e7)")
    parser.add_argument("--days", type=int, default=90,
                        help="days of history the nightly run adds one day to")
    parser.add_argument("--attempts-factor", type=float, default=1.0,
                        help="generator's --attempts-factor: about this many times the job "
                        "attempts (9 gives about 10 billing lines per attempt)")
    parser.add_argument("--copies", type=int, default=1,
                        help="write the generated world this many times over, each copy "
                        "with its own machines and jobs (scripts/bench/replicate.py): "
                        "sizes the generator would take hours to simulate")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each way")
    parser.add_argument("--threads", default=os.environ.get("MLCOST_THREADS", "2"),
                        help="DuckDB threads for dbt and the floor (MLCOST_THREADS)")
    parser.add_argument("--work-dir", type=Path, default=PROJECT_DIR / "data" / "bench",
                        help="generated files and databases (reused when the scale matches)")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "docs" / "benchmarks",
                        help="where results.md, results.png and results.json go")
    parser.add_argument("--pandas-max-lines", type=float, default=20e6,
                        help="skip pandas above this many lines")
    parser.add_argument("--pandas-memory-gib", type=float,
                        default=round(psutil.virtual_memory().total / 2**30 * 0.6, 1),
                        help="kill pandas above this resident memory (default 60%% of RAM)")
    parser.add_argument("--skip", default=None,
                        help="ways to leave out, comma-separated: four,full,nightly,pandas "
                        "(default: none; with --quick: full,nightly)")
    parser.add_argument("--quick", action="store_true",
                        help="development run: scale 0.2, 10 days, 1 run, no full or nightly "
                        "build unless --skip says otherwise (about 2 minutes)")
    args = parser.parse_args(argv)
    if args.quick:
        args.scales, args.lines, args.days, args.runs = "0.2", None, 10, 1
        if args.skip is None:
            args.skip = "full,nightly"
    if args.lines:
        args.scale_list = [round(float(lines) / (LINES_PER_SCALE_DAY * args.days), 3)
                           for lines in args.lines.split(",")]
    else:
        args.scale_list = [float(scale) for scale in args.scales.split(",")]
    args.skip_set = {way.strip() for way in (args.skip or "").split(",") if way.strip()}
    return args


def say(message: str) -> None:
    print(message, flush=True)


# --- data -------------------------------------------------------------------------------

def generate(copies: list[tuple[Path, int]], scale: float, simulated_days: int,
             attempts_factor: float) -> None:
    """For each (folder, billed_days): one CUR 2.0 export and the job tables of a world
    simulated over simulated_days, billed for its first billed_days (same world: closed
    months byte-identical). The copies are written side by side, one process each."""
    running = []
    for out, billed_days in copies:
        wanted = {"scale": scale, "days": simulated_days, "billed_days": billed_days,
                  "attempts_factor": attempts_factor}
        marker = out / "truth.json"
        if marker.exists():
            generator = json.loads(marker.read_text()).get("generator", {})
            known = {**generator,
                     "billed_days": generator.get("billed_days", generator.get("days")),
                     "attempts_factor": generator.get("attempts_factor", 1.0)}
            if all(known.get(key) == value for key, value in wanted.items()):
                say(f"  reusing {out}")
                continue
        say(f"  generating scale {scale}, {billed_days} of {simulated_days} days into {out} ...")
        running.append(subprocess.Popen([
            PYTHON, str(PROJECT_DIR / "scripts" / "generate_sample_data.py"),
            "--scale", str(scale), "--days", str(simulated_days),
            "--billed-days", str(billed_days), "--attempts-factor", str(attempts_factor),
            "--providers", "aws", "--aws-formats", "cur2_parquet", "--no-focus",
            "--out", str(out), "--quiet"]))
    failed = [process.args for process in running if process.wait() != 0]
    if failed:
        raise subprocess.CalledProcessError(1, failed[0])


def replicated(args: argparse.Namespace, history: Path, next_day: Path) -> tuple[Path, Path]:
    """The two generated copies written args.copies times over (reused when their sources
    and the count match); the nightly copy's unchanged files are the history's bytes."""
    targets = []
    for source, earlier in ((history, None), (next_day, history)):
        target = source.with_name(f"{source.name}-x{args.copies}")
        wanted = {"copies": args.copies, "source": (source / "truth.json").read_text()}
        marker = target / "replicated.json"
        if marker.exists() and json.loads(marker.read_text()) == wanted:
            say(f"  reusing {target}")
        elif source.exists():
            say(f"  writing {source.name} {args.copies} times over into {target} ...")
            replicate(source, target, args.copies,
                      unchanged_from=(earlier, targets[0]) if earlier else None)
            marker.write_text(json.dumps(wanted))
        targets.append(target)
    return targets[0], targets[1]


def input_files(root: Path) -> dict[str, Path]:
    """The files the benchmark reads under one export folder, by relative path."""
    files = {}
    for _, pattern in INPUTS.values():
        for path in sorted(root.glob(pattern)):
            files[str(path.relative_to(root))] = path
    return files


def mirror(source: Path, target: Path) -> None:
    """Make target hold exactly source's input files, modification times included: hard
    links where the file system allows (large sizes would otherwise hold a third copy of
    the export), never written through (deliveries replace files, see deliver_changes)."""
    wanted = input_files(source)
    for relative, path in input_files(target).items():
        if relative not in wanted:
            path.unlink()
    for relative, path in wanted.items():
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.unlink(missing_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)


def deliver_changes(source: Path, target: Path) -> list[str]:
    """Copy the files whose bytes differ (or are new) as a new delivery: new modification
    time; unchanged files are left alone, their modification times kept."""
    changed = []
    for relative, path in input_files(source).items():
        destination = target / relative
        if destination.exists() and filecmp.cmp(path, destination, shallow=False):
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.unlink(missing_ok=True)  # a new file: never write through a hard link
        shutil.copyfile(path, destination)
        changed.append(relative)
    return changed


def open_month_files(root: Path) -> list[Path]:
    """The CUR files of the latest billing period (the month still being billed)."""
    periods = sorted({path.parent for path in root.glob(INPUTS["cur2"][1])})
    return sorted(periods[-1].glob("*.parquet")) if periods else []


def redeliver(files: list[Path]) -> None:
    """Rewrite files in place (same bytes, new modification time), as CUR re-delivers."""
    for path in files:
        content = path.read_bytes()
        path.unlink()
        path.write_bytes(content)


def count_lines(root: Path) -> tuple[int, int]:
    con = duckdb.connect()
    lines = con.execute(f"select count(*) from read_parquet('{root}/{INPUTS['cur2'][1]}')"
                        ).fetchall()[0][0]
    attempts = con.execute(f"select count(*) from read_csv('{root}/{INPUTS['attempts'][1]}')"
                           ).fetchall()[0][0]
    return lines, attempts


def paths_of(root: Path) -> dict[str, str]:
    return {name: str(root / pattern) for name, (_, pattern) in INPUTS.items()}


def vars_yaml(root: Path) -> str:
    """dbt vars naming only the CUR 2.0 export and the job tables (other sources unset)."""
    return "".join(f"{var}: '{root / pattern}'\n" for var, pattern in INPUTS.values())


# --- ways -------------------------------------------------------------------------------

class Runner:
    """Runs each way on one scale's files: dbt, the floor and pandas as child processes."""

    def __init__(self, args: argparse.Namespace, scale_dir: Path, data_dir: Path,
                 history: Path) -> None:
        self.args = args
        self.scale_dir = scale_dir
        self.data_dir = data_dir  # what dbt reads: the history, then the nightly deliveries
        self.history = history
        self.vars = vars_yaml(data_dir)
        (scale_dir / "bench_vars.yml").write_text(self.vars)

    @property
    def database(self) -> Path:
        """dbt's one database file: a profile that changed between runs (another path)
        would make dbt parse the whole project again, which a nightly run does not do."""
        return self.scale_dir / "mlcost.duckdb"

    def dbt(self, *arguments: str, fresh: bool = True) -> Measurement:
        database = self.database
        if fresh:
            for path in (database, database.with_suffix(".duckdb.wal")):
                path.unlink(missing_ok=True)
        env = {**os.environ, "DBT_PROFILES_DIR": str(PROJECT_DIR),
               "MLCOST_DUCKDB_PATH": str(database), "MLCOST_THREADS": str(self.args.threads),
               "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        measurement = run_measured(
            [DBT, "build", *arguments, "--vars", self.vars,
             "--target-path", str(self.scale_dir / "target"),
             "--log-path", str(self.scale_dir / "logs")], env=env, cwd=PROJECT_DIR)
        if measurement.returncode != 0:
            tail = measurement.output[-6000:]
            raise SystemExit(f"dbt build {' '.join(arguments)} failed:\n{tail}")
        run_results = self.scale_dir / "target" / "run_results.json"
        measurement.breakdown = node_time_breakdown(json.loads(run_results.read_text()))
        return measurement

    def floor(self, database: Path, root: Path) -> Measurement:
        command = [PYTHON, str(PROJECT_DIR / "scripts" / "bench" / "floor.py"),
                   "--database", str(database), "--threads", str(self.args.threads)]
        for name, value in paths_of(root).items():
            command += [f"--{name}", value]
        measurement = run_measured(command)
        if measurement.returncode != 0:
            raise SystemExit(f"the floor failed:\n{measurement.output[-4000:]}")
        return measurement

    def pandas(self, out_dir: Path, root: Path) -> Measurement:
        command = [PYTHON, str(PROJECT_DIR / "scripts" / "bench" / "pandas_way.py"),
                   "--out-dir", str(out_dir)]
        for name, value in paths_of(root).items():
            command += [f"--{name}", value]
        return run_measured(command, memory_limit_bytes=int(
            self.args.pandas_memory_gib * 2**30))


def summary(measurements: list[Measurement], **extra) -> dict:
    result = {"status": "ok", "seconds": [m.seconds for m in measurements],
              "median_seconds": median([m.seconds for m in measurements]),
              "peak_rss_bytes": max(m.peak_rss_bytes for m in measurements), **extra}
    if measurements[-1].breakdown:
        result["nodes"] = measurements[-1].breakdown  # of the last run: where time goes
    return result


def check_against_floor(floor_db: Path, other_db: Path, label: str,
                        other_tables: dict[str, str] | None = None) -> None:
    """Every floor output equal to the other's (mlcost's tables by default), to the cent."""
    con = duckdb.connect()
    con.execute(f"attach '{floor_db}' as floor_db (read_only)")
    con.execute(f"attach '{other_db}' as other_db (read_only)")
    tables = other_tables or OUTPUTS
    pairs = [(f"floor_db.main.{name}", f"other_db.{tables[name]}", SPECS[name])
             for name in OUTPUTS]
    try:
        assert_same(con, pairs, label)
    finally:
        con.close()


def bench_scale(args: argparse.Namespace, scale: float) -> dict:
    scale_dir = args.work_dir / f"scale-{scale:g}"
    history, next_day = scale_dir / f"gen-{args.days}d", scale_dir / f"gen-{args.days + 1}d"
    data_dir = scale_dir / "data"
    say(f"scale {scale:g}: {args.days} days of history, then one more day")
    # One world simulated over days + 1, billed for days, then for one more day: what a
    # nightly delivery after one more day looks like (closed months unchanged).
    copies = [(history, args.days)]
    if "nightly" not in args.skip_set:
        copies.append((next_day, args.days + 1))
    generate(copies, scale, args.days + 1, args.attempts_factor)
    if args.copies > 1:
        history, next_day = replicated(args, history, next_day)
    mirror(history, data_dir)
    lines, attempts = count_lines(data_dir)
    say(f"  {lines:,} CUR 2.0 lines, {attempts:,} job attempts; {args.runs} runs of each way")
    runner = Runner(args, scale_dir, data_dir, history)
    result = {"scale": scale, "copies": args.copies, "days": args.days, "lines": lines,
              "attempts": attempts,
              "ways": {}, "notes": []}
    ways = result["ways"]

    # The floor and mlcost's four outputs first: equal to the cent, or no time is reported
    # (with the four outputs skipped, the full build is what the floor is checked against).
    floor_db = scale_dir / "floor.duckdb"
    runner.dbt("--select", "tag:mlcost_benchmark_selects_nothing")  # parse once, untimed
    floor_runs = [runner.floor(floor_db, data_dir)]
    four_runs = []
    if "four" not in args.skip_set:
        four_runs.append(runner.dbt(*FOUR_OUTPUTS_BUILD))
        check_against_floor(floor_db, runner.database, "the floor")
        say("  floor and mlcost agree to the cent on all four outputs")
    for _ in range(args.runs - 1):
        floor_runs.append(runner.floor(floor_db, data_dir))
        if four_runs:
            four_runs.append(runner.dbt(*FOUR_OUTPUTS_BUILD))
    ways["floor"] = summary(floor_runs)
    ways["dbt_startup"] = summary([
        runner.dbt("--select", "tag:mlcost_benchmark_selects_nothing")
        for _ in range(args.runs)], what="dbt build --select <a tag no node has>")
    if four_runs:
        ways["dbt_four_outputs"] = summary(four_runs)
        startup = ways["dbt_startup"]["median_seconds"]
        four = ways["dbt_four_outputs"]["median_seconds"]
        result["notes"].append(
            f"The four outputs net of dbt's start-up: {four - startup:.1f} s, "
            f"{(four - startup) / ways['floor']['median_seconds']:.1f}x the floor.")

    if "full" not in args.skip_set or "nightly" not in args.skip_set:
        full_db = scale_dir / "full.duckdb"
        full_runs = [runner.dbt(*NIGHTLY)]
        if not four_runs:
            check_against_floor(floor_db, runner.database, "the floor")
            say("  floor and the full build agree to the cent on all four outputs")
        full_runs += [runner.dbt(*NIGHTLY) for _ in range(args.runs - 1)]
        ways["dbt_full"] = summary(full_runs)
        os.replace(runner.database, full_db)
        if "nightly" not in args.skip_set:
            bench_nightly(args, runner, result, full_db, history, next_day)

    if "pandas" not in args.skip_set:
        bench_pandas(args, runner, result, floor_db)
    floor_db.unlink()
    return result


def bench_nightly(args: argparse.Namespace, runner: Runner, result: dict, full_db: Path,
                  history: Path, next_day: Path) -> None:
    scale_dir, data_dir, ways = runner.scale_dir, runner.data_dir, result["ways"]
    nightly_db = runner.database
    one_more_day, open_month = [], []
    for run in range(args.runs):
        mirror(history, data_dir)
        if run == args.runs - 1:
            os.replace(full_db, nightly_db)  # the last run needs no copy (large sizes)
        else:
            shutil.copy2(full_db, nightly_db)
        changed = deliver_changes(next_day, data_dir)
        one_more_day.append(runner.dbt(*NIGHTLY, fresh=False))
        if run == 0:
            # The nightly marts must be what a full build of N+1 days gives: the floor's.
            next_floor = scale_dir / "floor_next_day.duckdb"
            runner.floor(next_floor, data_dir)
            check_against_floor(next_floor, nightly_db, "the nightly build")
            next_floor.unlink()  # checked: its disk is the nightly database's at large sizes
            say(f"  nightly: {len(changed)} changed files delivered; marts agree with the "
                "floor over one more day")
        redelivered = open_month_files(data_dir)
        redeliver(redelivered)
        open_month.append(runner.dbt(*NIGHTLY, fresh=False))
    ways["dbt_nightly_one_more_day"] = summary(one_more_day, files_changed=changed)
    ways["dbt_nightly_open_month"] = summary(
        open_month, files_redelivered=[str(p.relative_to(data_dir)) for p in redelivered])
    full = ways["dbt_full"]["median_seconds"]
    result["notes"].append(
        f"Nightly after one more day: {ways['dbt_nightly_one_more_day']['median_seconds'] / full:.0%}"
        f" of the full build ({len(changed)} files changed: {', '.join(changed)}).")
    for label, key in (("Full build", "dbt_full"), ("Nightly after one more day",
                                                     "dbt_nightly_one_more_day")):
        if "nodes" in ways[key]:
            result["notes"].append(f"{label}, where dbt's time went: "
                                   f"{breakdown_text(ways[key]['nodes'])}.")


def bench_pandas(args: argparse.Namespace, runner: Runner, result: dict,
                 floor_db: Path) -> None:
    ways, scale_dir = result["ways"], runner.scale_dir
    if result["lines"] > args.pandas_max_lines:
        ways["pandas"] = {"status": f"not run (over {args.pandas_max_lines:,.0f} lines)"}
        return
    out_dir = scale_dir / "pandas"
    shutil.rmtree(out_dir, ignore_errors=True)
    mirror(runner.history, runner.data_dir)  # the files the floor read
    runs = []
    for run in range(args.runs):
        measurement = runner.pandas(out_dir, runner.data_dir)
        if measurement.over_memory_limit or measurement.returncode != 0:
            reason = (f"over {args.pandas_memory_gib:g} GiB" if measurement.over_memory_limit
                      else "out of memory" if "MemoryError" in measurement.output
                      else f"failed: {measurement.output.strip().splitlines()[-1:]}")
            ways["pandas"] = {"status": f"did not finish ({reason})",
                              "peak_rss_bytes": measurement.peak_rss_bytes,
                              "seconds": [measurement.seconds]}
            return
        if run == 0:
            tables = {name: f"read_parquet('{out_dir / name}.parquet')" for name in OUTPUTS}
            con = duckdb.connect()
            con.execute(f"attach '{floor_db}' as floor_db (read_only)")
            try:
                assert_same(con, [(f"floor_db.main.{name}", tables[name], SPECS[name])
                                  for name in OUTPUTS], "pandas")
            finally:
                con.close()
        runs.append(measurement)
    ways["pandas"] = summary(runs)


def machine() -> dict:
    return {"cores": psutil.cpu_count(logical=True),
            "ram_gib": psutil.virtual_memory().total / 2**30,
            "os": platform.platform(terse=True), "python": platform.python_version(),
            "duckdb": duckdb.__version__, "dbt": importlib.metadata.version("dbt-core"),
            "threads": None,
            "memory_limit": os.environ.get("MLCOST_MEMORY_LIMIT", "60% (the default)"),
            # Times on a busy machine are several times longer: say how busy it was.
            "load_average": os.getloadavg()[0]}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.work_dir = args.work_dir.resolve()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = {"started": started, "runs": args.runs, "days": args.days,
               "machine": {**machine(), "threads": args.threads},
               "label": (f"Run of {started}: scales {', '.join(f'{s:g}' for s in args.scale_list)}"
                         f", {args.days} days of history"
                         + (" (--quick development run on a shared, loaded machine: a"
                            " placeholder, not reference numbers; regenerate with `make bench`)"
                            if args.quick else "") + "."),
               "scales": []}
    try:
        for scale in args.scale_list:
            results["scales"].append(bench_scale(args, scale))
    except BenchmarkMismatch as error:
        say(f"\nNO TIMES REPORTED: {error}")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "results.md").write_text(results_markdown(results))
    plot_results(results, args.out / "results.png")
    say("\n" + results_markdown(results))
    say(f"written: {args.out / 'results.md'}, results.png, results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
