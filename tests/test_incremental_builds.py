"""A nightly build reads only what changed, and ends exactly where a full rebuild ends.

On a copy of the shared sample's exports (file times kept), the cost tables are built
once, then the exports change as they do between two nights: the open CUR 2.0 month is
re-delivered with a restated line, a GCP file is gone, a legacy CUR month gets another
assembly. The incremental run must rebuild exactly the billing periods those files belong
to, and every table it leaves (staging, intermediate, marts) must equal, row for row and
to the cent, those of a `--full-refresh` build of the same files.
"""

from __future__ import annotations

import csv
import re
import shutil
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
from build_support import BuiltProject, query_database, run_dbt

RESTATED_BY = Decimal("1.00")
# The fingerprint of a day's inputs names lines no period tracks by the run that built
# them (macros/incremental_days.sql), so it differs between any two builds by design.
RUN_STATE_COLUMNS = {"x_day_inputs_hash"}


def build_all_models(database: Path, work_dir: Path, vars_yaml: str, *flags: str) -> str:
    """Seeds and every model; the data tests are the shared sample build's business."""
    result = run_dbt(["build", "--resource-type", "model", "--resource-type", "seed",
                      *flags, "--vars", vars_yaml], database, work_dir)
    assert result.returncode == 0, result.stdout[-6000:]
    return result.stdout


def tables_of(database: Path) -> dict[str, list[tuple]]:
    """Every table the build wrote, rows sorted, run state left out."""
    names = query_database(database, """
        select table_schema, table_name from information_schema.tables
        where table_type = 'BASE TABLE'
        order by all""")
    assert ("main_intermediate", "int_cost_lines_unioned") in names, names
    tables = {}
    for schema, table in names:
        columns = [name for (name,) in query_database(database, f"""
            select column_name from information_schema.columns
            where table_schema = '{schema}' and table_name = '{table}'
            order by ordinal_position""") if name not in RUN_STATE_COLUMNS]
        tables[f"{schema}.{table}"] = query_database(database, f"""
            select {', '.join(f'"{name}"' for name in columns)} from {schema}.{table}
            order by all""")
    return tables


def restate_one_line(parquet_file: Path) -> None:
    """Rewrite a CUR 2.0 file as AWS re-delivers it, one line's cost restated."""
    rewritten = parquet_file.with_suffix(".tmp")
    con = duckdb.connect()
    try:
        con.execute(f"""
            copy (
                select * replace (
                    case when line_item_line_item_type = 'Usage'
                        and row_number() over (
                            partition by line_item_line_item_type = 'Usage'
                            order by identity_line_item_id, identity_time_interval) = 1
                        then line_item_unblended_cost + {RESTATED_BY}
                        else line_item_unblended_cost end as line_item_unblended_cost)
                from read_parquet('{parquet_file}')
            ) to '{rewritten}' (format parquet)""")
    finally:
        con.close()
    rewritten.replace(parquet_file)


def aws_billed_cost(database: Path, period: str) -> Decimal:
    ((cost,),) = query_database(database, f"""
        select sum(billed_cost) from main_intermediate.int_cost_lines_unioned
        where x_provider = 'aws' and x_quarantine_reason is null
            and billing_period_start = timestamp '{period}-01'""")
    return Decimal(str(cost))


def rebuilt_periods(dbt_output: str) -> set[str]:
    """The provider and month of each period the run said it rebuilt."""
    match = re.search(r"int_cost_lines_unioned rebuilds \d+ billing period\(s\)[^:]*:(.*)",
                      dbt_output)
    assert match, dbt_output[-3000:]
    return set(re.findall(r"([a-z]+ \d{4}-\d{2})-\d{2}", match.group(1)))


# Compute lines as job attribution reads them (macro is_billed_machine_line).
MACHINE_LINES = """
    select * from main_intermediate.int_cost_lines_unioned
    where x_quarantine_reason is null and resource_id is not null
        and charge_category = 'Usage' and x_instance_type is not null
        and coalesce(commitment_discount_status, '') != 'Unused'"""
