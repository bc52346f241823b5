"""The benchmark's own parts that decide what it reports: the check that two ways computed
the same outputs to the cent, the memory sampler of a process tree, the results table, the
delivery of one more day's files, and the copies that make large sizes. No dbt build:
seconds."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
import time

import duckdb
import psutil
import pytest

from bench.measure import (
    BenchmarkMismatch,
    OutputSpec,
    TreeMemorySampler,
    assert_same,
    breakdown_text,
    mismatches,
    node_time_breakdown,
    results_markdown,
    run_measured,
)
from bench.replicate import CUR_FILES, JOB_TABLES, copy_path, replicate
from benchmark import LINES_PER_SCALE_DAY, deliver_changes, parse_args

SPEC = OutputSpec("job costs", ["job_id", "charge_date"], money=["billed_cost"],
                  exact=["attempt_count"], approx=["usage_gb"])


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    for name in ("reference", "other"):
        connection.execute(f"""
            create table {name} (job_id varchar, charge_date date, billed_cost decimal(38, 10),
                                 attempt_count bigint, usage_gb double)""")
        connection.execute(f"""
            insert into {name} values
                ('job-1', date '2026-10-01', 10.25, 2, 1.5),
                ('job-2', null, 0.10, 1, null)""")
    return connection


def test_equal_outputs_pass(con):
    assert mismatches(con, "reference", "other", SPEC) == []
    assert_same(con, [("reference", "other", SPEC)], "the floor")


def test_one_cent_apart_fails(con):
    con.execute("update other set billed_cost = billed_cost + 0.01 where job_id = 'job-2'")
    problems = mismatches(con, "reference", "other", SPEC)
    assert len(problems) == 2 and "job-2" in problems[1] and "billed_cost" in problems[1]
    with pytest.raises(BenchmarkMismatch, match="1 rows differ"):
        assert_same(con, [("reference", "other", SPEC)], "the floor")


def test_float_noise_below_a_cent_passes(con):
    # pandas sums doubles: the same money off by far less than a cent is the same money.
    con.execute("create table floats as select job_id, charge_date, "
                "cast(billed_cost as double) + 1e-9 as billed_cost, attempt_count, "
                "usage_gb * (1 + 1e-12) as usage_gb from reference")
    assert mismatches(con, "reference", "floats", SPEC) == []


def test_missing_row_null_value_and_count_fail(con):
    con.execute("delete from other where job_id = 'job-1'")
    assert "only in the reference" in mismatches(con, "reference", "other", SPEC)[1]
    con.execute("insert into other values ('job-1', date '2026-10-01', 10.25, 3, 1.5)")
    assert "attempt_count 2 != 3" in mismatches(con, "reference", "other", SPEC)[1]
    con.execute("update other set attempt_count = 2, billed_cost = null where job_id = 'job-1'")
    assert mismatches(con, "reference", "other", SPEC)


def test_sampler_sees_a_child_process_memory():
    # The parent holds almost nothing; its child allocates 200 MB and waits.
    child = ("import time; block = bytearray(200 * 2**20); "
             "block[::4096] = b'x' * len(block[::4096]); time.sleep(30)")
    parent = subprocess.Popen([sys.executable, "-c",
                               f"import subprocess, sys; subprocess.run([sys.executable, '-c', "
                               f"{child!r}])"])
    try:
        sampler = TreeMemorySampler(parent.pid, interval=0.05).start()
        deadline = time.monotonic() + 20
        while sampler.peak_rss_bytes < 200 * 2**20 and time.monotonic() < deadline:
            time.sleep(0.1)
        peak = sampler.stop()
    finally:
        for process in psutil.Process(parent.pid).children(recursive=True):
            process.kill()
        parent.kill()
        parent.wait()
    assert peak >= 200 * 2**20


def test_run_measured_kills_a_tree_over_its_memory_limit():
    measurement = run_measured(
        [sys.executable, "-c", "import time; b = bytearray(300 * 2**20); "
         "b[::4096] = b'x' * len(b[::4096]); time.sleep(30)"],
        memory_limit_bytes=100 * 2**20)
    assert measurement.over_memory_limit and measurement.seconds < 25
    assert measurement.returncode != 0


def test_results_markdown_table():
    way = {"status": "ok", "median_seconds": 20.0, "peak_rss_bytes": 3 * 2**30}
    results = {
        "machine": {"cores": 2, "ram_gib": 24.0, "os": "Linux", "python": "3.11",
                    "duckdb": "2.0.0", "dbt": "1.11", "threads": "2"},
        "runs": 3, "label": "Run at scale 1.",
        "scales": [{"scale": 1, "days": 90, "lines": 1_000_000, "attempts": 12_000,
                    "notes": ["a note"],
                    "ways": {"floor": {**way, "median_seconds": 4.0},
                             "dbt_four_outputs": way,
                             "pandas": {"status": "did not finish (over 14 GiB)",
                                        "peak_rss_bytes": 14 * 2**30}}}],
    }
    text = results_markdown(results)
    assert "2 cores, 24.0 GiB RAM, Linux" in text and "DuckDB 2.0.0" in text
    assert "## 1,000,000 billing lines, 12,000 job attempts" in text
    assert "| `dbt build` of the four outputs, upstream and their tests | 20.0 | 50,000 | 3.00 | 5.0 |" in text
    assert "| pandas, same outputs | did not finish (over 14 GiB) | | 14.00 | |" in text
    assert "- a note" in text


def test_node_time_breakdown_sums_models_and_tests_apart():
    run_results = {"results": [
        {"unique_id": "model.mlcost.int_cost_lines_unioned", "execution_time": 4.0},
        {"unique_id": "model.mlcost.fct_egress_routes_daily", "execution_time": 1.5},
        {"unique_id": "test.mlcost.not_null_fct_cost_lines_x_line_key.abc", "execution_time": 0.5},
        {"unique_id": "test.mlcost.assert_aws_lines_reconcile_with_staging", "execution_time": 2.0},
        {"unique_id": "seed.mlcost.regions", "execution_time": 9.0},
    ]}
    breakdown = node_time_breakdown(run_results, top=3)
    assert breakdown["models"] == 2 and breakdown["model_seconds"] == 5.5
    assert breakdown["tests"] == 2 and breakdown["test_seconds"] == 2.5
    assert breakdown["slowest"] == [["int_cost_lines_unioned", 4.0],
                                    ["assert_aws_lines_reconcile_with_staging", 2.0],
                                    ["fct_egress_routes_daily", 1.5]]
    assert "2 data tests 2.5 s" in breakdown_text(breakdown)


def test_one_more_day_copies_only_changed_files(tmp_path):
    history, next_day = tmp_path / "history", tmp_path / "next"
    for root, open_month in ((history, b"day 1"), (next_day, b"day 1 and 2")):
        for relative, content in (("aws/cur2/x/data/BILLING_PERIOD=2026-10/a.parquet", b"closed"),
                                  ("aws/cur2/x/data/BILLING_PERIOD=2026-11/a.parquet", open_month),
                                  ("ml_jobs/jobs.csv", b"jobs")):
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_bytes(content)
    data = tmp_path / "data"
    subprocess.run(["cp", "-a", str(history), str(data)], check=True)
    closed = data / "aws/cur2/x/data/BILLING_PERIOD=2026-10/a.parquet"
    os.utime(closed, (1_000_000, 1_000_000))
    changed = deliver_changes(next_day, data)
    assert changed == ["aws/cur2/x/data/BILLING_PERIOD=2026-11/a.parquet"]
    assert closed.stat().st_mtime == 1_000_000
    assert (data / changed[0]).read_bytes() == b"day 1 and 2"


def test_quick_mode_and_lines_knob():
    quick = parse_args(["--quick"])
    assert quick.scale_list == [0.2] and quick.runs == 1 and quick.skip_set == {"full", "nightly"}
    assert parse_args(["--quick", "--skip", ""]).skip_set == set()
    sized = parse_args(["--lines", str(LINES_PER_SCALE_DAY * 100 * 10), "--days", "100"])
    assert sized.scale_list == [10.0]


def test_copies_have_their_own_machines_lines_and_jobs(sample_dir, tmp_path):
    """Three copies of the generated world: three times the lines, cost, machines and
    jobs, and each copy's job nodes still name machines its own billing lines bill."""
    replica = tmp_path / "x3"
    replicate(sample_dir, replica, 3)
    con = duckdb.connect()

    def cur(root):
        return f"read_parquet('{root}/{CUR_FILES}', hive_partitioning = false)"

    def jobs(root, table):
        return f"read_csv('{root}/ml_jobs/{table}.csv', all_varchar = true)"

    def billed_nodes(root):
        """Job nodes whose instance id is one a billing line names, and the instances."""
        return con.execute(f"""
            with instances as (
                select distinct regexp_extract(line_item_resource_id, 'i-[0-9a-f]+')
                    as instance_id
                from {cur(root)}
                where line_item_resource_id like '%i-%'
            )
            select count(*), count(distinct instances.instance_id)
            from {jobs(root, 'attempt_nodes')} as nodes
            inner join instances
                on regexp_extract(nodes.resource_id, 'i-[0-9a-f]+') = instances.instance_id
            """).fetchone()

    summary = ("select count(*), count(distinct identity_line_item_id), "
               "sum(cast(line_item_unblended_cost as decimal(38, 10))), "
               "count(distinct line_item_resource_id) from ")
    lines, ids, cost, resources = con.execute(summary + cur(sample_dir)).fetchone()
    assert lines > 0 and ids == lines
    assert con.execute(summary + cur(replica)).fetchone() == (
        3 * lines, 3 * ids, 3 * cost, 3 * resources - 2 * con.execute(
            f"select count(distinct line_item_resource_id) from {cur(sample_dir)} "
            "where not regexp_matches(line_item_resource_id, "
            "'(^|[/:])(i|vol|nat)-[0-9a-f]|:training-job/')").fetchone()[0])
    nodes, machines = billed_nodes(sample_dir)
    assert nodes > 0 and billed_nodes(replica) == (3 * nodes, 3 * machines)
    for table in JOB_TABLES:
        original = con.execute(f"select count(*) from {jobs(sample_dir, table)}").fetchone()
        assert con.execute(f"select count(*) from {jobs(replica, table)}").fetchone() == (
            3 * original[0],), table
    assert con.execute(f"select count(distinct job_id), count(distinct attempt_id) "
                       f"from {jobs(replica, 'job_attempts')}").fetchone() == tuple(
        3 * n for n in con.execute(f"select count(distinct job_id), count(distinct attempt_id) "
                                   f"from {jobs(sample_dir, 'job_attempts')}").fetchone())

    # A later delivery whose file bytes did not change keeps the replica's bytes, copies
    # included: what the nightly benchmark compares.
    again = tmp_path / "again"
    replicate(sample_dir, again, 3, unchanged_from=(sample_dir, replica))
    for path in sorted(replica.glob(CUR_FILES)):
        assert filecmp.cmp(path, again / path.relative_to(replica), shallow=False)
    assert not any(copy_path(path, 2).exists() for path in sample_dir.glob(CUR_FILES))
