"""Check the project's conventions (README, Contributing) over dbt's manifest with dbt-bouncer.

Parses the project with `dbt parse` into target/conventions/, then runs the checks of
dbt-bouncer.yml on that manifest and prints one line per violation:

    <file>: <model or source>: <rule>: <what is wrong and what to do>

Exits 0 when every check passes, 1 on a violation, 2 when the project does not parse.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Violation:
    file_path: str
    resource: str
    rule: str
    description: str
    message: str

    def __str__(self) -> str:
        rule = f"{self.rule} ({self.description})" if self.description else self.rule
        return f"{self.file_path}: {self.resource}: {rule}: {self.message}"


def _without_description(message: str, description: str) -> str:
    """dbt-bouncer starts a failure message with the check's description: drop the echo."""
    prefix = f"{description}. - "
    return message[len(prefix):] if description and message.startswith(prefix) else message


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR,
                        help="dbt project to check (default: this repository)")
    parser.add_argument("--config-file", default="dbt-bouncer.yml",
                        help="dbt-bouncer config, relative to the project (default: %(default)s)")
    parser.add_argument("--skip-parse", action="store_true",
                        help="check the manifest already in the config's dbt_artifacts_dir")
    return parser.parse_args(argv)


def tool_path(name: str) -> str:
    """The console script `name` of this interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"error: `{name}` is not installed: run `make install` "
                 "(requirements.txt pins it).")
    return found


def every_source_present(project_dir: Path) -> str:
    """--vars naming a file for every export var that is empty by default: a source whose
    var is unset gets no freshness check (its sources file says so), and the conventions
    are those of a project that has every export."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    empty = [name for name, value in (project.get("vars") or {}).items()
             if name.startswith("mlcost_") and value == ""]
    return json.dumps({name: f"conventions-check/{name}" for name in empty})


def dbt_parse(project_dir: Path, artifacts_dir: Path) -> None:
    env = {**os.environ,
           "DBT_PROFILES_DIR": str(project_dir),
           # Parsing opens no database; :memory: keeps it from creating or locking a file.
           "MLCOST_DUCKDB_PATH": ":memory:",
           "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    command = [tool_path("dbt"), "parse", "--project-dir", str(project_dir),
               "--target-path", str(artifacts_dir), "--log-path", str(artifacts_dir),
               "--vars", every_source_present(project_dir)]
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stdout[-6000:], result.stderr[-2000:], sep="\n", file=sys.stderr)
        print("error: `dbt parse` failed (above): fix the project before its conventions "
              "can be checked.", file=sys.stderr)
        sys.exit(2)


def run_dbt_bouncer(project_dir: Path, config_file: str, output_file: Path) -> int:
    command = [tool_path("dbt-bouncer"), "run", "--config-file", config_file,
               "--output-file", str(output_file), "--output-format", "json"]
    env = {**os.environ, "COLUMNS": os.environ.get("COLUMNS", "160")}
    result = subprocess.run(command, cwd=project_dir, env=env, capture_output=True, text=True)
    if not output_file.exists():
        print(result.stdout[-6000:], result.stderr[-4000:], sep="\n", file=sys.stderr)
        print(f"error: dbt-bouncer did not run (above): check {config_file}.", file=sys.stderr)
        sys.exit(2)
    return result.returncode


def violations(results: list[dict[str, Any]], checks: list[dict[str, Any]]) -> list[Violation]:
    """Failed checks, each with its file, resource, rule and the rule's description."""
    found = []
    for result in results:
        if result.get("outcome") == "success":
            continue
        rule, index, resource = (str(result["check_run_id"]).split(":", 2) + ["", ""])[:3]
        unique_id = str(result.get("unique_id") or "")
        if unique_id.startswith("source."):
            resource = ".".join(unique_id.split(".")[2:])  # source.mlcost.aws_cur.x -> aws_cur.x
        description = ""
        if index.isdigit() and int(index) < len(checks):
            description = str(checks[int(index)].get("description") or "").rstrip(".")
        found.append(Violation(file_path=str(result.get("file_path") or ""),
                               resource=resource or unique_id,
                               rule=rule, description=description,
                               message=_without_description(
                                   str(result.get("failure_message") or "failed"), description)))
    return sorted(found, key=lambda v: (v.file_path, v.resource, v.rule))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    project_dir = args.project_dir.resolve()
    config = yaml.safe_load((project_dir / args.config_file).read_text())
    artifacts_dir = project_dir / config.get("dbt_artifacts_dir", "target")
    if not args.skip_parse:
        dbt_parse(project_dir, artifacts_dir)
    output_file = artifacts_dir / "dbt-bouncer.json"
    output_file.unlink(missing_ok=True)
    run_dbt_bouncer(project_dir, args.config_file, output_file)
    results = json.loads(output_file.read_text())
    found = violations(results, config.get("manifest_checks") or [])
    for violation in found:
        print(violation)
    checked = len(results)
    if found:
        print(f"\n{len(found)} convention violation(s) in {checked} checks "
              f"(rules: {args.config_file}).", file=sys.stderr)
        return 1
    print(f"conventions: {checked} checks passed ({args.config_file}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
