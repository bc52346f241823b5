"""The bad-input corpus (tests/bad_inputs/): every case ends in a clear error or in rows
that reach the marts or the quarantine with a reason, and nothing is lost silently.

One dbt build runs over all the quarantine/kept cases at once (each case owns its billing
account, source file or job id); the error cases run scripts/validate.py in-process, each on
its own file, since they stop the nightly run before dbt.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

import check_database
import validate
from bad_inputs.cases import FAULT_CASES, FORMAT_DIRS, Case, corpus, error_corpus
from build_support import run_dbt

CASES = corpus()
ERROR_CASES = error_corpus()
SHARE_TEST = "assert_quarantined_cost_share_within_limit"


@dataclass(frozen=True)
class CorpusBuild:
    database: Path
    results: dict[str, str]  # node name -> status
    output: str

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        import duckdb

        con = duckdb.connect(str(self.database), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


def write_corpus(root: Path) -> dict[str, str]:
    """Write every case's files; return the dbt vars pointing at them."""
    for folder, _, _ in FORMAT_DIRS.values():
        (root / folder).mkdir(parents=True, exist_ok=True)
    for case in CASES:
        folder = root if case.provider == "jobs" else root / FORMAT_DIRS[case.provider][0]
        case.write(folder, case)
    variables: dict = {var: str(root / folder / pattern)
                       for folder, var, pattern in FORMAT_DIRS.values()}
    for case in CASES:  # a mapping var (path fragment -> setting) gathers every case's keys
        for name, value in case.variables.items():
            if isinstance(value, dict):
                variables.setdefault(name, {}).update(value)
            else:
                variables[name] = value
    # Partitioned Azure export runs carry a manifest.json beside their part files.
    variables["mlcost_azure_export_manifests"] = str(
        root / FORMAT_DIRS["azure"][0] / "**" / "manifest.json")
    return variables


@pytest.fixture(scope="module")
def corpus_build(tmp_path_factory: pytest.TempPathFactory) -> CorpusBuild:
    work_dir = tmp_path_factory.mktemp("bad_inputs")
    variables = write_corpus(work_dir / "data")
    database = work_dir / "mlcost.duckdb"
    result = run_dbt(["build", "--vars", yaml.safe_dump(variables)], database, work_dir)
    run_results = json.loads((work_dir / "target" / "run_results.json").read_text())
    statuses = {entry["unique_id"].split(".")[2]: entry["status"]
                for entry in run_results["results"]}
    return CorpusBuild(database=database, results=statuses,
                       output=result.stdout[-6000:] + result.stderr[-2000:])


def test_corpus_has_at_least_twenty_cases() -> None:
    # Faults of the database (FAULT_CASES) are asserted in tests/test_database_health.py.
    assert len(CASES) + len(ERROR_CASES) + len(FAULT_CASES) >= 20
    names = [case.name for case in [*CASES, *ERROR_CASES, *FAULT_CASES]]
    assert len(names) == len(set(names))


def test_corpus_builds_and_only_the_expected_tests_fail(corpus_build: CorpusBuild) -> None:
    """Bad rows never break the build; too many of them fail the quarantine share test,
    and the cases that say so fail theirs (a file repeated within a delivery)."""
    failed = {name: status for name, status in corpus_build.results.items()
              if status not in ("success", "pass", "warn", "no-op")}
    expected = {SHARE_TEST} | {name for case in CASES for name in case.fails_tests}
    assert failed == dict.fromkeys(expected, "fail"), corpus_build.output
    assert "quarantined" in corpus_build.output or SHARE_TEST in corpus_build.output


def test_corpus_build_checkpoints_and_passes_the_database_check(
        corpus_build: CorpusBuild, capsys: pytest.CaptureFixture[str]) -> None:
    """The build ends with a CHECKPOINT (on-run-end) and leaves a database the nightly
    check passes: no write-ahead log, every mart readable, no failed write (the share
    test's failure is not one)."""
    assert corpus_build.results.get("mlcost-on-run-end-0") == "success", corpus_build.output
    exit_code = check_database.main([
        "--database", str(corpus_build.database),
        "--run-results", str(corpus_build.database.parent / "target" / "run_results.json")])
    captured = capsys.readouterr()
    assert exit_code == 0, captured.err + captured.out
    assert "healthy" in captured.out
DUPLICATE_TEST = "assert_delivery_files_not_duplicated"


def test_duplicate_file_failure_names_both_files(corpus_build: CorpusBuild) -> None:
    """The failing rows (kept in the test's audit table) name the repeated file and the
    file it repeats, for every case that repeats one."""
    rows = corpus_build.query(f"select duplicate_file, x_quarantine_reason "
                              f"from main_dbt_test__audit.{DUPLICATE_TEST}")
    cases = [case for case in CASES if DUPLICATE_TEST in case.fails_tests]
    assert len(rows) == len(cases), rows
    for case in cases:
        named = [(Path(copy).name, reason) for copy, reason in rows if f"/{case.name}" in copy]
        assert len(named) == 1, rows
        copy, reason = named[0]
        original = reason.removeprefix("duplicate file: same lines as ").split(" in ")[0]
        assert Path(original).name != copy and case.name in original, named


