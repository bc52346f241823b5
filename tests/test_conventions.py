"""The lint of `make lint` catches each kind of convention violation, and the tree has none.

The project is copied (without .venv, target, data, logs and DuckDB files) to a temporary
folder; each case plants ONE violation in a copy of that copy and runs the check `make lint`
runs (SQLFluff, or `dbt parse` + dbt-bouncer through scripts/check_conventions.py), then
asserts the failure names the model and the rule. Failures the untouched copy already has are
left out of each case, so a case tests its own violation; the untouched copy passing is the
test that the real tree keeps the conventions. That the real tree passes SQLFluff is
`make lint` itself, which `make test` runs before pytest (linting the whole tree again here
took a minute). No network, no database: `dbt parse` only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Top-level folders that are not the project's source: outputs, data, environments.
NOT_COPIED_AT_ROOT = {".venv", ".git", "target", "data", "logs", "dbt_packages", ".pytest_cache"}


def _ignore(directory: str, names: list[str]) -> set[str]:
    ignored = {name for name in names
               if name == "__pycache__" or name.endswith((".duckdb", ".duckdb.wal"))}
    if Path(directory).resolve() == PROJECT_DIR:
        ignored |= NOT_COPIED_AT_ROOT & set(names)
        # Further environments beside .venv (git-ignored as .venv-*/).
        ignored |= {name for name in names if name.startswith(".venv-")}
    return ignored


def _env() -> dict[str, str]:
    return {**os.environ, "MLCOST_DUCKDB_PATH": ":memory:",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1"}


@dataclass(frozen=True)
class ConventionsRun:
    returncode: int
    output: str
    failures: frozenset[tuple[str, str]]  # (model or source, rule)


@dataclass(frozen=True)
class SqlfluffRun:
    returncode: int
    output: str
    failures: frozenset[tuple[str, str]]  # (file, "CODE rule.name")


def run_conventions(project: Path) -> ConventionsRun:
    """scripts/check_conventions.py on `project`: dbt parse, then dbt-bouncer."""
    result = subprocess.run(
        [sys.executable, str(project / "scripts" / "check_conventions.py"),
         "--project-dir", str(project)],
        cwd=project, env=_env(), capture_output=True, text=True)
    report = project / "target" / "conventions" / "dbt-bouncer.json"
    assert result.returncode in (0, 1) and report.exists(), (
        f"the conventions check did not run:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    failures = set()
    for check in json.loads(report.read_text()):
        if check["outcome"] != "success":
            rule, _, resource = check["check_run_id"].split(":", 2)
            if check["unique_id"].startswith("source."):
                resource = ".".join(check["unique_id"].split(".")[2:])
            failures.add((resource, rule))
    return ConventionsRun(result.returncode, result.stdout + result.stderr, frozenset(failures))


def run_sqlfluff(project: Path, paths: list[str]) -> SqlfluffRun:
    """`sqlfluff lint` with the project's .sqlfluff, as `make lint` runs it."""
    result = subprocess.run(
        [str(Path(sys.executable).with_name("sqlfluff")), "lint", *paths, "--format", "json"],
        cwd=project, env=_env(), capture_output=True, text=True)
    assert result.returncode in (0, 1), (
        f"sqlfluff did not run:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    failures = set()
    for linted in json.loads(result.stdout):
        for violation in linted["violations"]:
            failures.add((Path(linted["filepath"]).as_posix(),
                          f"{violation['code']} {violation.get('name', '')}".strip()))
    return SqlfluffRun(result.returncode, result.stdout + result.stderr, frozenset(failures))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project's source, parsed once (later copies parse partially from it)."""
    copy = tmp_path_factory.mktemp("conventions") / "mlcost"
    shutil.copytree(PROJECT_DIR, copy, ignore=_ignore)
    return copy


@pytest.fixture(scope="module")
def pristine_conventions(pristine: Path) -> ConventionsRun:
    return run_conventions(pristine)


def test_real_tree_passes_conventions(pristine_conventions: ConventionsRun) -> None:
    assert pristine_conventions.returncode == 0 and not pristine_conventions.failures, (
        f"convention violations (dbt-bouncer.yml):\n{pristine_conventions.output}")


# --- One planted violation per case -----------------------------------------------------------

MART_SQL = """with cost_lines as (

    select * from {{ ref('fct_cost_lines') }}

),

final as (

    select
        x_line_key,
        billed_cost
    from cost_lines

)

select * from final
"""

LINES_SQL = """select * from {{ ref('int_cost_lines_unioned') }}
"""


def _models_yml(*models: str) -> str:
    return "version: 2\n\nmodels:\n" + "".join(models)


def _model(name: str, *, description: str | None = "Planted by tests/test_conventions.py.",
           key: str = "x_line_key", key_tests: str = "[unique, not_null]",
           config: str = "", extra_columns: str = "") -> str:
    described = f"    description: {description}\n" if description else ""
    return (f"  - name: {name}\n{described}{config}    columns:\n"
            f"      - name: {key}\n        description: The key.\n"
            f"        data_tests: {key_tests}\n{extra_columns}")


PUBLIC_CONTRACT = ("    config:\n      access: public\n      contract:\n"
                   "        enforced: true\n")
PUBLIC_NO_CONTRACT = "    config:\n      access: public\n"
TYPED_KEY = "        data_type: varchar\n"


def _mart_model(*, config: str, cost_description: str | None) -> str:
    described = f"        description: {cost_description}\n" if cost_description else ""
    return ("  - name: fct_planted_lines\n    description: Planted by tests/test_conventions.py.\n"
            f"{config}    columns:\n"
            f"      - name: x_line_key\n{TYPED_KEY}        description: The key.\n"
            "        data_tests: [unique, not_null]\n"
            f"      - name: billed_cost\n        data_type: decimal(38,10)\n{described}")


@dataclass(frozen=True)
class Plant:
    id: str
    files: dict[str, str]
    # (model or source, rule) that must fail, and nothing else that the untouched tree passes.
    expected: frozenset[tuple[str, str]] = field(default_factory=frozenset)


PLANTS = [
    Plant("stg_model_in_intermediate", {
        "models/intermediate/planted/stg_planted__misplaced.sql": LINES_SQL,
        "models/intermediate/planted/_planted__models.yml":
            _models_yml(_model("stg_planted__misplaced")),
    }, frozenset({("stg_planted__misplaced", "check_model_names")})),
    Plant("int_model_reads_source", {
        "models/intermediate/planted/int_planted_jobs_read.sql":
            "select * from {{ source('ml_jobs', 'jobs') }}\n",
        "models/intermediate/planted/_planted__models.yml":
            _models_yml(_model("int_planted_jobs_read", key="job_id")),
    }, frozenset({
        ("int_planted_jobs_read", "check_lineage_source_cannot_be_used"),
        # The same read, seen from the source: it now feeds two models, one outside staging.
        ("ml_jobs.jobs", "check_source_used_by_only_one_model"),
        ("ml_jobs.jobs", "check_source_used_by_models_in_same_directory"),
    })),
    Plant("staging_model_reads_staging_model", {
        "models/staging/planted/stg_planted__jobs_copied.sql":
            "select * from {{ ref('stg_ml_jobs__jobs') }}\n",
        "models/staging/planted/_planted__models.yml":
            _models_yml(_model("stg_planted__jobs_copied", key="job_id")),
    }, frozenset({("stg_planted__jobs_copied", "check_lineage_permitted_upstream_models")})),
    Plant("model_without_description", {
        "models/intermediate/planted/int_planted_lines_copied.sql": LINES_SQL,
        "models/intermediate/planted/_planted__models.yml":
            _models_yml(_model("int_planted_lines_copied", description=None)),
    }, frozenset({("int_planted_lines_copied", "check_model_description_populated")})),
    Plant("model_without_primary_key_test", {
        "models/intermediate/planted/int_planted_lines_copied.sql": LINES_SQL,
        "models/intermediate/planted/_planted__models.yml":
            _models_yml(_model("int_planted_lines_copied", key_tests="[not_null]")),
    }, frozenset({("int_planted_lines_copied", "check_model_has_primary_key_test")})),
    Plant("undocumented_mart_column", {
        "models/marts/planted/fct_planted_lines.sql": MART_SQL,
        "models/marts/planted/_planted__models.yml":
            _models_yml(_mart_model(config=PUBLIC_CONTRACT, cost_description=None)),
    }, frozenset({("fct_planted_lines", "check_model_column_description_populated")})),
    Plant("public_mart_without_enforced_contract", {
        "models/marts/planted/fct_planted_lines.sql": MART_SQL,
        "models/marts/planted/_planted__models.yml":
            _models_yml(_mart_model(config=PUBLIC_NO_CONTRACT, cost_description="Cost.")),
    }, frozenset({("fct_planted_lines", "check_model_contract_enforced_for_public_model")})),
]


def _planted_copy(pristine: Path, tmp_path: Path, files: dict[str, str]) -> Path:
    copy = tmp_path / "mlcost"
    copy.parent.mkdir(parents=True, exist_ok=True)
    # The pristine copy's target/conventions comes along, so dbt parses only what changed.
    shutil.copytree(pristine, copy)
    for relative, text in files.items():
        (copy / relative).parent.mkdir(parents=True, exist_ok=True)
        (copy / relative).write_text(text)
    return copy


@pytest.fixture(scope="module")
def planted_runs(pristine: Path, pristine_conventions: ConventionsRun,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Future]]:
    """Every case's check, two at a time (a dbt parse is one core's work; we have two)."""
    planted_dir = tmp_path_factory.mktemp("planted")
    with ThreadPoolExecutor(max_workers=2) as pool:
        yield {plant.id: pool.submit(
                   lambda plant=plant: run_conventions(
                       _planted_copy(pristine, planted_dir / plant.id, plant.files)))
               for plant in PLANTS}


