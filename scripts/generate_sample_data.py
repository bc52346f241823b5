#!/usr/bin/env python3
"""Generate mlcost's sample data: a simulated ML company's cloud bills and job records.

Writes, under --out: AWS CUR (legacy gzip CSV with its manifest, Athena parquet, CUR 2.0
parquet: the same lines in each format --aws-formats names), the GCP billing export and
Azure cost details (when their writers are present), the ML job tables, MLflow and
SageMaker records, `truth.json` (the ground truth the dbt marts are tested against) and
`mlcost_vars.yml` (the dbt vars pointing at the exports written):

    dbt build --vars "$(cat data/sample/mlcost_vars.yml)"

It also writes the same charges as FOCUS exports under `focus/` (unless --no-focus), with
their own vars file `mlcost_vars_focus.yml`, and as FOCUS 1.0 / 1.1 CSV under
`focus_older_versions/` with `mlcost_vars_focus_older.yml`: they describe the same spend as
the native exports, so the default vars file does not read them (that would count it twice).

The same arguments always produce the same bytes.
"""

from __future__ import annotations

import argparse
import filecmp
import importlib
import json
import os
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sample_data import VERSION  # noqa: E402
from sample_data.model import Charge  # noqa: E402
from sample_data.truth import TruthAccumulator  # noqa: E402
from sample_data.world import MIN_DAYS, build_world, ts_of  # noqa: E402
from sample_data.writers import aws_cur, focus, ml_jobs  # noqa: E402

# What this generator owns under --out; deleted before each run so no stale file survives.
OWNED = ["aws", "gcp", "azure", "focus", "focus_older_versions", "ml_jobs", "mlflow",
         "sagemaker", "truth.json", "mlcost_vars.yml", "mlcost_vars_focus.yml",
         "mlcost_vars_focus_older.yml"]