def test_run_summary_lists_superseded_deliveries(corpus_build: CorpusBuild) -> None:
    """`make run`'s summary says what newer deliveries replaced, per provider: the lines
    the cases supersede."""
    import summarize

    expected: dict[str, int] = {}
    for case in CASES:
        if case.superseded:
            expected[case.provider] = expected.get(case.provider, 0) + case.superseded
    assert expected, "the corpus should supersede some deliveries"
    output = subprocess.run(
        [sys.executable, summarize.__file__, "--database", str(corpus_build.database)],
        capture_output=True, text=True, check=True).stdout
    assert "superseded by a newer delivery of the same period" in output, output
    for provider, lines in expected.items():
        assert re.search(rf"^  {provider}: \d+ deliver(y|ies), {lines} lines, ", output,
                         re.MULTILINE), output


def _cost_lines(build: CorpusBuild, case: Case, table: str) -> tuple[int, Decimal]:
    count, cost = build.query(
        f"select count(*), coalesce(sum(billed_cost), 0) from main_marts.{table} "
        "where x_source_file like ?", [f"%/{case.name}%"])[0]
    return count, Decimal(cost)


def _superseded_lines(build: CorpusBuild, case: Case) -> tuple[int, Decimal]:
    count, cost = build.query(
        "select coalesce(sum(line_count), 0), coalesce(sum(billed_cost), 0) "
        "from main_marts.rpt_billing_deliveries "
        "where delivery_status = 'superseded' and source_files like ?",
        [f"%/{case.name}%"])[0]
    return count, Decimal(cost)


def _job_attempts(build: CorpusBuild, case: Case) -> tuple[int, int, list[str]]:
    kept = build.query("select count(*) from main_marts.fct_ml_job_attempt_costs "
                       "where job_id = ?", [case.name])[0][0]
    reasons = [row[0] for row in build.query(
        "select x_quarantine_reason from main_marts.fct_quarantined_ml_job_records "
        "where record_type = 'attempt' and x_source_file like ?", [f"%/{case.name}.csv"])]
    return kept, len(reasons), reasons


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_case_behaviour_and_nothing_lost(corpus_build: CorpusBuild, case: Case) -> None:
    if case.provider == "jobs":
        kept, quarantined, reasons = _job_attempts(corpus_build, case)
        assert kept + quarantined == case.lines_in, (kept, quarantined)
        assert quarantined == case.quarantined, reasons
        assert all(case.reason in reason for reason in reasons), reasons
    else:
        kept, kept_cost = _cost_lines(corpus_build, case, "fct_cost_lines")
        quarantined, quarantined_cost = _cost_lines(corpus_build, case,
                                                    "fct_quarantined_cost_lines")
        superseded, superseded_cost = _superseded_lines(corpus_build, case)
        # No silent loss: lines in = lines out + quarantined + superseded (a delivery a
        # newer one replaced, listed in rpt_billing_deliveries), and cost likewise (a cost
        # that does not parse is null in quarantine and not in cost_in).
        assert kept + quarantined + superseded == case.lines_in, (
            kept, quarantined, superseded, case.lines_in)
        assert kept_cost + quarantined_cost + superseded_cost == case.cost_in, (
            kept_cost, quarantined_cost, superseded_cost)
        assert quarantined == case.quarantined
        assert (superseded, superseded_cost) == (case.superseded, case.superseded_cost)
        if case.behaviour == "quarantine":
            reasons = [row[0] for row in corpus_build.query(
                "select x_quarantine_reason from main_marts.fct_quarantined_cost_lines "
                "where x_source_file like ?", [f"%/{case.name}%"])]
            assert reasons and all(case.reason in reason for reason in reasons), reasons
    if case.check is not None:
        case.check(corpus_build.query, case)


@pytest.mark.parametrize("case", ERROR_CASES, ids=[case.name for case in ERROR_CASES])
def test_error_case_stops_before_dbt_naming_file_and_column(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], case: Case) -> None:
    folder = tmp_path / "aws_cur"
    folder.mkdir()
    case.write(folder, case)
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text(yaml.safe_dump(
        {"mlcost_aws_cur_legacy_csv": str(folder / "*.csv*")}))
    exit_code = validate.main(["--stage", "raw", "--vars", str(vars_file),
                               "--docs-dir", str(tmp_path / "docs")])
    captured = capsys.readouterr()
    message = captured.err + captured.out
    assert exit_code != 0, message
    for expected in case.message:
        assert expected in message, message


def test_validation_writes_data_docs(tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    case = next(case for case in CASES if case.name == "aws_timestamp_offsets")
    folder = tmp_path / "aws_cur"
    folder.mkdir()
    case.write(folder, case)
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text(yaml.safe_dump({"mlcost_aws_cur_legacy_csv": str(folder / "*")}))
    assert validate.main(["--stage", "raw", "--vars", str(vars_file),
                          "--docs-dir", str(tmp_path / "docs")]) == 0, capsys.readouterr()
    assert (tmp_path / "docs" / "index.html").exists()


def test_readme_lists_every_case() -> None:
    readme = (Path(__file__).parent / "bad_inputs" / "README.md").read_text()
    missing = [case.name for case in [*CASES, *ERROR_CASES, *FAULT_CASES]
               if f"`{case.name}`" not in readme]
    assert not missing, f"add these cases to tests/bad_inputs/README.md: {missing}"
