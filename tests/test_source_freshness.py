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


def freshness(work_dir: Path, vars_yaml: str) -> dict[str, dict]:
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


@pytest.fixture(scope="module")
def checked(built_sample: BuiltProject, tmp_path_factory: pytest.TempPathFactory
            ) -> dict[str, dict]:
    """One freshness run over the sample's exports plus its FOCUS files; the sample has
    no GCP standard or flat CSV export and no Azure export manifests."""
    vars_yaml = ((built_sample.data_dir / "mlcost_vars.yml").read_text()
                 + (built_sample.data_dir / "mlcost_vars_focus.yml").read_text())
    assert "mlcost_gcp_billing_standard" not in vars_yaml
    assert "mlcost_aws_cur_legacy_manifests" in vars_yaml
    return freshness(tmp_path_factory.mktemp("freshness"), vars_yaml)


def var_value(built_sample: BuiltProject, file_name: str, name: str) -> str:
    lines = (built_sample.data_dir / file_name).read_text().splitlines()
    return next(line.split(":", 1)[1].strip().strip("'\"") for line in lines
                if line.startswith(f"{name}:"))


def test_unset_sources_are_not_read_and_none_reads_stale_from_nothing(
        checked: dict[str, dict]) -> None:
    for absent in ("gcp_billing.billing_export_standard", "gcp_billing.billing_export_flat_csv",
                   "azure_cost.export_manifests"):
        assert absent not in checked
    # Set, but a manifest holds no delivery time of its own.
    assert "aws_cur.cur_legacy_manifests" not in checked
    assert all(row["max_loaded_at"] and not row["max_loaded_at"].startswith("0001")
               for row in checked.values()), checked


def test_set_sources_report_the_newest_time_in_their_files(
        checked: dict[str, dict], built_sample: BuiltProject) -> None:
    cur2 = var_value(built_sample, "mlcost_vars.yml", "mlcost_aws_cur2_parquet")
    assert loaded_at(checked["aws_cur.cur2_parquet"]) == newest(
        f"select max(line_item_usage_start_date) from read_parquet('{cur2}')")
    focus_parquet = var_value(built_sample, "mlcost_vars_focus.yml", "mlcost_focus_parquet")
    assert loaded_at(checked["focus.focus_parquet"]) == newest(
        "select max(cast(\"ChargePeriodEnd\" as timestamp)) "
        f"from read_parquet('{focus_parquet}')")
    newest_file = max(
        path.stat().st_mtime for name in ("mlcost_focus_csv", "mlcost_focus_parquet")
        for path in Path("/").glob(
            var_value(built_sample, "mlcost_vars_focus.yml", name).lstrip("/")))
    assert loaded_at(checked["focus.export_files"]).timestamp() == pytest.approx(
        newest_file, abs=1)
