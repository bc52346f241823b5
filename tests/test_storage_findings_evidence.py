"""Storage findings say how sure they are, and storage in use is never called stale.

The generator plants, next to the storage left behind, three AWS machines running a week or
more whose disk only one kind of evidence ties to them (a cluster tag shared by disk and
machine, the billed lifetime, the job contract's volume_ids) and a datasets bucket only jobs
reading it (the contract's dataset_uri) touch. truth.json's `storage_ties` lists them with
the days each would be stale without its evidence; `stale_storage` carries the evidence and
confidence the simulation gives each finding.
"""

from __future__ import annotations

import csv
from collections import defaultdict

import pytest

from build_support import BuiltProject

CENT = 0.01
REPORT = "main_marts.rpt_idle_and_orphaned_resources"
STORAGE_DAYS = "main_intermediate.int_storage_resource_days_checked"
TIES = ("job_volume_ids", "machine_name", "machine_tags", "machine_lifetime")


def test_planted_storage_is_tied_by_its_evidence_and_never_stale(
        built_sample: BuiltProject) -> None:
    planted = built_sample.truth["storage_ties"]
    assert {row["evidence"] for row in planted} == {
        "machine_tags", "machine_lifetime", "job_volume_ids", "job_storage_uris"}
    for row in planted:
        # Without its evidence the storage would have been stale: the tie is what saves it.
        assert row["stale_days_without_evidence"] > 0, row
        assert row["found_evidence"] == row["evidence"], row
        days = built_sample.query(f"""
            select count(*), count(*) filter (where is_stale),
                min(evidence), max(evidence)
            from {STORAGE_DAYS} where resource_key = lower(?)""", [row["resource_id"]])
        assert days == [(row["billed_days"], 0, row["evidence"], row["evidence"])], row
        findings = built_sample.query(f"""
            select count(*) from {REPORT}
            where finding = 'stale_storage' and lower(resource_id) = lower(?)""",
                                      [row["resource_id"]])
        assert findings == [(0,)], row


def test_stale_storage_cost_per_confidence_recovered(built_sample: BuiltProject) -> None:
    truth: dict[tuple[str, str], float] = defaultdict(float)
    for row in built_sample.truth["stale_storage"]:
        truth[(row["evidence"], row["confidence"])] += row["stale_billed_cost"]
    built = {(evidence, confidence): float(cost) for evidence, confidence, cost in
             built_sample.query(f"""
                 select evidence, confidence, sum(finding_billed_cost) from {REPORT}
                 where finding = 'stale_storage' group by 1, 2""")}
    assert set(built) == set(truth)
    for key, cost in truth.items():
        assert built[key] == pytest.approx(cost, abs=CENT), key
    assert ("none", "low") in truth, "the sample should leave storage nothing ties"


def test_tied_disks_are_never_stale_while_their_machine_runs(
        built_sample: BuiltProject) -> None:
    """A disk tied to a machine is touched every day the machine is billed; only storage no
    tie reaches can be stale in the sample (its tied disks are billed only while their
    machine runs)."""
    rows = built_sample.query(f"""
        select
            count(*) filter (where is_attached and is_stale),
            count(*) filter (where is_stale and evidence in {TIES}),
            count(distinct resource_key) filter (where evidence = 'machine_lifetime'),
            count(distinct resource_key) filter (where evidence = 'job_volume_ids')
        from {STORAGE_DAYS}""")
    attached_stale, tied_stale, by_lifetime, by_contract = rows[0]
    assert (attached_stale, tied_stale) == (0, 0)
    assert by_lifetime > 1 and by_contract > 1


def test_findings_on_the_bill_say_so(built_sample: BuiltProject) -> None:
    rows = built_sample.query(f"""
        select finding, evidence, confidence, count(*) from {REPORT}
        where finding in ('idle_machine', 'unowned_resource') group by 1, 2, 3""")
    assert {(finding, evidence, confidence) for finding, evidence, confidence, _ in rows} \
        == {("idle_machine", "billing_data", "high"),
            ("unowned_resource", "billing_data", "high")}


def test_optional_contract_columns_read(built_sample: BuiltProject) -> None:
    """dataset_uri and volume_ids come through staging as written (empty reads as null)."""
    folder = built_sample.data_dir / "ml_jobs"
    with open(folder / "jobs.csv", encoding="utf-8") as handle:
        uris = sum(1 for row in csv.DictReader(handle) if row["dataset_uri"])
    with open(folder / "attempt_nodes.csv", encoding="utf-8") as handle:
        volumes = sum(1 for row in csv.DictReader(handle) if row["volume_ids"])
    assert uris > 0 and volumes > 0
    assert built_sample.query("""
        select
            (select count(dataset_uri) from main_staging.stg_ml_jobs__jobs),
            (select count(volume_ids) from main_staging.stg_ml_jobs__attempt_nodes)
        """) == [(uris, volumes)]
