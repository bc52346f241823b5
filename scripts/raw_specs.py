"""The raw export specs of the dbt project (macros/specs/), as the validator uses them.

dbt is the one source: `dbt run-operation print_raw_export_specs` prints, per raw export
var, the column spec staging reads it with (canonical names, types, required flags,
delivered spellings), the SQL staging parses each type with (macro safe_cast_to, which
calls parse_utc_timestamp for timestamps) and staging's quarantine reason per spec (macro
quarantine_reason: a required value missing, a typed value that does not parse). Starting
dbt takes seconds, so the output is cached in target/mlcost_raw_specs.json under a hash of
the macros, dbt_project.yml and profiles.yml, and regenerated when any of them changed: a
column added to a spec reaches the validator on its next run, without editing Python.

    python scripts/raw_specs.py            # print the specs (regenerated when stale)
    python scripts/raw_specs.py --refresh  # ask dbt again
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
CACHE_NAME = "mlcost_raw_specs.json"
MARKER = "MLCOST_RAW_SPECS "
# What the printed specs depend on: every macro (specs, casts, the timestamp parser), the
# project's vars and the profile (the adapter the casts are rendered for).
KEY_GLOBS = ("macros/**/*.sql", "dbt_project.yml", "profiles.yml")


class SpecsUnavailable(Exception):
    """dbt could not print the specs: the validator cannot know what to check."""


@dataclass(frozen=True)
class RawFormat:
    """One raw export var as staging reads it: its spec's columns (canonical name ->
    delivered spellings, matched ignoring case), types and required columns."""

    var_name: str
    reader: str  # csv, csv_lax (strict_mode off), parquet, gcp_json
    spec: str  # the macro in macros/specs/ that lists the columns
    columns: dict[str, list[str]]
    types: dict[str, str]
    required: list[str]


@dataclass(frozen=True)
class RawSpecs:
    formats: list[RawFormat]
    parsers: dict[str, str]  # spec type -> SQL with `value_token` where the value goes
    value_token: str
    # spec macro -> staging's quarantine reason over a relation `raw_file` of its columns
    row_checks: dict[str, str]

    def parse_sql(self, type_name: str, expression: str) -> str:
        """The SQL staging types `expression` with (None for text columns)."""
        template = self.parsers.get(type_name)
        return None if template is None else template.replace(self.value_token, expression)


def spec_key(project_dir: Path = PROJECT_DIR) -> str:
    """A hash of every file the printed specs depend on (paths and contents)."""
    digest = hashlib.sha256()
    paths = sorted({path for pattern in KEY_GLOBS for path in project_dir.glob(pattern)})
    for path in paths:
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def export_specs(project_dir: Path = PROJECT_DIR) -> dict[str, Any]:
    """Run the dbt operation (in a subprocess: dbt's flags, logging and env stay out of the
    caller) with an in-memory database, so it needs no data and locks no DuckDB file."""
    work_dir = project_dir / "target" / "raw_specs"
    env = {**os.environ, "DBT_PROFILES_DIR": str(project_dir),
           "MLCOST_DUCKDB_PATH": ":memory:", "MLCOST_EXPORT_READ_CHECK": "off",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt) if dbt.exists() else "dbt", "--quiet", "run-operation",
               "print_raw_export_specs", "--project-dir", str(project_dir),
               "--target-path", str(work_dir), "--log-path", str(work_dir / "logs")]
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True,
                            text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.startswith(MARKER)]
    if result.returncode != 0 or not lines:
        output = (result.stdout + result.stderr).strip()[-2000:]
        raise SpecsUnavailable(
            "`dbt run-operation print_raw_export_specs` failed, so the raw export specs "
            f"(macros/specs/) are unknown. Fix the dbt project, then re-run:\n{output}")
    return json.loads(lines[-1][len(MARKER):])


def load_payload(project_dir: Path = PROJECT_DIR, cache: Path | None = None
                 ) -> dict[str, Any]:
    """The printed specs, from the cache when its key matches, else from dbt (and cached)."""
    cache = cache or project_dir / "target" / CACHE_NAME
    key = spec_key(project_dir)
    try:
        cached = json.loads(cache.read_text())
        if cached.get("key") == key:
            return cached
    except (OSError, ValueError):
        pass
    payload = {**export_specs(project_dir), "key": key}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(payload))
        os.replace(partial, cache)  # atomic: a concurrent reader sees the old or new file
    except OSError as error:  # a read-only checkout: use the specs, uncached
        print(f"mlcost: specs not cached ({error})", file=sys.stderr)
    return payload


def raw_specs(project_dir: Path = PROJECT_DIR, cache: Path | None = None) -> RawSpecs:
    payload = load_payload(project_dir, cache)
    formats = [
        RawFormat(
            var_name=entry["var"], reader=entry["reader"], spec=entry["spec"],
            columns={column["name"]: list(column.get("aliases") or [])
                     for column in entry["columns"]},
            types={column["name"]: column["type"] for column in entry["columns"]},
            required=[column["name"] for column in entry["columns"]
                      if column.get("required")])
        for entry in payload["formats"]]
    return RawSpecs(formats=formats, parsers=payload["parsers"],
                    value_token=payload["value_token"], row_checks=payload["row_checks"])


def swap_day_month(sql: str) -> str:
    """The same parse with day and month swapped in its slashed formats (`%m/%d/%Y` <->
    `%d/%m/%Y`): staging decides a file's order, the validator accepts either."""
    return re.sub(r"%([md])/%([md])", lambda match: f"%{match[2]}/%{match[1]}", sql)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print the raw export specs the validator uses (from the dbt macros, "
                    f"cached in target/{CACHE_NAME}).")
    parser.add_argument("--refresh", action="store_true",
                        help="ask dbt again even when the cache is fresh")
    args = parser.parse_args(argv)
    if args.refresh:
        (PROJECT_DIR / "target" / CACHE_NAME).unlink(missing_ok=True)
    try:
        print(json.dumps(load_payload(), indent=2))
    except SpecsUnavailable as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