@pytest.mark.parametrize("plant", PLANTS, ids=[plant.id for plant in PLANTS])
def test_conventions_catch_planted_violation(plant: Plant,
                                             pristine_conventions: ConventionsRun,
                                             planted_runs: dict[str, Future]) -> None:
    run: ConventionsRun = planted_runs[plant.id].result()

    assert run.returncode == 1, f"the violation passed:\n{run.output}"
    assert run.failures - pristine_conventions.failures == plant.expected, run.output
    for resource, rule in plant.expected:
        # What `make lint` prints names both: "<file>: <resource>: <rule> (...): <message>".
        assert any(f": {resource}: {rule}" in line for line in run.output.splitlines()), (
            f"no line names {resource} and {rule}:\n{run.output}")


def test_sqlfluff_catches_uppercase_keywords(pristine: Path, tmp_path: Path) -> None:
    planted = "models/intermediate/planted/int_planted_shouted.sql"
    copy = _planted_copy(pristine, tmp_path, {planted: (
        "with cost_lines as (\n\n"
        "    SELECT * FROM {{ ref('int_cost_lines_unioned') }}\n\n"
        ")\n\n"
        "select * from cost_lines\n")})

    run = run_sqlfluff(copy, [planted])

    assert run.returncode == 1, f"the uppercase keywords passed:\n{run.output}"
    assert run.failures == {(planted, "CP01 capitalisation.keywords")}, run.output
