"""Partitioned Azure export runs: all parts of the latest run count, older runs do not.

The generator writes every Azure cost details export as partitioned runs
(`--azure-part-rows`: part_<n>_0001.csv files of a few rows plus manifest.json). One period
is then exported again, as Azure does: a second, newer run folder beside the first. The
build must reconcile to the ground truth with every part of the newer run and no line of the
older one.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from build_support import BuiltProject, build_cost_lines, generate_sample

CENT = 0.01
PART_ROWS = 40
REDELIVERED_EXPORT = "mlcost-ea-actual"
NEW_RUN = "9d0c5a51-7b7e-4c1e-9a55-2f5d7d3b0c11"


def redeliver(data_dir: Path) -> tuple[Path, Path]:
    """Copy the export's first-period run to a newer run folder; age the old run's files."""
    old_run = sorted((data_dir / "azure" / REDELIVERED_EXPORT).glob("*/*/manifest.json"))[0].parent
    new_run = old_run.parent / NEW_RUN
    shutil.copytree(old_run, new_run)
    manifest = json.loads((new_run / "manifest.json").read_text())
    manifest["runInfo"]["runId"] = NEW_RUN
    (new_run / "manifest.json").write_text(json.dumps(manifest, indent=2))
    for path in old_run.iterdir():
        os.utime(path, (1_790_000_000, 1_790_000_000))  # 2026-09, before the copy
    return old_run, new_run


@pytest.fixture(scope="module")
def runs_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuiltProject, Path, Path]:
    work_dir = tmp_path_factory.mktemp("azure_runs")
    data_dir = work_dir / "data"
    generate_sample(data_dir, ["--providers", "azure", "--no-focus",
                               "--azure-part-rows", str(PART_ROWS)])
    old_run, new_run = redeliver(data_dir)
    built = build_cost_lines(data_dir, work_dir, (data_dir / "mlcost_vars.yml").read_text(),
                             "partitioned Azure runs")
    return built, old_run, new_run


def test_the_exports_are_partitioned_with_manifests(
        runs_build: tuple[BuiltProject, Path, Path]) -> None:
    built, _, new_run = runs_build
    parts = sorted(new_run.glob("part_*.csv"))
    manifest = json.loads((new_run / "manifest.json").read_text())
    assert len(parts) >= 2 and manifest["blobCount"] == len(parts)
    assert "mlcost_azure_export_manifests" in (built.data_dir / "mlcost_vars.yml").read_text()


@pytest.mark.parametrize("column", ["billed_cost", "effective_cost"])
def test_partitioned_runs_reconcile_to_truth(runs_build: tuple[BuiltProject, Path, Path],
                                             column: str) -> None:
    built, _, _ = runs_build
    recovered = {period: float(cost) for period, cost in built.query(f"""
        select strftime(billing_period_start, '%Y-%m'), sum({column})
        from main_marts.fct_cost_lines where x_provider = 'azure' group by 1""")}
    truth = {row["billing_period"]: row[column] for row in built.truth["billing_totals"]
             if row["provider"] == "azure"}
    assert set(recovered) == set(truth) and len(truth) >= 2
    for period, expected in truth.items():
        assert recovered[period] == pytest.approx(expected, abs=CENT), period


def test_redelivered_run_replaces_the_old_one(
        runs_build: tuple[BuiltProject, Path, Path]) -> None:
    built, old_run, new_run = runs_build
    files = {Path(row[0]) for row in built.query(
        "select distinct x_source_file from main_marts.fct_cost_lines "
        "where x_source_file like ?", [f"%/{REDELIVERED_EXPORT}/%"])}
    assert not {path for path in files if path.parent == old_run}
    assert {path for path in files if path.parent == new_run} == set(new_run.glob("part_*.csv"))
    duplicates = built.query("""
        select x_line_key, count(*) from main_marts.fct_cost_lines
        group by 1 having count(*) > 1""")
    assert duplicates == []


def test_every_part_of_every_current_run_arrives(
        runs_build: tuple[BuiltProject, Path, Path]) -> None:
    built, old_run, new_run = runs_build
    expected = {path for path in (built.data_dir / "azure").glob("*/*/*/part_*.csv")
                if path.parent != old_run}
    delivered = {Path(row[0]) for row in built.query("""
        select distinct x_source_file from main_intermediate.int_billing_delivery_files
        where x_provider = 'azure' and is_counted""")}
    assert delivered == expected
    superseded = {Path(row[0]) for row in built.query("""
        select distinct x_source_file from main_intermediate.int_billing_delivery_files
        where x_provider = 'azure' and not is_counted""")}
    assert superseded == set(old_run.glob("part_*.csv"))
    # The delivery report names the run that replaced the old one.
    replaced_by = {Path(row[0]) for row in built.query("""
        select superseded_by from main_marts.rpt_billing_deliveries
        where delivery_status = 'superseded'""")}
    assert replaced_by == {new_run}


def test_nothing_quarantined(runs_build: tuple[BuiltProject, Path, Path]) -> None:
    built, _, _ = runs_build
    assert built.query("select count(*) from main_marts.fct_quarantined_cost_lines") == [(0,)]