# --keep-unchanged generates here (under --out, so files move by rename) and then syncs.
SCRATCH = ".generating"
OTHER_WRITERS = ["gcp_billing", "azure_cost"]
OPTIONAL_WRITERS = ["mlflow", "sagemaker", "serving_traffic"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Example: scripts/generate_sample_data.py --seed 42 --days 45 --out data/sample",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seed", type=int, default=42, help="random seed; same seed, same bytes")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2026, 10, 1),
                        help="first day of the window (UTC), YYYY-MM-DD")
    parser.add_argument("--days", type=int, default=45,
                        help=f"length of the window in days (at least {MIN_DAYS})")
    parser.add_argument("--billed-days", type=int, default=None,
                        help="write the billing exports of the first N days only (default: "
                             "all --days). Jobs and machines are simulated over --days, so "
                             "--days 91 --billed-days 90 and --billed-days 91 write the same "
                             "closed months byte for byte and an open month one day apart: "
                             "a nightly delivery after one more day. The open month gets its "
                             "month-level lines (tax, support, fees) once it is over. "
                             "Different --days draw a different world")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="company size: jobs and machines grow linearly with it "
                             "(1 is ~100k-300k AWS CUR lines over 45 days)")
    parser.add_argument("--attempts-factor", type=float, default=1.0,
                        help="about this many times the job attempts, for few more billing "
                             "lines: the extra attempts are short batch jobs packed onto "
                             "shared GPU nodes (about 0.3 billing lines each). At 1, --scale 5 "
                             "--days 45 has about 86 AWS lines per attempt; 9 brings that to "
                             "about 10 (10M lines with 1M attempts). The other jobs, their "
                             "machines' costs and the planted scenarios stay the same")
    parser.add_argument("--out", default="data/sample",
                        help="output directory; the files this script owns there are replaced")
    parser.add_argument("--providers", default="aws,gcp,azure",
                        help="billing exports to write (comma-separated). The simulation, the "
                             "job tables and truth.json still cover every cloud; leaving out "
                             "gcp/azure saves the time their writers take (every writer "
                             "streams: its memory does not grow with the bill)")
    parser.add_argument("--gcp-exports", default="detailed",
                        help="GCP billing tables to extract (comma-separated subset of "
                             "detailed,standard): the same charges, the standard one summed "
                             "over resources; with both, dbt counts each month once "
                             "(var mlcost_gcp_export_precedence)")
    parser.add_argument("--aws-formats", default=",".join(aws_cur.FORMATS),
                        help="AWS CUR formats to write (comma-separated subset of "
                             f"{','.join(aws_cur.FORMATS)}): the same lines in each; "
                             "mlcost_vars.yml points dbt only at the formats written "
                             "(make run writes cur2_parquet alone)")
    parser.add_argument("--chunk-rows", type=int, default=300_000,
                        help="AWS CUR lines per file part (real CUR splits big months too)")
    parser.add_argument("--focus", action=argparse.BooleanOptionalAction, default=True,
                        help="also write the charges as FOCUS exports under focus/ and "
                             "mlcost_vars_focus.yml (never read by mlcost_vars.yml)")
    parser.add_argument("--azure-part-rows", type=int, default=0,
                        help="write each Azure cost details export run as part files of at "
                             "most this many rows plus a manifest.json, as exports with file "
                             "partitioning do (0: one file per run, the classic layout)")
    parser.add_argument("--keep-unchanged", action="store_true",
                        help="leave files whose bytes did not change untouched (modification "
                             "time included) when regenerating into the same --out, as a "
                             "nightly re-delivery does: only new or changed files get a new "
                             "modification time")
    parser.add_argument("--billing-currency", action="append", default=[],
                        metavar="PROVIDER=CODE",
                        help="bill a provider's charges in another ISO 4217 currency, e.g. "
                             "azure=EUR (repeatable; default: every provider in USD). The "
                             "amounts are the same numbers, in that currency: the exports' "
                             "currency columns (Azure BillingCurrency / billingCurrency, "
                             "GCP currency, CUR lineItem/CurrencyCode) say so and truth.json's "
                             "billing_totals carry it")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    args = parser.parse_args(argv)
    try:
        args.billing_currency = billing_currencies(args.billing_currency)
    except ValueError as error:
        parser.error(str(error))
    if args.days < MIN_DAYS:
        parser.error(f"--days must be at least {MIN_DAYS}: the planted scenarios need a week")
    if args.scale <= 0:
        parser.error("--scale must be positive, e.g. 0.2 for a quick sample or 10 for a big one")
    if args.billed_days is not None and not 1 <= args.billed_days <= args.days:
        parser.error("--billed-days must be between 1 and --days")
    if args.attempts_factor < 1:
        parser.error("--attempts-factor must be at least 1 (1: the natural mix of jobs)")
    if args.azure_part_rows < 0:
        parser.error("--azure-part-rows must be 0 (no partitioning) or a row count")
    if args.chunk_rows < 1000:
        parser.error("--chunk-rows must be at least 1000")
    args.providers = [p.strip() for p in args.providers.split(",") if p.strip()]
    unknown = sorted(set(args.providers) - {"aws", "gcp", "azure"})
    if unknown or not args.providers:
        parser.error(f"--providers takes a comma-separated subset of aws,gcp,azure; got "
                     f"{','.join(unknown) or 'nothing'}")
    args.gcp_exports = [e.strip() for e in args.gcp_exports.split(",") if e.strip()]
    unknown = sorted(set(args.gcp_exports) - {"detailed", "standard"})
    if unknown or not args.gcp_exports:
        parser.error(f"--gcp-exports takes a comma-separated subset of detailed,standard; got "
                     f"{','.join(unknown) or 'nothing'}")
    args.aws_formats = [f.strip() for f in args.aws_formats.split(",") if f.strip()]
    unknown = sorted(set(args.aws_formats) - set(aws_cur.FORMATS))
    if unknown or not args.aws_formats:
        parser.error(f"--aws-formats takes a comma-separated subset of "
                     f"{','.join(aws_cur.FORMATS)}; got {','.join(unknown) or 'nothing'}")
    return args