ATTRIBUTION_BY_DAY = ("int_job_costs_attributed", "int_compute_costs_unattributed")


def rebuilt_days(dbt_output: str, model: str) -> set[str]:
    """The days the run said it rebuilt for `model`, from its ranges of days."""
    match = re.search(rf"{model} rebuilds \d+ day\(s\):(.*)", dbt_output)
    assert match, dbt_output[-3000:]
    days = set()
    for first, _, last in re.findall(r"(\d{4}-\d{2}-\d{2})( to (\d{4}-\d{2}-\d{2}))?",
                                     match.group(1)):
        day = date.fromisoformat(first)
        while day <= date.fromisoformat(last or first):
            days.add(day.isoformat())
            day += timedelta(days=1)
    return days


def machine_line_days(database: Path, periods: set[str]) -> set[str]:
    """The days compute lines of these periods ("aws 2026-11") are charged on."""
    return {day.isoformat() for (day,) in query_database(database, f"""
        select distinct cast(charge_period_start as date)
        from ({MACHINE_LINES}) as machine_lines
        where x_provider || ' ' || strftime(billing_period_start, '%Y-%m')
            in ({', '.join(f"'{period}'" for period in periods)})""")}


def extend_one_attempt(database: Path, attempts_csv: Path) -> set[str]:
    """Let one costed attempt of the job tables end a day later, as the platform rewrites
    an attempt it had ended too early; return the days it now runs on (it ran on one)."""
    in_csv = {row["attempt_id"]: row for row in csv.DictReader(attempts_csv.open())}
    candidates = query_database(database, f"""
        select attempt_id, started_at, ended_at
        from main_marts.fct_ml_job_attempt_costs
        where billed_cost > 0 and ended_at is not null
            and cast(started_at as date) = cast(ended_at as date)
            and ended_at + interval 1 day
                < (select max(charge_period_start) from ({MACHINE_LINES}) as machine_lines)
        order by attempt_id""")
    attempt_id, started_at, ended_at = next(
        candidate for candidate in candidates if candidate[0] in in_csv)
    new_end = ended_at + timedelta(days=1)
    in_csv[attempt_id]["ended_at"] = new_end.strftime("%Y-%m-%dT%H:%M:%SZ")
    with attempts_csv.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(next(iter(in_csv.values()))))
        writer.writeheader()
        writer.writerows(in_csv.values())
    return {(started_at.date() + timedelta(days=offset)).isoformat()
            for offset in range((new_end.date() - started_at.date()).days + 1)}


def assert_rebuilt_days_of_periods(database: Path, dbt_output: str, periods: set[str]) -> None:
    """Tag coverage rebuilt every day with a usable line of a changed period, and none of
    the days it has rows for whose lines all belong to unchanged periods."""
    rows = query_database(database, """
        select
            cast(charge_period_start as date),
            bool_or(x_provider || ' ' || strftime(billing_period_start, '%Y-%m')
                in (select unnest(?)))
        from main_intermediate.int_cost_lines_unioned
        where x_quarantine_reason is null and charge_period_start is not null
        group by 1""", [sorted(periods)])
    changed = {day.isoformat() for day, is_changed in rows if is_changed}
    covered = {day.isoformat() for (day,) in query_database(database, """
        select distinct charge_date from main_marts.fct_tag_coverage_daily""")}
    kept = covered - changed
    assert changed and kept, (changed, kept)
    days = rebuilt_days(dbt_output, "fct_tag_coverage_daily")
    assert changed <= days, sorted(changed - days)
    assert not days & kept, sorted(days & kept)


def assert_views_leave_out_kept_periods(database: Path, kept: str, rebuilt: str) -> None:
    """The views the unified table maps read the periods a run keeps from a connection
    variable (macros/incremental_periods.sql): set, they leave out exactly those lines;
    unset, as for any other reader, they hold every period."""
    view = "main_intermediate.int_aws_cost_lines_mapped"
    periods = f"select distinct strftime(billing_period_start, '%Y-%m') from {view} order by 1"
    con = duckdb.connect(str(database), read_only=True)
    try:
        every_period = [month for (month,) in con.sql(periods).fetchall()]
        assert kept in every_period and rebuilt in every_period, every_period
        con.execute(f"set variable mlcost_kept_cost_periods = ['aws|{kept}-01 00:00:00']")
        assert [month for (month,) in con.sql(periods).fetchall()] == [
            month for month in every_period if month != kept]
    finally:
        con.close()


