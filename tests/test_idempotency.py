"""Running the nightly build again, or after a billing month is re-delivered, leaves the marts
exactly as they were: every row of every mart, compared in order.

Uses the session's built sample (tests/build_support.py) and rebuilds it in place, as the
nightly job does on its own database.

Every value is compared exactly, doubles (hours, GPU-hours, ratios) included: the models
sum quantities as decimals (macro exact_sum), since doubles summed in parallel come out in
a different order each run and differ in their last bits (3240.7683333333334 vs
3240.768333333333 GPU-hours).
"""

from __future__ import annotations

from build_support import BuiltProject, build_project, generate_sample

MARTS_SCHEMA = "main_marts"
# Columns that record when the export files were written: a re-delivery rewrites the files,
# so these move forward (checked below); every other column must stay identical.
FILE_TIME_COLUMNS = {"rpt_billing_deliveries": "delivered_at"}
# The fingerprint of the files a day's lines came from (macros/incremental_days.sql): a
# re-delivery gives the files new times, so it changes by design; it is bookkeeping.
RUN_STATE_COLUMN = "x_day_inputs_hash"


def same_row(old: tuple, new: tuple) -> bool:
    """Bit-identical: floats by their exact value (`==`, and NaN equal to NaN)."""
    return len(old) == len(new) and all(
        a == b or (isinstance(a, float) and isinstance(b, float) and a != a and b != b)
        for a, b in zip(old, new))


def mart_contents(built: BuiltProject) -> dict[str, list[tuple]]:
    tables = [name for (name,) in built.query(
        "select table_name from information_schema.tables where table_schema = ? "
        "order by 1", [MARTS_SCHEMA])]
    assert "fct_cost_lines" in tables and "fct_ml_job_costs" in tables, tables
    run_state = {table for (table,) in built.query(
        "select table_name from information_schema.columns "
        "where table_schema = ? and column_name = ?", [MARTS_SCHEMA, RUN_STATE_COLUMN])}
    contents = {}
    for table in tables:
        left_out = [FILE_TIME_COLUMNS.get(table), RUN_STATE_COLUMN if table in run_state else None]
        left_out = [column for column in left_out if column]
        exclude = f" exclude ({', '.join(left_out)})" if left_out else ""
        contents[table] = built.query(
            f"select *{exclude} from {MARTS_SCHEMA}.{table} order by all")
    return contents


def file_times(built: BuiltProject) -> dict[str, object]:
    return {f"{table}:{key}": written for table, column in FILE_TIME_COLUMNS.items()
            for key, written in built.query(
                f"select delivery_id, {column} from {MARTS_SCHEMA}.{table}")}


def assert_same_marts(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> None:
    assert sorted(before) == sorted(after)
    for table, rows in before.items():
        assert len(after[table]) == len(rows), f"{table}: row count changed"
        changed = [(old, new) for old, new in zip(rows, after[table]) if not same_row(old, new)]
        assert not changed, f"{table}: {len(changed)} rows differ, first: {changed[0]}"


def test_second_nightly_build_on_redelivered_months_leaves_marts_identical(
        built_sample: BuiltProject) -> None:
    work_dir = built_sample.database.parent
    vars_yaml = (built_sample.data_dir / "mlcost_vars.yml").read_text()
    before = mart_contents(built_sample)
    assert before["fct_cost_lines"], "the sample built no cost lines"
    written_before = file_times(built_sample)

    # The second nightly run, after every month was delivered again (the exports rewritten
    # in place, as CUR 2.0 and scheduled GCP/Azure exports overwrite a period's files): one
    # build covers both "run twice" and "re-delivered month", and keeps make test short.
    generate_sample(built_sample.data_dir)
    rerun = build_project(work_dir, vars_yaml)
    assert rerun.returncode == 0, rerun.stdout[-4000:]
    assert_same_marts(before, mart_contents(built_sample))
    written_after = file_times(built_sample)
    assert written_after.keys() == written_before.keys()
    assert all(written_after[key] >= written for key, written in written_before.items())
