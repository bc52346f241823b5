"""Shared fixtures: one small generated sample per test session."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# One built sample per session, shared by every test module: a fixture imported into
# several modules is a separate fixture (and a separate dbt build) in each.
from build_support import SHARED_FIXTURES, built_sample  # noqa: F401  (session fixture)
from real_fixtures_support import usable_build  # noqa: F401  (session fixture)

PROJECT_DIR = Path(__file__).resolve().parents[1]
GENERATOR = PROJECT_DIR / "scripts" / "generate_sample_data.py"
REAL_FIXTURES = SHARED_FIXTURES

# Small but complete: 35 days from Oct 10 give two billing periods and every scenario.
GENERATOR_ARGS = ["--seed", "42", "--start", "2026-10-10", "--days", "35", "--scale", "0.2"]


def run_generator(work_dir: Path, args: list[str], out: str = "sample"
                  ) -> subprocess.CompletedProcess:
    """Run the CLI in ``work_dir`` with a relative --out, as `make sample` does."""
    work_dir.mkdir(parents=True, exist_ok=True)
    return subprocess.run([sys.executable, str(GENERATOR), *args, "--out", out, "--quiet"],
                          cwd=work_dir, capture_output=True, text=True, check=False)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated sample (GENERATOR_ARGS) under <tmp>/sample; cwd for globs is <tmp>."""
    work_dir = tmp_path_factory.mktemp("generated")
    result = run_generator(work_dir, GENERATOR_ARGS)
    if result.returncode != 0:
        pytest.fail(f"generate_sample_data.py failed:\n{result.stdout}\n{result.stderr}")
    return work_dir / "sample"


def pytest_report_header() -> str:
    state = "present" if SHARED_FIXTURES.is_dir() else "absent: tests that read them skip"
    return f"real fixtures: {SHARED_FIXTURES} ({state})"
