"""One unreadable export does not blank the other providers' marts.

The generated sample, with one GCP detailed-export file truncated mid-gzip and a FOCUS
parquet that is not parquet. The unit is the export (all files of its var): a truncated file
takes its export out whole rather than leave a month half read. With the default var mlcost_on_unreadable_export =
'quarantine', every mart builds, AWS and Azure costs and job costs are recovered to the
cent, each broken export is one quarantine row naming it and DuckDB's error, and `dbt
build` still exits non-zero (the readability test fails, and nothing else). With 'fail',
the broken staging model stops the build as dbt does by default.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from build_support import BuiltProject, generate_sample, run_dbt

CENT = 0.01
READABLE_TEST = "assert_billing_exports_readable"
SHARE_TEST = "assert_quarantined_cost_share_within_limit"


def break_exports(data_dir: Path) -> tuple[Path, Path]:
    """Truncate the last GCP month's file mid-stream and write a FOCUS 'parquet' of junk."""
    gcp_file = sorted((data_dir / "gcp" / "billing_detailed").glob("*/*.json.gz"))[-1]
    content = gcp_file.read_bytes()
    gcp_file.write_bytes(content[: len(content) // 2])
    focus_file = data_dir / "broken_focus" / "focus.parquet"
    focus_file.parent.mkdir()
    focus_file.write_bytes(b"PAR1 this was never a parquet file")
    return gcp_file, focus_file


def run_results(work_dir: Path) -> dict[str, str]:
    results = json.loads((work_dir / "target" / "run_results.json").read_text())["results"]
    # unique ids are <type>.mlcost.<name>[.<hash>]
    return {result["unique_id"].split(".")[2]: result["status"] for result in results}


@pytest.fixture(scope="module")
def broken_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path, Path]:
    work_dir = tmp_path_factory.mktemp("isolation")
    data_dir = work_dir / "data"
    generate_sample(data_dir)
    gcp_file, focus_file = break_exports(data_dir)
    vars_yaml = ((data_dir / "mlcost_vars.yml").read_text()
                 + f"\nmlcost_focus_parquet: '{focus_file.parent}/*.parquet'\n")
    return data_dir, vars_yaml, gcp_file, focus_file


@dataclass(frozen=True)
class IsolatedBuild(BuiltProject):
    exit_code: int
    results: dict[str, str]


@pytest.fixture(scope="module")
def isolated_build(broken_sample: tuple[Path, str, Path, Path],
                   tmp_path_factory: pytest.TempPathFactory) -> IsolatedBuild:
    data_dir, vars_yaml, _, _ = broken_sample
    work_dir = tmp_path_factory.mktemp("isolated_build")
    result = run_dbt(["build", "--exclude-resource-type", "unit_test", "--vars", vars_yaml],
                     work_dir / "mlcost.duckdb", work_dir)
    return IsolatedBuild(data_dir=data_dir, database=work_dir / "mlcost.duckdb",
                         truth=json.loads((data_dir / "truth.json").read_text()),
                         dbt_output=result.stdout, exit_code=result.returncode,
                         results=run_results(work_dir))


def test_build_fails_at_the_end_and_only_on_the_export_tests(
        isolated_build: IsolatedBuild) -> None:
    assert isolated_build.exit_code == 1, isolated_build.dbt_output[-3000:]
    not_passed = {name: status for name, status in isolated_build.results.items()
                  if status not in ("success", "pass", "no-op")}
    assert set(not_passed) == {READABLE_TEST, SHARE_TEST}, not_passed


def test_broken_exports_are_named_with_the_reason(
        isolated_build: IsolatedBuild, broken_sample: tuple[Path, str, Path, Path]) -> None:
    _, _, gcp_file, focus_file = broken_sample
    rows = isolated_build.query("""
        select x_source_format, x_source_file, x_quarantine_reason
        from main_marts.fct_quarantined_cost_lines order by 1""")
    assert [row[0] for row in rows] == ["focus_parquet", "gcp_billing_detailed"], rows
    for (_, source_file, reason), broken in zip(rows, [focus_file, gcp_file]):
        assert reason.startswith("unreadable export: ")
        assert str(broken) in reason, reason  # DuckDB's error names the file
        assert source_file.endswith(("*.parquet", "*.json.gz")), source_file
    output = isolated_build.dbt_output
    assert output.count("could not be read") >= 2 and str(gcp_file) in output


def test_other_providers_costs_recovered_to_the_cent(isolated_build: IsolatedBuild) -> None:
    built = dict(((provider, month), float(cost)) for provider, month, cost in
                 isolated_build.query("""
        select x_provider, strftime(billing_period_start, '%Y-%m'), sum(billed_cost)
        from main_marts.fct_cost_lines group by 1, 2"""))
    totals = [t for t in isolated_build.truth["billing_totals"] if t["provider"] != "gcp"]
    assert {t["provider"] for t in totals} == {"aws", "azure"}
    for total in totals:
        assert built[(total["provider"], total["billing_period"])] == pytest.approx(
            total["billed_cost"], abs=CENT), total
    # The check is per export (the files of one var): the truncated file takes its whole
    # export out, rather than leave a half-read month that looks complete.
    assert not [month for provider, month in built if provider == "gcp"]


def test_other_providers_job_costs_recovered(isolated_build: IsolatedBuild) -> None:
    jobs = [job for job in isolated_build.truth["job_costs"] if job["provider"] != "gcp"]
    built = dict(isolated_build.query(
        "select job_id, billed_cost from main_marts.fct_ml_job_costs"))
    assert jobs
    for job in jobs:
        assert float(built[job["job_id"]]) == pytest.approx(job["billed_cost"], abs=CENT), job


def test_health_report_counts_each_unreadable_export(isolated_build: IsolatedBuild) -> None:
    rows = isolated_build.query("""
        select x_source_format, sum(unreadable_export_count), sum(line_count)
        from main_marts.rpt_billing_export_health
        where unreadable_export_count > 0 group by 1 order by 1""")
    assert rows == [("focus_parquet", 1, 1), ("gcp_billing_detailed", 1, 1)]
    delivered = isolated_build.query("""
        select sum(line_count), sum(billed_cost) from main_marts.rpt_billing_export_health""")
    lines = isolated_build.query("""
        select count(*), sum(billed_cost) from (
            select billed_cost from main_marts.fct_cost_lines
            union all select billed_cost from main_marts.fct_quarantined_cost_lines)""")
    assert delivered[0][0] == lines[0][0]
    assert Decimal(delivered[0][1]) == Decimal(lines[0][1])


def test_fail_switch_stops_at_the_staging_model(
        broken_sample: tuple[Path, str, Path, Path], tmp_path: Path) -> None:
    _, vars_yaml, _, focus_file = broken_sample
    result = run_dbt(["build", "--select", "+fct_cost_lines", "--exclude-resource-type", "test",
                      "--exclude-resource-type", "unit_test",
                      "--vars", vars_yaml + "mlcost_on_unreadable_export: fail\n"],
                     tmp_path / "mlcost.duckdb", tmp_path)
    assert result.returncode != 0
    statuses = run_results(tmp_path)
    assert statuses["stg_focus__parquet_cost_lines"] == "error", statuses
    assert statuses["fct_cost_lines"] == "skipped", statuses
    assert str(focus_file) in result.stdout
