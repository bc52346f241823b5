"""The LookML project generated from the built sample's manifests: parsed back with lkml,
it has a view and an explore per mart tagged `bi`, every contract column as a dimension,
every measure and metric of the semantic models as a measure of the right type (ratios a
sum over a sum), tables and columns the published BI file has, and the same bytes twice.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import lkml
import pytest
from build_support import PROJECT_DIR, BuiltProject, published_sample, query_database

GENERATE = PROJECT_DIR / "scripts" / "generate_lookml.py"
# MetricFlow aggregation -> LookML measure type (LookML's `count` counts rows, not values).
EXPECTED_TYPES = {"sum": "sum", "count_distinct": "count_distinct", "average": "average",
                  "max": "max", "min": "min", "count": "sum", "sum_boolean": "sum",
                  "median": "median", "percentile": "percentile"}
RATIO_SQL = re.compile(r"^1\.0 \* \$\{(\w+)\} / nullif\(\$\{(\w+)\}, 0\)$")
TABLE_COLUMN = re.compile(r"\$\{TABLE\}\.(\w+)")
PLAIN_COLUMN = re.compile(r"\$\{TABLE\}\.(\w+)")


def target_of(built_sample: BuiltProject) -> Path:
    return built_sample.database.parent / "target"


def generate(target: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GENERATE), "--target", str(target),
                           "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=300)


def parse_project(out: Path) -> tuple[dict, dict[str, dict]]:
    """The model file and each view, parsed with lkml."""
    model = lkml.load((out / "mlcost.model.lkml").read_text())
    views = {}
    for path in sorted((out / "views").glob("*.view.lkml")):
        (view,) = lkml.load(path.read_text())["views"]
        assert path.name == f"{view['name']}.view.lkml"
        views[view["name"]] = view
    return model, views


@pytest.fixture(scope="module")
def manifest(built_sample: BuiltProject) -> dict:
    return json.loads((target_of(built_sample) / "manifest.json").read_text())


@pytest.fixture(scope="module")
def semantic_manifest(built_sample: BuiltProject) -> dict:
    return json.loads((target_of(built_sample) / "semantic_manifest.json").read_text())


@pytest.fixture(scope="module")
def bi_marts(manifest: dict) -> dict[str, dict]:
    return {node.get("alias") or node["name"]: node for node in manifest["nodes"].values()
            if node["resource_type"] == "model" and "bi" in node["tags"]}


@pytest.fixture(scope="module")
def lookml_out(built_sample: BuiltProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("lookml") / "lookml"
    result = generate(target_of(built_sample), out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


@pytest.fixture(scope="module")
def project(lookml_out: Path) -> tuple[dict, dict[str, dict]]:
    return parse_project(lookml_out)


@pytest.fixture(scope="module")
def published(built_sample: BuiltProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return published_sample(built_sample, tmp_path_factory.mktemp("bi_lookml")
                            / "mlcost_bi.duckdb", "--no-parquet")


def semantic_models_of(semantic_manifest: dict, node: dict) -> list[dict]:
    return [model for model in semantic_manifest["semantic_models"]
            if model["node_relation"]["alias"] == (node.get("alias") or node["name"])
            and model["node_relation"]["schema_name"] == node["schema"]]


def metrics_over(semantic_manifest: dict, measures: set[str]) -> list[dict]:
    return [metric for metric in semantic_manifest["metrics"]
            if {item["name"] for item in metric["type_params"]["input_measures"]} <= measures]


def fields(view: dict, kind: str) -> dict[str, dict]:
    return {field["name"]: field for field in view.get(kind, [])}


def test_one_view_and_one_explore_per_bi_mart(project: tuple[dict, dict[str, dict]],
                                              bi_marts: dict[str, dict]) -> None:
    model, views = project
    assert len(bi_marts) > 10
    assert set(views) == set(bi_marts)
    assert sorted(explore["name"] for explore in model["explores"]) == sorted(bi_marts)
    assert model["connection"] == "mlcost"
    assert model["includes"] == ["/views/*.view.lkml"]
    for name, view in views.items():
        assert view["sql_table_name"] == f"{bi_marts[name]['schema']}.{name}"


def test_every_contract_column_is_a_typed_dimension(project: tuple[dict, dict[str, dict]],
                                                    bi_marts: dict[str, dict]) -> None:
    _, views = project
    for name, node in bi_marts.items():
        view = views[name]
        by_column = {}
        for kind in ("dimensions", "dimension_groups"):
            for field in view.get(kind, []):
                column = PLAIN_COLUMN.fullmatch(field["sql"])
                if column is None:
                    continue  # computed by a semantic model: the next test
                assert column.group(1) not in by_column, f"{name}.{column.group(1)} twice"
                by_column[column.group(1)] = field
        assert set(by_column) == set(node["columns"]), name
        for column, spec in node["columns"].items():
            field, data_type = by_column[column], spec["data_type"].lower()
            if data_type in ("date", "timestamp"):
                assert field["type"] == "time", (name, column)
                assert {"date", "week", "month", "quarter", "year"} <= set(field["timeframes"])
                assert ({"time", "hour"} <= set(field["timeframes"])) == (data_type
                                                                        == "timestamp")
                assert field["convert_tz"] == "no"
            else:
                expected = {"varchar": "string", "boolean": "yesno"}.get(data_type, "number")
                assert field["type"] == expected, (name, column, data_type)
            if spec.get("description"):
                assert field["description"].startswith(" ".join(spec["description"].split())
                                                        .replace('"', '\\"')), (name, column)


def test_computed_semantic_dimensions_are_dimensions(
        project: tuple[dict, dict[str, dict]], bi_marts: dict[str, dict],
        semantic_manifest: dict) -> None:
    """A categorical dimension a semantic model computes (not a column) is a dimension of
    its view, over the same expression."""
    _, views = project
    computed = 0
    for name, node in bi_marts.items():
        dimensions = fields(views[name], "dimensions")
        for model in semantic_models_of(semantic_manifest, node):
            for dimension in model["dimensions"]:
                expression = dimension.get("expr") or dimension["name"]
                if dimension["type"] != "categorical" or expression in node["columns"]:
                    continue
                field = dimensions[dimension["name"]]
                assert set(TABLE_COLUMN.findall(field["sql"])) <= set(node["columns"])
                assert all(column in expression
                           for column in TABLE_COLUMN.findall(field["sql"]))
                computed += 1
    assert computed >= 1  # egress_routes.is_inbound


def test_primary_key_is_the_tested_key(project: tuple[dict, dict[str, dict]],
                                       bi_marts: dict[str, dict], manifest: dict) -> None:
    _, views = project
    with_key = 0
    for name, node in bi_marts.items():
        tests: dict[str, set[str]] = {}
        for test in manifest["nodes"].values():
            if (test["resource_type"] == "test"
                    and test.get("attached_node") == node["unique_id"]):
                kind = (test.get("test_metadata") or {}).get("name")
                if test.get("column_name") and kind in ("unique", "not_null"):
                    tests.setdefault(test["column_name"], set()).add(kind)
        keys = [column for column in node["columns"]
                if tests.get(column) == {"unique", "not_null"}]
        primary = [TABLE_COLUMN.findall(field["sql"])[0]
                   for field in views[name]["dimensions"] if field.get("primary_key") == "yes"]
        assert primary == keys[:1], name
        with_key += bool(primary)
    assert with_key >= len(bi_marts) - 3


def test_measures_follow_the_semantic_models_and_metrics(
        project: tuple[dict, dict[str, dict]], bi_marts: dict[str, dict],
        semantic_manifest: dict) -> None:
    _, views = project
    checked_ratios = set()
    for name, node in bi_marts.items():
        models = semantic_models_of(semantic_manifest, node)
        measures = fields(views[name], "measures")
        agg = {measure["name"]: measure for model in models for measure in model["measures"]}
        for measure_name, measure in agg.items():
            expected = EXPECTED_TYPES[measure["agg"]]
            assert measures[measure_name]["type"] == expected, measure_name
        for metric in metrics_over(semantic_manifest, set(agg)):
            field = measures[metric["name"]]
            if metric["type"] == "simple":
                wrapped = agg[metric["type_params"]["measure"]["name"]]
                assert field["type"] == EXPECTED_TYPES[wrapped["agg"]], metric["name"]
                assert field["label"] == metric["label"]
            else:
                assert metric["type"] == "ratio", metric["name"]
                assert field["type"] == "number", metric["name"]
                numerator, denominator = RATIO_SQL.match(field["sql"]).groups()
                assert numerator == metric["type_params"]["numerator"]["name"]
                assert denominator == metric["type_params"]["denominator"]["name"]
                assert measures[numerator]["type"] == measures[denominator]["type"] == "sum"
                checked_ratios.add(metric["name"])
        # No ratio is an average of a column.
        assert all(field["type"] != "average" for field in measures.values()), name
    assert {"effective_cost_per_gpu_hour", "commitment_utilization", "tag_coverage_by_dollars",
            "budget_used_ratio", "failed_attempt_rate",
            "failure_wasted_cost_share"} <= checked_ratios


def test_tag_coverage_measures_read_only_the_all_required_rows(
        project: tuple[dict, dict[str, dict]]) -> None:
    measures = fields(project[1]["fct_tag_coverage_daily"], "measures")
    for name in ("tag_policy_usage_cost", "fully_tagged_cost", "not_fully_tagged_cost"):
        assert "${TABLE}.tag_name = 'all_required'" in measures[name]["sql"], name


def test_money_is_formatted_without_a_hard_coded_currency(
        project: tuple[dict, dict[str, dict]], bi_marts: dict[str, dict]) -> None:
    _, views = project
    for name, node in bi_marts.items():
        money = {column for column, spec in node["columns"].items()
                 if spec["data_type"].lower().startswith("decimal")}
        currency = next((column for column in ("billing_currency", "currency")
                         if column in node["columns"]), None)
        for field in [*views[name].get("dimensions", []), *views[name].get("measures", [])]:
            read = set(TABLE_COLUMN.findall(field.get("sql", "")))
            if not read & money:
                continue
            reporting = all(column.endswith("_in_reporting_currency")
                            for column in read & money)
            assert field["value_format_name"] == ("usd" if reporting else "decimal_2"), (
                name, field["name"])
            if currency and not reporting:
                assert f"each row's {currency}" in field["description"], (name, field["name"])
    spend = fields(views["fct_budget_status_daily"], "measures")["budget_spend"]
    assert spend["required_fields"] == ["as_of_date"]  # a snapshot: one day at a time


def test_views_read_tables_and_columns_of_the_published_file(
        project: tuple[dict, dict[str, dict]], published: Path, built_sample: BuiltProject,
        semantic_manifest: dict, bi_marts: dict[str, dict]) -> None:
    """Every view's table and columns are in the published file, and each measure's SQL
    runs there and sums what the semantic model's expression sums in the build."""
    _, views = project
    published_columns = {}
    for schema, table, column in query_database(
            published, "select table_schema, table_name, column_name "
                       "from information_schema.columns"):
        published_columns.setdefault(f"{schema}.{table}", set()).add(column)
    for name, view in views.items():
        table = view["sql_table_name"]
        read = {column for kind in ("dimensions", "dimension_groups", "measures")
                for field in view.get(kind, [])
                for column in TABLE_COLUMN.findall(field.get("sql", ""))}
        assert read <= published_columns[table], (name, read - published_columns[table])
        models = semantic_models_of(semantic_manifest, bi_marts[name])
        for model in models:
            for measure in model["measures"]:
                if measure["agg"] != "sum":
                    continue
                looker_sql = fields(view, "measures")[measure["name"]]["sql"]
                (looker,) = query_database(
                    published, f"select sum({looker_sql.replace('${TABLE}', 't')}) "
                               f"from {table} as t")
                (semantic,) = built_sample.query(
                    f"select sum({measure.get('expr') or measure['name']}) from {table}")
                assert looker == semantic, (name, measure["name"])