def clean(out_dir: Path) -> None:
    """Remove what a previous run wrote; leave anything else in --out alone."""
    for name in OWNED:
        path = out_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def load_writer(name: str):
    """A sibling writer module with a ``write`` function, or None if it is not there yet."""
    try:
        module = importlib.import_module(f"sample_data.writers.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"sample_data.writers.{name}":
            return None
        raise
    return module if callable(getattr(module, "write", None)) else None


def native_line_counts(provider: str, writer, charges: list[Charge],
                       seed: int) -> dict[tuple[str, str], int]:
    """Lines per (provider, period) the writer writes, when it does not write one line per
    Charge: Azure cost details sum hourly charges into daily rows (actual-cost view counted).
    Computed from the charges with the writer's own pure functions, not from the files."""
    if callable(getattr(writer, "native_line_counts", None)):
        return dict(writer.native_line_counts(charges, seed))
    if provider == "azure" and callable(getattr(writer, "build_rows", None)):
        counts: dict[tuple[str, str], int] = {}
        for (_, view, _, period), rows in writer.build_rows(charges, seed).items():
            if view == "actual":
                counts[(provider, period)] = counts.get((provider, period), 0) + len(rows)
        return counts
    return {}


def write_vars(out_dir: Path, out_vars: dict[str, str], name: str = "mlcost_vars.yml",
               final_dir: Path | None = None) -> None:
    """Flat YAML ``key: 'glob'`` lines, for ``dbt build --vars "$(cat ...)"``; globs under
    ``out_dir`` are written as under ``final_dir`` (where the files end up) if given."""
    if final_dir is not None and final_dir != out_dir:
        here, there = out_dir.as_posix(), final_dir.as_posix()
        out_vars = {key: there + value[len(here):] if value.startswith(here) else value
                    for key, value in out_vars.items()}
    lines = [f"{key}: '{value.replace(chr(39), chr(39) * 2)}'"
             for key, value in sorted(out_vars.items())]
    (out_dir / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def keep_unchanged(scratch: Path, out_dir: Path) -> tuple[int, int]:
    """Move what was generated into ``scratch`` onto ``out_dir``, leaving a file whose bytes
    did not change untouched (its modification time too) and removing owned files no longer
    generated. Returns (files replaced or added, files left as they were)."""
    replaced = kept = 0
    fresh = {path.relative_to(scratch) for path in scratch.rglob("*") if path.is_file()}
    for relative in sorted(fresh):
        source, target = scratch / relative, out_dir / relative
        if target.is_file() and filecmp.cmp(source, target, shallow=False):
            kept += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        replaced += 1
    for name in OWNED:
        path = out_dir / name
        stale = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else \
            [path] if path.exists() else []
        for file in stale:
            if file.relative_to(out_dir) not in fresh:
                file.unlink()
        if path.is_dir():  # folders left empty, deepest first
            for folder in sorted((p for p in path.rglob("*") if p.is_dir()), reverse=True):
                if not any(folder.iterdir()):
                    folder.rmdir()
    shutil.rmtree(scratch)
    return replaced, kept


def billing_currencies(values: list[str]) -> dict[str, str]:
    """`--billing-currency` values (``azure=EUR``) as provider -> currency code."""
    currencies: dict[str, str] = {}
    for value in values:
        provider, _, code = value.partition("=")
        provider, code = provider.strip().lower(), code.strip().upper()
        if provider not in ("aws", "gcp", "azure") or len(code) != 3 or not code.isalpha():
            raise ValueError(f"--billing-currency takes PROVIDER=CODE with a provider of aws, "
                             f"gcp or azure and a three-letter ISO 4217 code, e.g. azure=EUR; "
                             f"got {value!r}")
        currencies[provider] = code
    return currencies


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    final_dir = Path(args.out)
    # With --keep-unchanged everything is written to a scratch folder first, then only the
    # files whose bytes changed replace the old ones.
    out_dir = final_dir / SCRATCH if args.keep_unchanged else final_dir
    started = time.monotonic()
    if args.keep_unchanged:  # a scratch folder left by an interrupted run goes first
        shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    clean(out_dir)
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr))

    billed_days = args.billed_days or args.days
    world = build_world(args.seed, args.start, args.days, args.scale, args.attempts_factor)
    say(f"simulated {len(world.jobs)} jobs, {len(world.attempts)} attempts, "
        f"{len(world.instances)} machines")
    out_vars, counts = ml_jobs.write(world, out_dir)

    writers = {provider: load_writer(name) if provider in args.providers else None
               for name, provider in zip(OTHER_WRITERS, ["gcp", "azure"])}
    stream_args = {"gcp": {"exports": args.gcp_exports},
                   "azure": {"part_rows": args.azure_part_rows}}
    truth = TruthAccumulator(world, period_rules={
        provider: module.billing_period for provider, module in writers.items()
        if module is not None and callable(getattr(module, "billing_period", None))})
    aws = None
    if "aws" in args.providers:
        aws = aws_cur.AwsCurWriter(world, out_dir, aws_cur.aws_tag_keys(world),
                                   args.chunk_rows, tuple(args.aws_formats),
                                   ts_of(args.start + timedelta(days=billed_days)))
    # Writers that stream take each batch as it comes; the others get their provider's
    # charges at the end.
    streams = {provider: module.ExportStream(out_dir, args.seed, **stream_args[provider])
               for provider, module in writers.items()
               if module is not None and hasattr(module, "ExportStream")}
    other: dict[str, list[Charge]] = {p: [] for p, w in writers.items()
                                      if w is not None and p not in streams}
    # FOCUS files of the other clouds whose native exports are written
    focus_others = [p for p, w in writers.items() if w is not None]
    last_day = args.start + timedelta(days=billed_days - 1)
    focus_writer = focus.FocusWriter(out_dir, args.seed, f"{last_day:%Y-%m}",
                                     args.chunk_rows) if args.focus else None
    last_billed = args.start + timedelta(days=billed_days - 1)
    # Without --billed-days the last month's month-level lines (tax, support, fees) come at
    # the window's end as ever; with it, only once the month is over, so a run billed one
    # day further changes nothing but the open month's daily lines.
    month_complete = args.billed_days is None or \
        (last_billed + timedelta(days=1)).month != last_billed.month
    days_seen = 0
    closed: set[str] = set()
    with tqdm(total=billed_days, desc="billing lines", unit="day", disable=args.quiet,
              file=sys.stderr) as bar:
        for kind, period, charges in world.iter_batches():
            if days_seen == billed_days and (kind == "day" or not month_complete):
                break
            if kind == "day":
                days_seen += 1
            else:
                closed.add(period)
            if args.billing_currency:
                for charge in charges:
                    charge.currency = args.billing_currency.get(charge.provider, charge.currency)
            truth.add(charges)
            if aws is not None:
                aws.add(period, charges)
            if focus_writer is not None and "aws" in args.providers:
                focus_writer.add(charges)
            if focus_writer is not None:
                focus_writer.add_other(charges, focus_others)
            for stream in streams.values():
                stream.add(charges)
            if other:
                for c in charges:
                    if c.provider in other:
                        other[c.provider].append(c)
            if kind == "close" and focus_writer is not None:
                focus_writer.close_period(period)
            if kind == "close" and aws is not None:
                aws.close_period(period)
            else:
                bar.update(1)
    open_period = f"{last_billed:%Y-%m}"
    if open_period not in closed:  # the open month's lines so far, without its month close
        if focus_writer is not None:
            focus_writer.close_period(open_period)
        if aws is not None:
            aws.close_period(open_period)
    if aws is not None:
        out_vars.update(aws.vars(out_dir))
        counts.update(aws.counts)

    for name, provider in zip(OTHER_WRITERS, ["gcp", "azure"]):
        writer = writers[provider]
        if provider not in args.providers:
            continue
        if writer is None:
            say(f"note: sample_data/writers/{name}.py with write(charges, out_dir, rng_seed) "
                f"is not there yet: no {provider} export written")
            continue
        if provider in streams:
            out_vars.update(streams[provider].finish())
            if callable(getattr(streams[provider], "native_line_counts", None)):
                truth.native_line_counts.update(streams[provider].native_line_counts())
            continue
        out_vars.update(writer.write(other[provider], out_dir, args.seed,
                                     **stream_args[provider]))
        truth.native_line_counts.update(native_line_counts(provider, writer, other[provider],
                                                           args.seed))
    for name in OPTIONAL_WRITERS:
        writer = load_writer(name)
        if writer is not None:
            written_vars, written_counts = writer.write(world, out_dir)
            out_vars.update(written_vars)
            counts.update(written_counts)

    result = truth.result()
    # Arguments that change what the truth describes, named only when not the default (so
    # the truth of a default run stays as it was).
    if args.attempts_factor != 1:
        result["generator"]["attempts_factor"] = args.attempts_factor
    if args.billed_days is not None:
        result["generator"]["billed_days"] = args.billed_days
    if args.billing_currency:
        result["generator"]["billing_currencies"] = args.billing_currency
    write_vars(out_dir, out_vars, final_dir=final_dir)
    if focus_writer is not None:
        # Only the FOCUS vars: every native var stays unset, so nothing is counted twice.
        write_vars(out_dir, focus_writer.finish(), "mlcost_vars_focus.yml", final_dir)
        write_vars(out_dir, focus_writer.older_vars(), "mlcost_vars_focus_older.yml", final_dir)
        result["focus_older_versions"] = focus_writer.older.truth()
    (out_dir / "truth.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    if args.keep_unchanged:
        replaced, kept = keep_unchanged(out_dir, final_dir)
        say(f"{replaced} files written, {kept} left untouched (same bytes)")
        out_dir = final_dir

    if not args.quiet:
        print(f"mlcost sample data v{VERSION}: seed {args.seed}, {args.start} + {args.days} "
              f"days, scale {args.scale} -> {out_dir}")
        for path, n in sorted(counts.items()):
            print(f"  {n:>10,} rows  {path}")
        for row in result["billing_totals"]:
            print(f"  {row['provider']:<6} {row['billing_period']}  billed "
                  f"{row['billed_cost']:>14,.2f}  effective {row['effective_cost']:>14,.2f}  "
                  f"{row['line_count_native']:>10,} lines")
        print(f"  done in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
