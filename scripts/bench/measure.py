"""What the benchmark measures and how it checks and shows it, apart from what it runs.

- run_measured: wall time and the peak resident memory of a command's whole process tree
  (dbt's Python process, DuckDB's threads in it, any child), sampled with psutil;
- mismatches: the rows where two tables of the same output differ (a missing or extra key,
  money apart by half a cent or more, a count or label not equal), compared inside DuckDB
  so that millions of lines never come into Python;
- results_markdown / plot_results: the table and the PNG written to docs/benchmarks/.
"""

from __future__ import annotations

import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psutil

# Money is equal "to the cent" when two values are less than half a cent apart: a one-cent
# difference always fails, the last decimals of a float product never do.
MONEY_TOLERANCE = 0.005
# Quantities summed as doubles (GB) may differ in their last bits with the summing order.
RELATIVE_TOLERANCE = 1e-9


@dataclass
class Measurement:
    seconds: float
    peak_rss_bytes: int
    returncode: int
    output: str = ""
    over_memory_limit: bool = False
    breakdown: dict | None = None  # a dbt run's node times (node_time_breakdown)


class TreeMemorySampler:
    """Polls the resident memory of a process and all its descendants; keeps the peak.

    RSS of the tree is the sum over its processes, as the machine sees it; a child that
    starts and ends between two polls (every `interval` seconds) can be missed.
    """

    def __init__(self, pid: int, interval: float = 0.05,
                 limit_bytes: int | None = None) -> None:
        self.pid = pid
        self.interval = interval
        self.limit_bytes = limit_bytes
        self.over_limit = False
        self.peak_rss_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        try:
            root = psutil.Process(self.pid)
            processes = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass  # ended between listing and reading
        self.peak_rss_bytes = max(self.peak_rss_bytes, total)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.limit_bytes and self.sample() > self.limit_bytes:
                self.over_limit = True
                self._kill_tree()
            elif not self.limit_bytes:
                self.sample()
            self._stop.wait(self.interval)

    def _kill_tree(self) -> None:
        try:
            root = psutil.Process(self.pid)
            for process in [*root.children(recursive=True), root]:
                process.kill()
        except psutil.Error:
            pass

    def start(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_rss_bytes


def run_measured(command: Sequence[str], env: dict[str, str] | None = None,
                 cwd: Path | str | None = None, interval: float = 0.05,
                 memory_limit_bytes: int | None = None) -> Measurement:
    """Run a command; its wall time, the peak RSS of its process tree, exit code, output.

    With `memory_limit_bytes`, the tree is killed once its RSS passes the limit
    (Measurement.over_memory_limit), so a way that would exhaust the machine stops early.
    """
    start = time.perf_counter()
    process = subprocess.Popen(list(command), env=env, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    sampler = TreeMemorySampler(process.pid, interval, memory_limit_bytes).start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - start
    peak = sampler.stop()
    return Measurement(seconds, peak, process.returncode, output, sampler.over_limit)


@dataclass
class OutputSpec:
    """How one output compares: its key columns and its value columns by kind."""

    name: str
    keys: list[str]
    money: list[str] = field(default_factory=list)
    exact: list[str] = field(default_factory=list)
    approx: list[str] = field(default_factory=list)


def mismatch_sql(reference: str, other: str, spec: OutputSpec, limit: int = 5) -> str:
    """SQL listing up to `limit` keys whose rows differ between two relations (and the count)."""
    columns = spec.keys + spec.money + spec.exact + spec.approx
    listed = ", ".join(columns)
    joined = " and ".join(f"r.{key} is not distinct from o.{key}" for key in spec.keys)
    differs = [
        "r.present_ is null",
        "o.present_ is null",
        *(f"abs(coalesce(r.{c}, 0) - coalesce(o.{c}, 0)) >= {MONEY_TOLERANCE}"
          f" or (r.{c} is null) != (o.{c} is null)" for c in spec.money),
        *(f"r.{c} is distinct from o.{c}" for c in spec.exact),
        *(f"abs(r.{c} - o.{c}) > {RELATIVE_TOLERANCE} * greatest(1, abs(r.{c}))"
          f" or (r.{c} is null) != (o.{c} is null)" for c in spec.approx),
    ]
    shown = ", ".join(
        [f"coalesce(r.{key}, o.{key}) as {key}" for key in spec.keys]
        + [f"r.{c} as reference_{c}, o.{c} as other_{c}"
           for c in spec.money + spec.exact + spec.approx]
        + ["r.present_ is not null as in_reference", "o.present_ is not null as in_other"])
    return (
        f"with r as (select {listed}, true as present_ from {reference}), "
        f"o as (select {listed}, true as present_ from {other}), "
        f"differing as (select {shown} from r full outer join o on {joined} "
        f"where {' or '.join(f'({d})' for d in differs)}) "
        f"select *, count(*) over () as differing_rows from differing limit {limit}")


def mismatches(con: duckdb.DuckDBPyConnection, reference: str, other: str,
               spec: OutputSpec) -> list[str]:
    """Human-readable differences between two relations of one output; empty when equal."""
    cursor = con.execute(mismatch_sql(reference, other, spec))
    names = [column[0] for column in cursor.description]
    rows = cursor.fetchall()
    if not rows:
        return []
    total = rows[0][-1]
    lines = [f"{spec.name}: {total} rows differ between {reference} and {other}, e.g."]
    values = spec.money + spec.exact + spec.approx
    for row in rows:
        record = dict(zip(names, row))
        key = ", ".join(f"{name}={record[name]!r}" for name in spec.keys)
        if not (record["in_reference"] and record["in_other"]):
            where = "only in " + ("the reference" if record["in_reference"] else "the other")
            lines.append(f"  {key}: {where}")
            continue
        differing = [f"{name} {record['reference_' + name]!r} != {record['other_' + name]!r}"
                     for name in values
                     if record["reference_" + name] != record["other_" + name]]
        lines.append(f"  {key}: {'; '.join(differing)}")
    return lines


class BenchmarkMismatch(RuntimeError):
    """Two ways of computing the same output disagree: no time may be reported."""


def assert_same(con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[str, str, OutputSpec]],
                label: str) -> None:
    problems = [line for reference, other, spec in pairs
                for line in mismatches(con, reference, other, spec)]
    if problems:
        raise BenchmarkMismatch(f"{label} differs from mlcost:\n" + "\n".join(problems))


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def gib(value: float | None) -> str:
    return "" if value is None else f"{value / 2**30:.2f}"


def seconds_text(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def node_time_breakdown(run_results: dict, top: int = 5) -> dict:
    """Where a dbt run's time went, from its run_results.json: summed seconds of models and
    of data tests (threads overlap them, so sums can exceed the wall time), how many of
    each, and the slowest nodes."""
    totals = {"model": [0, 0.0], "test": [0, 0.0]}
    nodes = []
    for result in run_results.get("results", []):
        kind = result["unique_id"].split(".", 1)[0]
        if kind in totals:
            totals[kind][0] += 1
            totals[kind][1] += result["execution_time"]
            nodes.append((result["execution_time"], result["unique_id"].rsplit(".", 1)[-1]
                          if kind == "model" else result["unique_id"].split(".")[2]))
    nodes.sort(reverse=True)
    return {"models": totals["model"][0], "model_seconds": round(totals["model"][1], 2),
            "tests": totals["test"][0], "test_seconds": round(totals["test"][1], 2),
            "slowest": [[name, round(seconds, 2)] for seconds, name in nodes[:top]]}


def breakdown_text(breakdown: dict) -> str:
    slowest = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in breakdown["slowest"])
    return (f"{breakdown['models']} models {breakdown['model_seconds']:.1f} s, "
            f"{breakdown['tests']} data tests {breakdown['test_seconds']:.1f} s (summed over "
            f"threads); slowest: {slowest}")


# The rows of the results table: (label, key in a scale's "ways").
WAYS = [
    ("dbt start-up (`dbt build` selecting no node)", "dbt_startup"),
    ("full `dbt build` (every model and data test, on an empty database)", "dbt_full"),
    ("`dbt build` of the four outputs, upstream and their tests", "dbt_four_outputs"),
    ("nightly: one more day", "dbt_nightly_one_more_day"),
    ("nightly: open month re-delivered", "dbt_nightly_open_month"),
    ("floor: plain DuckDB SQL, four outputs", "floor"),
    ("pandas, same outputs", "pandas"),
]


def results_markdown(results: dict) -> str:
    """The results as a markdown document: machine, then one table per scale."""
    machine = results["machine"]
    lines = [
        "# mlcost benchmark results",
        "",
        results.get("label", ""),
        "",
        f"Machine: {machine['cores']} cores, {machine['ram_gib']:.1f} GiB RAM, "
        f"{machine['os']}, Python {machine['python']}, DuckDB {machine['duckdb']}, "
        f"dbt-core {machine['dbt']}; MLCOST_THREADS={machine['threads']}, "
        f"MLCOST_MEMORY_LIMIT={machine.get('memory_limit', '60% (the default)')}"
        + (f"; load average {machine['load_average']:.1f} when the run started"
           if machine.get("load_average") is not None else "") + ". "
        f"Wall time is the median of {results['runs']} runs; memory is the peak resident "
        "memory of the whole process tree, the highest of the runs. Every output of the "
        "floor and of pandas was checked equal to mlcost's, to the cent, before any time was "
        "taken as valid.",
        "",
    ]
    for scale in results["scales"]:
        lines += [
            f"## {scale['lines']:,} billing lines, {scale['attempts']:,} job attempts "
            f"(generator scale {scale['scale']}"
            + (f", {scale['copies']} copies" if scale.get("copies", 1) > 1 else "")
            + f", {scale['days']} days)",
            "",
            "| run | wall time (s) | lines/s | peak memory (GiB) | x floor |",
            "|---|---:|---:|---:|---:|",
        ]
        floor = (scale["ways"].get("floor") or {}).get("median_seconds")
        for label, key in WAYS:
            way = scale["ways"].get(key)
            if way is None:
                continue
            if way.get("status", "ok") != "ok":
                lines.append(f"| {label} | {way['status']} | | {gib(way.get('peak_rss_bytes'))} | |")
                continue
            seconds = way["median_seconds"]
            rate = (f"{scale['lines'] / seconds:,.0f}"
                    if seconds and key != "dbt_startup" else "")
            ratio = f"{seconds / floor:.1f}" if floor and key != "dbt_startup" else ""
            lines.append(f"| {label} | {seconds_text(seconds)} | {rate} | "
                         f"{gib(way['peak_rss_bytes'])} | {ratio} |")
        lines.append("")
        notes = scale.get("notes") or []
        lines += [f"- {note}" for note in notes] + ([""] if notes else [])
    return "\n".join(lines).rstrip() + "\n"


def plot_results(results: dict, path: Path) -> None:
    """Wall time and peak memory against billing lines, one line per way (log-log)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(11, 4.5))
    for label, key in WAYS:
        points = [(scale["lines"], scale["ways"][key]) for scale in results["scales"]
                  if key in scale["ways"] and scale["ways"][key].get("status", "ok") == "ok"]
        if not points:
            continue
        lines = [count for count, _ in points]
        time_axis.plot(lines, [way["median_seconds"] for _, way in points], marker="o",
                       label=label.replace("`", ""))
        memory_axis.plot(lines, [way["peak_rss_bytes"] / 2**30 for _, way in points],
                         marker="o")
    for axis, title in ((time_axis, "wall time (s)"), (memory_axis, "peak memory (GiB)")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("billing lines")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
    figure.legend(loc="lower center", ncol=2, fontsize=8)
    figure.tight_layout(rect=(0, 0.2, 1, 1))
    figure.savefig(path, dpi=110)
    plt.close(figure)
