"""The sample-data generator: deterministic, internally consistent, and its ground truth
adds up to the files it wrote.

The truth is computed from the simulation; these tests check it against the job tables and
the AWS files independently (reading the files with DuckDB), so a writer that drops or
doubles lines, or a truth that drifts from the data, fails here.
"""

from __future__ import annotations

import ast
import calendar
import csv
import glob
import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from conftest import GENERATOR, GENERATOR_ARGS, run_generator

from sample_data.model import Attempt, AttemptNode, Checkpoint, Job

ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def file_hashes(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def parse(ts: str) -> datetime:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="session")
def truth(sample_dir: Path) -> dict:
    return json.loads((sample_dir / "truth.json").read_text())


@pytest.fixture(scope="session")
def tables(sample_dir: Path) -> dict[str, list[dict[str, str]]]:
    return {name: read_csv(sample_dir / "ml_jobs" / f"{name}.csv")
            for name in ("jobs", "job_attempts", "attempt_nodes", "checkpoints")}


# ------------------------------------------------------------------------------- the CLI


def test_help_describes_the_options() -> None:
    result = subprocess.run([sys.executable, str(GENERATOR), "--help"], capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0
    for option in ("--seed", "--start", "--days", "--scale", "--out"):
        assert option in result.stdout


def test_too_short_a_window_is_refused_with_a_reason(tmp_path: Path) -> None:
    result = run_generator(tmp_path, ["--days", "3"])
    assert result.returncode == 2
    assert "--days must be at least" in result.stderr


def test_same_seed_same_bytes(sample_dir: Path, tmp_path: Path) -> None:
    again = run_generator(tmp_path, GENERATOR_ARGS)
    assert again.returncode == 0, again.stderr
    first, second = file_hashes(sample_dir), file_hashes(tmp_path / "sample")
    assert first.keys() == second.keys()
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, f"files differ between two runs with the same seed: {differing}"


def test_other_seed_other_data(sample_dir: Path, tmp_path: Path) -> None:
    args = list(GENERATOR_ARGS)
    args[args.index("--seed") + 1] = "43"
    result = run_generator(tmp_path, args)
    assert result.returncode == 0, result.stderr
    first, second = file_hashes(sample_dir), file_hashes(tmp_path / "sample")
    assert first["ml_jobs/jobs.csv"] != second["ml_jobs/jobs.csv"]
    legacy = [name for name in first if name.endswith(".csv.gz")]
    assert legacy and all(first[n] != second.get(n) for n in legacy)


def test_rerun_replaces_previous_output(tmp_path: Path) -> None:
    stale = tmp_path / "sample" / "aws" / "cur_legacy" / "old-report" / "stale.csv.gz"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"")
    keep = tmp_path / "sample" / "notes.txt"
    keep.write_text("not the generator's")
    result = run_generator(tmp_path, ["--days", "7", "--scale", "0.05"])
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert keep.exists()


# ------------------------------------------------------------------------------- vars


def test_vars_file_is_flat_and_every_glob_matches(sample_dir: Path) -> None:
    lines = (sample_dir / "mlcost_vars.yml").read_text().splitlines()
    pairs = dict(line.split(": ", 1) for line in lines)
    assert all(re.fullmatch(r"mlcost_[a-z0-9_]+", key) for key in pairs)
    for key in ("mlcost_aws_cur_legacy_csv", "mlcost_aws_cur_legacy_parquet",
                "mlcost_aws_cur2_parquet", "mlcost_ml_jobs", "mlcost_ml_job_attempts",
                "mlcost_ml_attempt_nodes", "mlcost_ml_checkpoints"):
        assert key in pairs
    for key, quoted in pairs.items():
        value = quoted.strip("'")
        assert not value.startswith("/"), f"{key} should stay relative like --out: {value}"
        if value:
            matched = glob.glob(str(sample_dir.parent / value), recursive=True)
            assert matched, f"{key}: {value} matches no file"


