"""FOCUS staging on the generator's FOCUS exports recovers the ground truth.

The generator writes the same simulated charges as FOCUS exports (AWS Data Exports parquet,
an Azure FOCUS cost export run, GCP's FOCUS view saved as gzip CSV) with the quirks real
files carry. Built with `mlcost_vars_focus.yml` alone, the unified table must hold each
provider's invoice (BilledCost) and amortized (EffectiveCost) totals per billing period, as
truth.json computes them from the simulation, with nothing quarantined and the quirks parsed.
The same holds for the FOCUS 1.0 and 1.1 CSV exports (`mlcost_vars_focus_older.yml`), built
with every data test, their spellings normalized and their one planted bad value quarantined.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
from collections import defaultdict
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from build_support import (BuiltProject, build_cost_lines, build_project, generate_sample,
                           run_dbt)

CENT = 0.01


@pytest.fixture(scope="module")
def focus_build(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    work_dir = tmp_path_factory.mktemp("focus_export")
    data_dir = work_dir / "data"
    generate_sample(data_dir)
    return build_cost_lines(data_dir, work_dir, (data_dir / "mlcost_vars_focus.yml").read_text(),
                            "the FOCUS sample")


def read_focus_csv(path: Path) -> list[dict[str, str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_default_vars_do_not_read_the_focus_files(focus_build: BuiltProject) -> None:
    default_vars = (focus_build.data_dir / "mlcost_vars.yml").read_text()
    focus_dir = (focus_build.data_dir / "focus").as_posix()
    assert "mlcost_focus" not in default_vars and focus_dir not in default_vars
    focus_vars = (focus_build.data_dir / "mlcost_vars_focus.yml").read_text()
    assert set(line.split(":")[0] for line in focus_vars.splitlines()) == {
        "mlcost_focus_csv", "mlcost_focus_parquet"}


def test_every_provider_arrives_from_its_focus_file(focus_build: BuiltProject) -> None:
    rows = dict(focus_build.query("""
        select x_provider, string_agg(distinct x_source_format, ',')
        from main_marts.fct_cost_lines group by 1"""))
    assert rows == {"aws": "focus_parquet", "gcp": "focus_csv", "azure": "focus_csv"}


def assert_costs_equal_truth(build: BuiltProject, column: str) -> dict:
    """`column` summed per provider and billing period equals the planted truth to the
    cent, period for period; returns the truth."""
    built = {(provider, period): float(cost) for provider, period, cost in build.query(f"""
        select x_provider, strftime(billing_period_start, '%Y-%m'), sum({column})
        from main_marts.fct_cost_lines group by 1, 2""")}
    truth = {(row["provider"], row["billing_period"]): row[column]
             for row in build.truth["billing_totals"]}
    assert set(built) == set(truth)
    for key, expected in truth.items():
        assert built[key] == pytest.approx(expected, abs=CENT), key
    return truth


@pytest.mark.parametrize("column", ["billed_cost", "effective_cost"])
def test_costs_per_provider_and_period_equal_truth(focus_build: BuiltProject,
                                                   column: str) -> None:
    truth = assert_costs_equal_truth(focus_build, column)
    assert len({period for _, period in truth}) >= 2


def test_nothing_is_quarantined(focus_build: BuiltProject) -> None:
    rows = focus_build.query("""
        select x_source_file, x_quarantine_reason, count(*)
        from main_marts.fct_quarantined_cost_lines group by all""")
    assert rows == []


def test_literal_null_strings_are_nulls(focus_build: BuiltProject) -> None:
    gcp_files = sorted((focus_build.data_dir / "focus" / "gcp").rglob("*.csv.gz"))
    raw = [row for path in gcp_files for row in read_focus_csv(path)]
    assert sum(row["CommitmentDiscountId"] == "NULL" for row in raw) > 0, \
        "the GCP FOCUS file should plant literal NULL strings"
    columns = ["commitment_discount_id", "availability_zone", "resource_id", "tags",
               "charge_class", "pricing_category", "region_id"]
    leaked = focus_build.query(
        "select count(*) from main_marts.fct_cost_lines where x_provider = 'gcp' and ("
        + " or ".join(f"upper({column}) = 'NULL'" for column in columns) + ")")[0][0]
    assert leaked == 0
    nulls = focus_build.query("""
        select count(*) from main_marts.fct_cost_lines
        where x_provider = 'gcp' and commitment_discount_id is null""")[0][0]
    assert nulls == sum(row["CommitmentDiscountId"] == "NULL" for row in raw)


def test_timestamps_without_t_or_zone_land_on_their_utc_day(focus_build: BuiltProject) -> None:
    """The GCP file writes `2026-10-20 13:00:00`: UTC, whatever the database's time zone."""
    gcp_files = sorted((focus_build.data_dir / "focus" / "gcp").rglob("*.csv.gz"))
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for path in gcp_files:
        for row in read_focus_csv(path):
            assert "T" not in row["ChargePeriodStart"] and "Z" not in row["ChargePeriodStart"]
            hour = datetime.strptime(row["ChargePeriodStart"], "%Y-%m-%d %H:%M:%S")
            expected[hour.strftime("%Y-%m-%d %H")] += Decimal(row["BilledCost"])
    built = {hour: cost for hour, cost in focus_build.query("""
        select strftime(charge_period_start, '%Y-%m-%d %H'), sum(billed_cost)
        from main_marts.fct_cost_lines where x_provider = 'gcp' group by 1""")}
    assert set(built) == set(expected)
    for hour, cost in expected.items():
        assert abs(built[hour] - cost) <= Decimal("0.000001"), hour
    window = focus_build.truth["window"]
    low, high = focus_build.query("""
        select min(charge_period_start), max(charge_period_start)
        from main_marts.fct_cost_lines where x_provider = 'gcp'
            and charge_category = 'Usage'""")[0]
    start = datetime.fromisoformat(window["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(window["end"].replace("Z", "+00:00"))
    assert start <= low.replace(tzinfo=timezone.utc) and high.replace(tzinfo=timezone.utc) < end


def test_tag_key_with_a_stray_space_is_normalized(focus_build: BuiltProject) -> None:
    azure_files = sorted((focus_build.data_dir / "focus" / "azure").rglob("part_*.csv"))
    raw = [row for path in azure_files for row in read_focus_csv(path)]
    spaced = [row for row in raw if row["Tags"] and "team " in json.loads(row["Tags"])]
    assert spaced, "the Azure FOCUS file should plant a tag key with a stray space"
    resources = {row["ResourceId"] for row in spaced}
    assert len(resources) == 1
    resource = resources.pop()
    teams = {json.loads(row["Tags"])["team "] for row in spaced}
    rows = focus_build.query("""
        select distinct x_tag_team, json_extract_string(tags, '$."team "') is not null
        from main_marts.fct_cost_lines where resource_id = ?""", [resource])
    assert rows == [(team, True) for team in teams]


def test_commitments_and_spot_keep_their_focus_categories(focus_build: BuiltProject) -> None:
    rows = dict(((provider, category), count) for provider, category, count in focus_build.query("""
        select x_provider, pricing_category, count(*) from main_marts.fct_cost_lines
        where charge_category = 'Usage' group by 1, 2"""))
    for provider in ("aws", "gcp", "azure"):
        assert rows.get((provider, "Committed"), 0) > 0, provider
    assert rows.get(("aws", "Dynamic"), 0) > 0
    categories = {row[0] for row in focus_build.query(
        "select distinct charge_category from main_marts.fct_cost_lines")}
    assert {"Usage", "Purchase", "Tax", "Credit"} <= categories


@pytest.fixture(scope="module")
def redelivered_build(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    """The Azure FOCUS export of each period delivered twice: the first run's figures are
    stale (every cost doubled) and written earlier; the newer run is the generator's."""
    work_dir = tmp_path_factory.mktemp("focus_redelivered")
    data_dir = work_dir / "data"
    generate_sample(data_dir)
    runs = sorted(path.parent for path in (data_dir / "focus" / "azure").rglob("part_*.csv"))
    assert runs, "the generator should write Azure FOCUS runs"
    for run in runs:
        stale = run.parent / f"00000000-stale-{run.name}"
        stale.mkdir()
        for part in sorted(run.glob("part_*.csv")):
            rows = read_focus_csv(part)
            for row in rows:
                for column in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost"):
                    if row[column]:
                        row[column] = str(Decimal(row[column]) * 2)
            with open(stale / part.name, "w", encoding="utf-8", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
                writer.writeheader()
                writer.writerows(rows)
            earlier = part.stat().st_mtime - 86_400
            os.utime(stale / part.name, (earlier, earlier))
    return build_cost_lines(data_dir, work_dir, (data_dir / "mlcost_vars_focus.yml").read_text(),
                            "the re-delivered FOCUS sample")


def test_a_redelivered_period_counts_from_its_newest_run(redelivered_build: BuiltProject) -> None:
    built = {period: (float(billed), float(effective), files)
             for period, billed, effective, files in redelivered_build.query("""
        select strftime(billing_period_start, '%Y-%m'), sum(billed_cost), sum(effective_cost),
            count(distinct x_source_file) filter (where x_source_file like '%-stale-%')
        from main_marts.fct_cost_lines where x_provider = 'azure' group by 1""")}
    truth = {row["billing_period"]: row for row in redelivered_build.truth["billing_totals"]
             if row["provider"] == "azure"}
    assert set(built) == set(truth)
    for period, row in truth.items():
        billed, effective, stale_files = built[period]
        assert stale_files == 0, period
        assert billed == pytest.approx(row["billed_cost"], abs=CENT), period
        assert effective == pytest.approx(row["effective_cost"], abs=CENT), period


# FOCUS 1.0 and 1.1 exports: the same charges as CSV in the FOCUS sample data's shape
# (scripts/sample_data/SCHEMAS_focus.md), built with every model and every data test.
SPEC_VALUES = {
    "ChargeCategory": ["Usage", "Purchase", "Tax", "Credit", "Adjustment"],
    "ChargeFrequency": ["One-Time", "Recurring", "Usage-Based"],
    "CommitmentDiscountStatus": ["Used", "Unused"],
}
PROVIDER_OF = {"AWS": "aws", "Microsoft": "azure", "Google Cloud": "gcp"}


def spec_spelling(column: str, value: str) -> str | None:
    """The spec's spelling of a delivered value, by case-insensitive match (else None)."""
    folded = value.lower().replace("-", "").replace(" ", "").replace("_", "")
    return next((spelled for spelled in SPEC_VALUES[column]
                 if spelled.lower().replace("-", "") == folded), None)


@pytest.fixture(scope="module")
def older_build(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    work_dir = tmp_path_factory.mktemp("focus_older")
    data_dir = work_dir / "data"
    generate_sample(data_dir)
    result = build_project(work_dir, (data_dir / "mlcost_vars_focus_older.yml").read_text())
    if result.returncode != 0:
        pytest.fail(f"dbt build failed on the FOCUS 1.0/1.1 sample:\n{result.stdout[-8000:]}")
    return BuiltProject(data_dir=data_dir, database=work_dir / "mlcost.duckdb",
                        truth=json.loads((data_dir / "truth.json").read_text()),
                        dbt_output=result.stdout)


def older_rows(built: BuiltProject) -> list[dict[str, str]]:
    return [row for name in built.truth["focus_older_versions"]["files"]
            for row in read_focus_csv(built.data_dir / name)]


def test_older_versions_build_with_their_data_tests(older_build: BuiltProject) -> None:
    tests_run = re.search(r"(\d+) data tests", older_build.dbt_output)
    assert tests_run and int(tests_run.group(1)) > 100
    assert re.search(r"\bERROR=0\b", older_build.dbt_output)
    files = older_build.truth["focus_older_versions"]["files"]
    assert {name.split("/")[1] for name in files} == {"focus-1.0", "focus-1.1"}
    raw = (older_build.data_dir / files[0]).read_text(encoding="utf-8")
    assert ',NULL,' in raw and '""' in raw and "T00:" not in raw and '"Id"' in raw


@pytest.mark.parametrize("column", ["billed_cost", "effective_cost"])
def test_older_versions_recover_costs_per_provider_and_period(older_build: BuiltProject,
                                                              column: str) -> None:
    assert_costs_equal_truth(older_build, column)


def test_older_versions_are_detected_per_file(older_build: BuiltProject) -> None:
    built = dict(older_build.query("""
        select x_provider, string_agg(distinct x_focus_version, ',')
        from main_marts.fct_cost_lines group by 1"""))
    assert built == older_build.truth["focus_older_versions"]["versions"]
    lacking = older_build.query("""
        select count(*) filter (where billing_account_type is not null),
            count(*) filter (where pricing_currency is distinct from billing_currency),
            count(*) filter (where pricing_currency_effective_cost != effective_cost)
        from main_marts.fct_cost_lines""")[0]
    assert lacking == (0, 0, 0)


def test_older_enumeration_spellings_are_normalized(older_build: BuiltProject) -> None:
    """Counts per provider and spec spelling equal the files' rows matched ignoring case;
    the files do use other spellings."""
    planted = older_build.truth["focus_older_versions"]["unmappable"]
    expected: dict[tuple, int] = defaultdict(int)
    respelled = 0
    for row in older_rows(older_build):
        if row["ChargeCategory"] == "Refund":
            continue
        values = []
        for column in SPEC_VALUES:
            value = row[column]
            if value == "NULL":
                values.append(None)
                continue
            spelled = spec_spelling(column, value)
            assert spelled is not None, (column, value)
            respelled += spelled != value
            values.append(spelled)
        expected[(PROVIDER_OF[row["ProviderName"]], *values)] += 1
    assert respelled > 1000
    built = {tuple(key): count for *key, count in older_build.query("""
        select x_provider, charge_category, charge_frequency, commitment_discount_status,
            count(*)
        from main_marts.fct_cost_lines group by 1, 2, 3, 4""")}
    assert built == dict(expected)
    assert planted["reason"] == "unknown charge_category: Refund"


def test_an_unmappable_value_is_quarantined_not_a_failed_build(
        older_build: BuiltProject) -> None:
    planted = older_build.truth["focus_older_versions"]["unmappable"]
    rows = older_build.query("""
        select x_provider, x_quarantine_reason, x_source_file, billed_cost
        from main_marts.fct_quarantined_cost_lines""")
    assert len(rows) == 1
    provider, reason, source_file, billed = rows[0]
    assert (provider, reason) == (planted["provider"], planted["reason"])
    assert source_file.endswith(planted["file"])
    assert float(billed) == pytest.approx(planted["billed_cost"], abs=1e-9)


def test_older_spaced_tag_keys_are_normalized(older_build: BuiltProject) -> None:
    resource = older_build.truth["focus_older_versions"]["spaced_tag_resource"]
    spaced = {json.loads(row["Tags"])[" team"] for row in older_rows(older_build)
              if row["ResourceId"] == resource and row["Tags"] != "NULL"}
    assert spaced, "the 1.0 file should plant the ` team` tag key"
    built = {team for (team,) in older_build.query("""
        select distinct x_tag_team from main_marts.fct_cost_lines
        where resource_id = ? and tags is not null""", [resource])}
    assert built == spaced
    centers = defaultdict(set)
    for row in older_rows(older_build):
        if row["ProviderName"] == "Microsoft" and row["Tags"] != "NULL":
            tags = json.loads(row["Tags"])
            if "Cost Center" in tags:
                centers[row["ResourceId"]].add(tags["Cost Center"])
    assert centers, "the 1.0 file should plant the `Cost Center` tag key"
    built_centers = defaultdict(set)
    for resource_id, center in older_build.query("""
            select resource_id, x_tag_cost_center from main_marts.fct_cost_lines
            where x_provider = 'azure' and tags like '%Cost Center%'"""):
        built_centers[resource_id].add(center)
    assert built_centers == centers


@pytest.mark.parametrize("fixture", ["focus_build", "older_build"])
def test_generated_focus_exports_conform_to_their_focus_version(
        request: pytest.FixtureRequest, fixture: str) -> None:
    """The exports a provider would deliver break no rule of the spec: every rule the report
    runs finds no line against it, on every provider (older lines held to their version)."""
    built: BuiltProject = request.getfixturevalue(fixture)
    if fixture == "focus_build":
        # The 1.2 fixture builds the cost table alone: add the report over it, with its
        # seed and the monthly checks it adds up.
        run_dbt(["build", "--select", "focus_column_rules", "int_cost_line_day_periods_listed",
                 "int_focus_rule_months_checked", "rpt_focus_conformance",
                 "--vars", (built.data_dir / "mlcost_vars_focus.yml").read_text()],
                built.database, built.database.parent)
    lines = dict(built.query("""
        select x_provider, count(*) from main_marts.fct_cost_lines group by 1"""))
    assert set(lines) == {"aws", "azure", "gcp"}
    rules = {rule_id for (rule_id,) in built.query(
        "select rule_id from main_reference.focus_column_rules")}
    report = built.query("""
        select rule_id, x_provider, checked_line_count, violating_line_count, example_line_key
        from main_marts.rpt_focus_conformance""")
    assert {(rule_id, provider) for rule_id, provider, *_ in report} == {
        (rule_id, provider) for rule_id in rules for provider in lines}
    assert all(checked == lines[provider] for _, provider, checked, *_ in report)
    violations = [(rule_id, provider, count, example)
                  for rule_id, provider, _, count, example in report if count]
    assert violations == []
