"""`dbt source freshness` checks what is there and only that: a source whose var is unset
is not read (a glob of '' would read every file under the project), a source with no
time of its own delivery is not checked, and each checked source reports the newest time
in its files."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from build_support import BuiltProject, run_dbt


def freshness(built_sample: BuiltProject, work_dir: Path, vars_yaml: str) -> dict[str, dict]:
    result = run_dbt(["source", "freshness", "--vars", vars_yaml],
                     work_dir / "freshness.duckdb", work_dir)
    # Exit 1 is expected: the sample's dates are weeks old, so sources are stale.
    sources = work_dir / "target" / "sources.json"
    assert sources.exists(), result.stdout[-4000:]
    return {row["unique_id"].removeprefix("source.mlcost."): row
            for row in json.loads(sources.read_text())["results"]}


def loaded_at(row: dict) -> datetime:
    return datetime.fromisoformat(row["max_loaded_at"]).astimezone(timezone.utc)


def newest(sql: str) -> datetime:
    ((value,),) = duckdb.sql(sql).fetchall()
    return value.replace(tzinfo=timezone.utc)


def test_unset_sources_are_not_read_and_set_ones_report_their_newest_time(
        built_sample: BuiltProject, tmp_path: Path) -> None:
    vars_yaml = (built_sample.data_dir / "mlcost_vars.yml").read_text()
    assert "mlcost_focus" not in vars_yaml
    checked = freshness(built_sample, tmp_path / "default", vars_yaml)

    assert not [name for name in checked if name.startswith("focus.")]
    assert all(row["max_loaded_at"] and not row["max_loaded_at"].startswith("0001")
               for row in checked.values()), checked
    cur2 = next(line.split(":", 1)[1].strip().strip("'\"") for line in vars_yaml.splitlines()
                if line.startswith("mlcost_aws_cur2_parquet:"))
    assert loaded_at(checked["aws_cur.cur2_parquet"]) == newest(
        f"select max(line_item_usage_start_date) from read_parquet('{cur2}')")
    assert checked["aws_cur.export_files"]["status"] in ("pass", "warn", "error")
    assert "aws_cur.cur_legacy_manifests" not in checked


def test_a_set_focus_source_is_checked_on_its_own_files(
        built_sample: BuiltProject, tmp_path: Path) -> None:
    focus_vars = (built_sample.data_dir / "mlcost_vars_focus.yml").read_text()
    paths = {line.split(":", 1)[0]: line.split(":", 1)[1].strip().strip("'\"")
             for line in focus_vars.splitlines() if line.strip()}
    checked = freshness(built_sample, tmp_path / "focus",
                        (built_sample.data_dir / "mlcost_vars.yml").read_text() + focus_vars)

    assert loaded_at(checked["focus.focus_parquet"]) == newest(
        "select max(cast(\"ChargePeriodEnd\" as timestamp)) "
        f"from read_parquet('{paths['mlcost_focus_parquet']}')")
    newest_file = max(path.stat().st_mtime for name in ("mlcost_focus_csv",
                                                        "mlcost_focus_parquet")
                      for path in Path("/").glob(paths[name].lstrip("/")))
    assert loaded_at(checked["focus.export_files"]).timestamp() == pytest.approx(
        newest_file, abs=1)