def test_aws_formats_writes_and_points_at_only_the_formats_chosen(sample_dir: Path,
                                                                   tmp_path: Path) -> None:
    result = run_generator(tmp_path, [*GENERATOR_ARGS, "--aws-formats", "cur2_parquet"])
    assert result.returncode == 0, result.stderr
    out = tmp_path / "sample"
    pairs = dict(line.split(": ", 1) for line in (out / "mlcost_vars.yml").read_text()
                 .splitlines())
    assert sorted(key for key in pairs if key.startswith("mlcost_aws_")) == \
        ["mlcost_aws_cur2_parquet"]
    assert sorted(p.name for p in (out / "aws").iterdir()) == ["cur2"]
    # The same CUR 2.0 files as when every format is written, and the same truth.
    alone, every = file_hashes(out / "aws" / "cur2"), file_hashes(sample_dir / "aws" / "cur2")
    assert alone and alone == every
    assert json.loads((out / "truth.json").read_text()) == \
        json.loads((sample_dir / "truth.json").read_text())


def test_unknown_aws_format_is_refused(tmp_path: Path) -> None:
    result = run_generator(tmp_path, ["--aws-formats", "cur2_parquet,cur3"])
    assert result.returncode == 2
    assert "cur3" in result.stderr


def test_writers_import_no_writer_that_imports_them_back() -> None:
    """Shared helpers live in writers/common.py; a cycle (even inside a function) means a
    helper was left in one writer and borrowed by another."""
    writers = GENERATOR.parent / "sample_data" / "writers"
    names = {path.stem for path in writers.glob("*.py")}
    imports: dict[str, set[str]] = {}
    for path in writers.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                found |= {node.module} if node.module else {a.name for a in node.names}
        imports[path.stem] = found & names
    assert "common" in imports and not imports["common"]

    def reaches(start: str, target: str, seen: set[str]) -> bool:
        return any(nxt == target or (nxt not in seen and reaches(nxt, target, seen | {nxt}))
                   for nxt in imports[start])

    cycles = sorted(name for name in imports if reaches(name, name, {name}))
    assert not cycles, f"writers in an import cycle: {cycles}"


OPEN_MONTH = re.compile(r"2026-?11|month=11")


def test_one_more_billed_day_changes_only_the_open_month(tmp_path: Path) -> None:
    """--billed-days N then N+1 into the same --out with --keep-unchanged: the closed
    month's files keep their bytes and modification times; the open month gains exactly
    the lines of the one new day."""
    args = ["--seed", "7", "--start", "2026-10-25", "--days", "9", "--scale", "0.05",
            "--keep-unchanged"]
    out = tmp_path / "sample"
    open_cur2 = out / "aws" / "cur2" / "mlcost-cur2" / "data" / "BILLING_PERIOD=2026-11"
    assert run_generator(tmp_path, [*args, "--billed-days", "8"]).returncode == 0
    before = {name: (digest, (out / name).stat().st_mtime_ns)
              for name, digest in file_hashes(out).items()}
    shutil.copytree(open_cur2, tmp_path / "open_month_before")
    result = run_generator(tmp_path, [*args, "--billed-days", "9"])
    assert result.returncode == 0, result.stderr
    after = {name: (digest, (out / name).stat().st_mtime_ns)
             for name, digest in file_hashes(out).items()}
    assert before.keys() == after.keys()
    assert json.loads((out / "truth.json").read_text())["generator"]["billed_days"] == 9
    closed = [name for name in before if not OPEN_MONTH.search(name)
              and name != "truth.json" and not name.startswith("mlcost_vars")]
    assert any("2026-10" in name for name in closed)
    changed = [name for name in closed if before[name] != after[name]]
    assert not changed, f"closed-month files rewritten by one more day: {changed}"
    # The open month's CUR 2.0 lines: the old ones, plus lines of the new day (Nov 2) only.
    old = f"read_parquet('{tmp_path / 'open_month_before'}/*.parquet', hive_partitioning = false)"
    new = f"read_parquet('{open_cur2}/*.parquet', hive_partitioning = false)"
    con = duckdb.connect()
    assert con.execute(f"select count(*) from (select * from {old} except all "
                       f"select * from {new})").fetchone() == (0,)
    added = con.execute(f"select distinct cast(line_item_usage_start_date as date) from "
                        f"(select * from {new} except all select * from {old})").fetchall()
    assert added == [(date(2026, 11, 2),)]


# ------------------------------------------------------------------------------- job tables