def test_metric_filters_become_cases_in_their_measures(
        built_sample: BuiltProject, semantic_manifest: dict, tmp_path: Path) -> None:
    """A filter on a metric ({{ Dimension('entity__name') }}) is written into the measure's
    SQL, over the dimension's expression: a simple metric's own measure (its namesake
    measure stays, hidden and unfiltered), a ratio's two hidden sums."""
    target = tmp_path / "target"
    target.mkdir()
    (target / "manifest.json").write_text(
        (target_of(built_sample) / "manifest.json").read_text())
    changed = copy.deepcopy(semantic_manifest)
    metrics = {metric["name"]: metric for metric in changed["metrics"]}
    metrics["egress_gb"]["filter"] = {"where_filters": [{
        "where_sql_template": "{{ Dimension('egress_route_day__provider') }} = 'aws'"}]}
    metrics["commitment_utilization"]["filter"] = {"where_filters": [{
        "where_sql_template": "{{ Dimension('commitment_month_type__provider') }} = 'gcp'"}]}
    (target / "semantic_manifest.json").write_text(json.dumps(changed))
    result = generate(target, tmp_path / "lookml")
    assert result.returncode == 0, result.stderr
    _, views = parse_project(tmp_path / "lookml")

    egress = fields(views["fct_egress_routes_daily"], "measures")
    assert egress["egress_gb"]["sql"].startswith(
        "CASE WHEN ((${TABLE}.x_provider) = 'aws') THEN CASE WHEN "
        "${TABLE}.egress_route LIKE '%_inbound'"), egress["egress_gb"]["sql"]
    assert egress["egress_gb_unfiltered"]["hidden"] == "yes"
    assert "x_provider" not in egress["egress_gb_unfiltered"]["sql"]

    commitments = fields(views["fct_commitment_utilization_monthly"], "measures")
    ratio = commitments["commitment_utilization"]
    assert RATIO_SQL.match(ratio["sql"]).groups() == (
        "commitment_utilization_numerator", "commitment_utilization_denominator")
    for role in ("numerator", "denominator"):
        part = commitments[f"commitment_utilization_{role}"]
        assert part["type"] == "sum" and part["hidden"] == "yes"
        assert part["sql"].startswith("CASE WHEN ((${TABLE}.x_provider) = 'gcp') THEN")
    # The unfiltered measures stay as they were, for other queries.
    assert "x_provider" not in commitments["committed_cost"]["sql"]


def test_a_second_run_writes_the_same_bytes(built_sample: BuiltProject, lookml_out: Path,
                                            tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = generate(target_of(built_sample), again)
    assert result.returncode == 0, result.stderr
    first = {path.relative_to(lookml_out): path.read_bytes()
             for path in sorted(lookml_out.rglob("*.lkml"))}
    second = {path.relative_to(again): path.read_bytes()
              for path in sorted(again.rglob("*.lkml"))}
    assert first == second
    assert all(content.startswith(b"# Generated by scripts/generate_lookml.py")
               for content in first.values())