def test_nightly_run_rebuilds_changed_periods_and_equals_full_refresh(
        built_sample: BuiltProject, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(built_sample.data_dir, data_dir)  # copy2: file times kept
    vars_yaml = (built_sample.data_dir / "mlcost_vars.yml").read_text().replace(
        str(built_sample.data_dir), str(data_dir))
    nightly_db = tmp_path / "nightly.duckdb"
    build_all_models(nightly_db, tmp_path / "first", vars_yaml)

    cur2_files = sorted(data_dir.glob("aws/cur2/**/BILLING_PERIOD=*/*.parquet"))
    open_month = cur2_files[-1].parent.name.removeprefix("BILLING_PERIOD=")
    closed_month = cur2_files[0].parent.name.removeprefix("BILLING_PERIOD=")
    assert open_month != closed_month, cur2_files
    cost_before = aws_billed_cost(nightly_db, open_month)
    expected_periods = {f"aws {open_month}", f"aws {closed_month}"}

    restate_one_line(cur2_files[-1])
    gcp_files = sorted(data_dir.glob("gcp/billing_detailed/invoice_month=*/*"))
    gcp_month = gcp_files[0].parent.name.removeprefix("invoice_month=")
    gone_gcp_file = gcp_files[0]
    expected_periods.add(f"gcp {gcp_month[:4]}-{gcp_month[4:6]}")
    days_before = machine_line_days(nightly_db, expected_periods)
    gone_gcp_file.unlink()
    # Another assembly of the closed legacy CUR month: staged, but its manifest still
    # names the old one, so it changes which files the period has, not its lines.
    assembly = next(path for path in sorted(data_dir.glob("aws/cur_legacy/*/*/*"))
                    if path.is_dir() and closed_month.replace("-", "") in path.parent.name)
    shutil.copytree(assembly, assembly.parent / str(uuid.uuid4()))

    output = build_all_models(nightly_db, tmp_path / "nightly", vars_yaml)
    assert rebuilt_periods(output) == expected_periods
    assert_rebuilt_days_of_periods(nightly_db, output, expected_periods)
    # Attribution again on the days of the rebuilt periods' compute lines, no other.
    attributed_days = days_before | machine_line_days(nightly_db, expected_periods)
    for model in ATTRIBUTION_BY_DAY:
        assert rebuilt_days(output, model) == attributed_days, model

    # Then one attempt ends a day later: attributed again are exactly the days it ran on,
    # and the full refresh below, of the files as they are now, checks those days too.
    attempt_days = extend_one_attempt(nightly_db, data_dir / "ml_jobs" / "job_attempts.csv")
    # In the nightly run's folder: its saved manifest spares a parse of the project.
    output = build_all_models(nightly_db, tmp_path / "nightly", vars_yaml,
                              "--select", "stg_ml_jobs__job_attempts+")
    for model in ATTRIBUTION_BY_DAY:
        assert rebuilt_days(output, model) == attempt_days, model

    full_db = tmp_path / "full.duckdb"
    build_all_models(full_db, tmp_path / "full", vars_yaml, "--full-refresh")
    nightly, full = tables_of(nightly_db), tables_of(full_db)
    assert sorted(nightly) == sorted(full)
    for table, rows in full.items():
        assert nightly[table] == rows, f"{table}: the nightly run differs from a full refresh"
    assert aws_billed_cost(nightly_db, open_month) == cost_before + RESTATED_BY
    assert not query_database(nightly_db, f"""
        select 1 from main_intermediate.int_cost_lines_unioned
        where x_source_file = '{gone_gcp_file}' limit 1""")
    assert_views_leave_out_kept_periods(nightly_db, closed_month, open_month)