@pytest.mark.parametrize("name, record", [("jobs", Job), ("job_attempts", Attempt),
                                          ("attempt_nodes", AttemptNode),
                                          ("checkpoints", Checkpoint)])
def test_job_tables_have_exactly_the_contract_columns(sample_dir: Path, name: str,
                                                      record: type) -> None:
    with (sample_dir / "ml_jobs" / f"{name}.csv").open(encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == [f.name for f in fields(record)]


def test_job_tables_are_consistent(tables: dict) -> None:
    jobs = {j["job_id"]: j for j in tables["jobs"]}
    attempts: dict[str, list[dict]] = {}
    for a in tables["job_attempts"]:
        assert a["job_id"] in jobs
        attempts.setdefault(a["job_id"], []).append(a)
        assert ISO_Z.match(a["started_at"])
        if a["status"] == "running":
            assert a["ended_at"] == "" and a["failure_reason"] == ""
        else:
            assert parse(a["ended_at"]) >= parse(a["started_at"])
        if a["status"] in ("failed", "killed", "preempted"):
            assert a["failure_reason"]
    for job_id, job in jobs.items():
        runs = sorted(attempts[job_id], key=lambda a: int(a["attempt_number"]))
        assert [int(a["attempt_number"]) for a in runs] == list(range(1, len(runs) + 1))
        assert job["status"] == runs[-1]["status"]
        assert parse(job["submitted_at"]) <= parse(runs[0]["started_at"])
        for a in runs[:-1]:
            assert a["status"] != "running"
    attempt_ids = {a["attempt_id"] for a in tables["job_attempts"]}
    assert {n["attempt_id"] for n in tables["attempt_nodes"]} <= attempt_ids
    checkpoints = {c["checkpoint_id"]: c for c in tables["checkpoints"]}
    for c in checkpoints.values():
        assert c["attempt_id"] in attempt_ids and c["uri"].split("://")[0] in ("s3", "gs", "abfss")
    for a in tables["job_attempts"]:
        if a["resumed_from_checkpoint_id"]:
            ckpt = checkpoints[a["resumed_from_checkpoint_id"]]
            assert ckpt["job_id"] == a["job_id"]
            assert parse(ckpt["saved_at"]) <= parse(a["started_at"])


def test_every_job_type_provider_and_outcome_appears(tables: dict) -> None:
    jobs = tables["jobs"]
    assert {j["job_type"] for j in jobs} == {"training", "fine_tune", "batch_inference",
                                             "notebook", "serving"}
    assert {j["provider"] for j in jobs} == {"aws", "gcp", "azure"}
    assert {a["status"] for a in tables["job_attempts"]} >= {"succeeded", "failed", "preempted",
                                                             "running"}
    shared = [n for n in tables["attempt_nodes"] if int(n["gpus_used"]) < 8 and
              n["instance_type"] in ("p4d.24xlarge", "a2-highgpu-8g", "Standard_ND96asr_v4")]
    assert shared, "some attempts should share an 8-GPU node"


# ------------------------------------------------------------------------------- truth


def test_truth_names_jobs_and_failures_that_exist(truth: dict, tables: dict) -> None:
    jobs = {j["job_id"]: j for j in tables["jobs"]}
    attempts = {a["attempt_id"]: a for a in tables["job_attempts"]}
    assert 5 <= len({n["label"].split(" (")[0] for n in truth["named_jobs"]}) <= 10
    for named in truth["named_jobs"]:
        job = jobs[named["job_id"]]
        assert named["final_status"] == job["status"]
        assert named["provider"] == job["provider"] and named["team"] == job["team"]
        assert named["attempt_count"] == sum(1 for a in attempts.values()
                                             if a["job_id"] == named["job_id"])
        assert named["billed_cost"] >= 0 and named["gpu_hours"] > 0
    for failure in truth["named_failures"]:
        attempt = attempts[failure["attempt_id"]]
        assert attempt["status"] == failure["status"]
        assert attempt["failure_reason"] == failure["failure_reason"]
        assert 0 <= failure["lost_since_checkpoint_billed_cost"] <= \
            failure["wasted_billed_cost"] + 1e-6
        has_ckpt = any(c["attempt_id"] == failure["attempt_id"] for c in tables["checkpoints"])
        if not has_ckpt:
            assert failure["lost_since_checkpoint_billed_cost"] == \
                pytest.approx(failure["wasted_billed_cost"], abs=1e-6)


def test_truth_attribution_adds_up(truth: dict) -> None:
    per_provider: dict[str, float] = {}
    for job in truth["job_costs"]:
        per_provider[job["provider"]] = per_provider.get(job["provider"], 0.0) + \
            job["billed_cost"]
    for row in truth["unattributed_compute_billed_cost"]:
        assert row["billed_cost"] == pytest.approx(
            row["compute_billed_cost"] - row["attributed_billed_cost"], abs=1e-5)
        assert row["attributed_billed_cost"] == pytest.approx(
            per_provider.get(row["provider"], 0.0), abs=1e-3)
        assert row["billed_cost"] > 0


def test_planted_scenarios_have_the_planted_numbers(truth: dict) -> None:
    by_label = {n["label"]: n for n in truth["named_jobs"]}
    shared = [n for label, n in by_label.items() if label.startswith("4 fine-tunes sharing")]
    assert len(shared) == 4
    for n in shared:  # 2 of 8 GPUs of an on-demand p4d.24xlarge, per hour run
        assert n["billed_cost"] == pytest.approx(32.7726 * n["gpu_hours"] / 8, rel=1e-6)
    idle = {i["resource_id"]: i for i in truth["idle"] if i["planted"]}
    hours = sorted(i["idle_hours"] for i in idle.values())
    assert any(29.9 < h < 30.2 for h in hours), hours  # the p4d left on 30 h
    assert any(95.9 < h < 96.1 for h in hours), hours  # the GPU VM nobody used for 4 days
    nccl = next(f for f in truth["named_failures"] if f["failure_reason"] == "NCCL timeout")
    assert nccl["wasted_gpu_hours"] == pytest.approx(9 * 16)
    assert nccl["lost_since_checkpoint_billed_cost"] == nccl["wasted_billed_cost"]


def test_truth_untagged_share_and_egress_are_well_formed(truth: dict) -> None:
    for row in truth["untagged_share"]:
        assert 0 <= row["untagged_billed_cost"] <= row["total_billed_cost"] + 1e-6
        assert 0 <= row["share"] <= 1
    assert any(0 < row["share"] < 1 for row in truth["untagged_share"])
    routes = {(r["provider"], r["transfer_type"]) for r in truth["egress_routes"]}
    assert {("aws", "inter_region"), ("aws", "inter_az"), ("aws", "internet"), ("aws", "nat"),
            ("aws", "inter_cloud"), ("gcp", "inter_cloud"), ("aws", "internet_inbound"),
            ("aws", "inter_az_inbound"), ("aws", "inter_region_inbound"),
            ("azure", "peering"), ("azure", "peering_inbound"), ("azure", "private_link"),
            ("azure", "private_link_inbound")} <= routes
    inbound = [r for r in truth["egress_routes"] if r["transfer_type"] == "internet_inbound"]
    assert all(r["from"] is None for r in inbound), "bytes from the internet have no region"


def test_money_is_rounded_to_micro_dollars(truth: dict) -> None:
    for row in truth["billing_totals"]:
        for key in ("billed_cost", "effective_cost", "list_cost"):
            assert round(row[key], 6) == row[key]


# ------------------------------------------------------------------------------- totals


def test_truth_billed_totals_equal_the_aws_files(truth: dict, sample_dir: Path) -> None:
    aws = {(r["billing_period"]): r for r in truth["billing_totals"] if r["provider"] == "aws"}
    assert len(aws) == 2, "35 days from Oct 10 span two billing periods"
    con = duckdb.connect()
    csv_glob = (sample_dir / "aws" / "cur_legacy" / "*" / "*" / "*" / "*.csv.gz").as_posix()
    rows = con.execute(f"""
        select strftime(cast("bill/BillingPeriodStartDate" as timestamp), '%Y-%m'),
               sum(cast("lineItem/UnblendedCost" as decimal(38, 10))), count(*)
        from read_csv('{csv_glob}', all_varchar = true, header = true)
        group by 1""").fetchall()
    assert {r[0] for r in rows} == set(aws)
    for period, total, count in rows:
        assert Decimal(str(aws[period]["billed_cost"])) == pytest.approx(total, abs=Decimal("6e-7"))
        assert count == aws[period]["line_count_native"]
    parquet_glob = (sample_dir / "aws" / "cur_legacy_parquet" / "**" / "*.parquet").as_posix()
    rows = con.execute(f"""
        select strftime(bill_billing_period_start_date, '%Y-%m'),
               sum(line_item_unblended_cost), count(*)
        from read_parquet('{parquet_glob}', hive_partitioning = false) group by 1""").fetchall()
    for period, total, count in rows:
        assert total == pytest.approx(aws[period]["billed_cost"], abs=1e-4)
        assert count == aws[period]["line_count_native"]


def test_truth_has_every_provider_and_period(truth: dict) -> None:
    keys = {(r["provider"], r["billing_period"]) for r in truth["billing_totals"]}
    assert {p for p, _ in keys} == {"aws", "gcp", "azure"}
    assert {"2026-10", "2026-11"} <= {period for _, period in keys}
    assert set(truth) >= {"generator", "billing_totals", "named_jobs", "named_failures", "idle",
                          "unattributed_compute_billed_cost", "egress_routes", "untagged_share"}
    assert truth["generator"] == {"seed": 42, "start": "2026-10-10", "days": 35, "scale": 0.2,
                                  "version": truth["generator"]["version"]}


# ------------------------------------------------------------------------------- MLflow, SageMaker

MLFLOW_COLUMNS = {
    "experiments": ["experiment_id", "name", "artifact_location", "lifecycle_stage",
                    "creation_time", "last_update_time"],
    "runs": ["run_uuid", "name", "source_type", "source_name", "entry_point_name", "user_id",
             "status", "start_time", "end_time", "source_version", "lifecycle_stage",
             "artifact_uri", "experiment_id", "deleted_time"],
    "tags": ["key", "value", "run_uuid"],
    "params": ["key", "value", "run_uuid"],
    "metrics": ["key", "value", "timestamp", "run_uuid", "step", "is_nan"],
}


def test_mlflow_tables_link_to_job_attempts(sample_dir: Path, tables: dict) -> None:
    mlflow = {name: read_csv(sample_dir / "mlflow" / f"{name}.csv") for name in MLFLOW_COLUMNS}
    for name, columns in MLFLOW_COLUMNS.items():
        with (sample_dir / "mlflow" / f"{name}.csv").open(encoding="utf-8") as fh:
            assert next(csv.reader(fh)) == columns
    runs = {r["run_uuid"]: r for r in mlflow["runs"]}
    assert runs and {r["status"] for r in runs.values()} <= {"RUNNING", "SCHEDULED", "FINISHED",
                                                             "FAILED", "KILLED"}
    experiments = {e["experiment_id"] for e in mlflow["experiments"]}
    assert all(r["experiment_id"] in experiments for r in runs.values())
    attempts = {a["attempt_id"]: a for a in tables["job_attempts"]}
    linked = {t["run_uuid"]: t["value"] for t in mlflow["tags"] if t["key"] == "mlcost.attempt_id"}
    assert 0 < len(linked) < len(runs), "most runs carry the attempt id, some do not"
    for uuid, attempt_id in linked.items():
        attempt = attempts[attempt_id]
        run = runs[uuid]
        assert int(run["start_time"]) == calendar.timegm(
            parse(attempt["started_at"]).timetuple()) * 1000
        if attempt["status"] == "succeeded":
            assert run["status"] == "FINISHED" and run["end_time"]
        if attempt["status"] == "preempted":
            assert run["status"] == "RUNNING" and run["end_time"] == ""


def test_sagemaker_jobs_match_attempt_nodes_and_cur(sample_dir: Path, tables: dict) -> None:
    records = [json.loads(line) for line in
               (sample_dir / "sagemaker" / "training_jobs.jsonl").read_text().splitlines()]
    assert records
    node_ids = {n["resource_id"] for n in tables["attempt_nodes"]}
    con = duckdb.connect()
    csv_glob = (sample_dir / "aws" / "cur_legacy" / "*" / "*" / "*" / "*.csv.gz").as_posix()
    cur_ids = {r[0] for r in con.execute(f"""
        select distinct "lineItem/ResourceId" from read_csv('{csv_glob}', all_varchar = true)
        where "lineItem/ProductCode" = 'AmazonSageMaker'""").fetchall()}
    for r in records:
        assert r["TrainingJobArn"].endswith("training-job/" + r["TrainingJobName"])
        assert r["TrainingJobArn"] in node_ids and r["TrainingJobArn"] in cur_ids
        assert r["TrainingJobStatus"] in ("InProgress", "Completed", "Failed", "Stopping",
                                          "Stopped")
        assert r["ResourceConfig"]["InstanceType"].startswith("ml.")
        if r["TrainingJobStatus"] == "Completed":
            assert r["BillableTimeInSeconds"] == r["TrainingTimeInSeconds"] > 0


# ------------------------------------------------------------------------------- the simulation


@pytest.fixture(scope="module")
def small_world():
    from sample_data.world import build_world
    return build_world(7, date(2026, 10, 20), 9, 0.1)


@pytest.fixture(scope="module")
def packed_world():
    """small_world with three times the job attempts (--attempts-factor 3)."""
    from sample_data.world import build_world
    return build_world(7, date(2026, 10, 20), 9, 0.1, attempts_factor=3)


def charges_by_key(world) -> dict[tuple[str, str], tuple]:
    return {(c.provider, c.line_key): (c.resource_id, c.billed_cost, c.effective_cost,
                                       c.usage_amount)
            for _, _, charges in world.iter_batches() for c in charges}


def test_attempts_factor_adds_attempts_not_lines(small_world, packed_world) -> None:
    base, packed = len(small_world.attempts), len(packed_world.attempts)
    assert 2.8 * base <= packed <= 3.5 * base
    # The natural jobs are all still there, attempt for attempt.
    assert {a.attempt_id: a for a in small_world.attempts}.items() <= \
        {a.attempt_id: a for a in packed_world.attempts}.items()
    before, after = charges_by_key(small_world), charges_by_key(packed_world)
    # The natural world's machines are billed as before (no discount moved to the new
    # nodes; the NAT gateway's bytes and month-level lines follow the new usage); the new
    # lines are fewer than the new attempts.
    machines = {i.resource_id for i in small_world.instances}
    kept = {key: value for key, value in before.items() if value[0] in machines}
    assert kept and kept.items() <= after.items()
    assert 0 < len(after) - len(before) < packed - base


@pytest.mark.parametrize("world_name", ["small_world", "packed_world"])
def test_attempts_run_inside_their_machines_and_fit_their_gpus(request, world_name) -> None:
    from sample_data import catalog
    w = request.getfixturevalue(world_name)
    machines = {i.resource_id: i for i in w.instances}
    spans: dict[str, list[tuple[int, int, int]]] = {}
    unmatched = {(attempt_id, index) for attempt_id, index, _ in w.planted_unmatched}
    assert unmatched, "one node should name a machine no bill carries"
    for node in w.nodes:
        if (node.attempt_id, node.node_index) in unmatched:
            assert node.resource_id not in machines, node
            continue
        start, end = w.attempt_times[node.attempt_id]
        inst = machines[node.resource_id]
        end = w.end if end is None else end
        assert inst.start <= start and end <= inst.end, node
        spans.setdefault(node.resource_id, []).append((start, end, node.gpus_used))
    for rid, items in spans.items():
        gpus = catalog.instance_gpus(machines[rid].provider, machines[rid].instance_type)
        if machines[rid].role == "sagemaker":
            continue
        for t, _, _ in items:  # GPUs in use at every attempt start never exceed the node's
            assert sum(g for s, e, g in items if s <= t < e) <= gpus, rid


def test_charges_are_unique_and_exact_to_ten_decimals(small_world) -> None:
    seen: set[tuple[str, str]] = set()
    for _, _, charges in small_world.iter_batches():
        for c in charges:
            key = (c.provider, c.line_key)
            assert key not in seen, key
            seen.add(key)
            for amount in (c.billed_cost, c.effective_cost, c.list_cost):
                assert round(amount, 10) == amount
            assert c.charge_end > c.charge_start
            if c.running_seconds:  # a machine runs at most the hour (SageMaker: per instance)
                assert c.running_seconds <= 3600 * 4
