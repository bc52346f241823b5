"""Generate a LookML project for Looker from dbt's manifest and semantic manifest.

    python scripts/generate_lookml.py                  # after `dbt build` or `dbt parse`
    python scripts/generate_lookml.py --out lookml --target target --schema analytics_marts

Nothing in it is written by hand: the views follow the marts' contracts (every column a
dimension, dates and timestamps a dimension_group, the key test's column the primary key)
and the measures follow the MetricFlow semantic models and metrics
(`models/marts/<domain>/_<domain>__semantic.yml`), so a metric defined there reaches Looker
with the same expression and filters, and a ratio metric stays a sum over a sum, never an
average of a ratio column. Run it again after changing the marts or their metrics.

Writes, under --out (default `lookml/`, a LookML project's root):
    mlcost.model.lkml           connection "mlcost" (the Looker connection's name: set it
                                with --connection), one explore per mart
    views/<mart>.view.lkml      one view per mart tagged `bi`

The output is sorted and carries no date, so two runs over the same manifests write the
same bytes. Exit 0 written, 2 cannot read the manifests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import lkml
import sqlglot
from sqlglot import expressions

TARGET_DIR = Path(os.environ.get("DBT_TARGET_PATH", "target"))
DIALECT = "duckdb"
TABLE_PLACEHOLDER = "looker_table_placeholder"
DATE_TIMEFRAMES = ["date", "week", "month", "quarter", "year"]
TIMESTAMP_TIMEFRAMES = ["time", "hour", *DATE_TIMEFRAMES]
REPORTING_SUFFIX = "_in_reporting_currency"
# MetricFlow aggregations as LookML measure types. `count` counts non-null values of its
# expression (LookML's `count` counts rows), so it is a sum of ones, as is `sum_boolean`.
AGG_TYPES = {"sum": "sum", "count_distinct": "count_distinct", "average": "average",
             "max": "max", "min": "min", "median": "median", "percentile": "percentile",
             "count": "sum", "sum_boolean": "sum"}


@dataclass(frozen=True)
class Column:
    name: str
    data_type: str
    description: str

    @property
    def is_money(self) -> bool:
        """Money is the project's one decimal type (macros/types.sql: type_money)."""
        return self.data_type.lower().startswith(("decimal", "numeric"))


@dataclass
class Mart:
    unique_id: str
    name: str
    schema: str
    description: str
    columns: list[Column]
    primary_key: str | None = None
    semantic_models: list[dict] = field(default_factory=list)

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.name == name), None)

    @property
    def currency_column(self) -> str | None:
        """The column naming the currency of the mart's amounts (the bills' own)."""
        names = [column.name for column in self.columns]
        for candidate in ("billing_currency", "currency"):
            if candidate in names:
                return candidate
        others = [name for name in names
                  if name.endswith("currency") and name != "reporting_currency"]
        return others[0] if others else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Write a LookML project (a model file with one explore per mart, one "
                    "view per mart tagged `bi`) from dbt's manifest.json and "
                    "semantic_manifest.json. Exit 0 written, 2 cannot read the manifests.")
    parser.add_argument("--target", type=Path, default=TARGET_DIR,
                        help="dbt's target folder holding manifest.json and "
                             "semantic_manifest.json, written by `dbt build` or `dbt parse` "
                             "(default: $DBT_TARGET_PATH or %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("lookml"),
                        help="the LookML project folder to write; its views/ folder is "
                             "replaced (default: %(default)s)")
    parser.add_argument("--tag", default="bi",
                        help="one view per model with this dbt tag (default: %(default)s)")
    parser.add_argument("--connection", default="mlcost",
                        help="name of the Looker connection to the database holding the "
                             "marts (default: %(default)s)")
    parser.add_argument("--schema", default=None,
                        help="schema of the marts in the database Looker reads (default: "
                             "the manifest's, main_marts in a DuckDB build and in the "
                             "published file)")
    parser.add_argument("--reporting-currency-format", default="usd",
                        help="LookML value_format_name of amounts in the reporting currency "
                             "(columns ending in _in_reporting_currency): usd, eur or gbp "
                             "as your reporting currency (default: %(default)s)")
    return parser.parse_args(argv)


def read_json(path: Path) -> dict:
    if not path.is_file():
        raise FileNotFoundError(f"generate_lookml: {path} not found: run `dbt parse` (or a "
                                "build) first, or pass --target.")
    return json.loads(path.read_text())


def key_columns(manifest: dict, unique_id: str) -> set[str]:
    """Columns of a model with both a `unique` and a `not_null` test."""
    tested: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or node.get("attached_node") != unique_id:
            continue
        name = (node.get("test_metadata") or {}).get("name")
        if name in ("unique", "not_null") and node.get("column_name"):
            tested.setdefault(node["column_name"], set()).add(name)
    return {column for column, names in tested.items() if names == {"unique", "not_null"}}


def tagged_marts(manifest: dict, semantic_manifest: dict, tag: str) -> list[Mart]:
    """Models tagged `tag`, with their contract columns, key and semantic models."""
    marts = []
    for node in manifest["nodes"].values():
        if (node["resource_type"] != "model" or tag not in node.get("tags", [])
                or not node.get("config", {}).get("enabled", True)):
            continue
        name = node.get("alias") or node["name"]
        columns = [Column(column["name"], column.get("data_type") or "",
                          (column.get("description") or "").strip())
                   for column in node.get("columns", {}).values()]
        untyped = [column.name for column in columns if not column.data_type]
        if untyped:
            raise ValueError(f"generate_lookml: {name} has columns without data_type "
                             f"({', '.join(untyped)}): BI-facing marts declare a contract; "
                             "add data_type to them in its _<dir>__models.yml.")
        keys = key_columns(manifest, node["unique_id"])
        key = next((column.name for column in columns if column.name in keys), None)
        models = [model for model in semantic_manifest["semantic_models"]
                  if model["node_relation"]["alias"] == name
                  and model["node_relation"]["schema_name"] == node["schema"]]
        marts.append(Mart(node["unique_id"], name, node["schema"],
                          (node.get("description") or "").strip(), columns, key,
                          sorted(models, key=lambda model: model["name"])))
    return sorted(marts, key=lambda mart: mart.name)


def qualify(sql: str) -> str:
    """`sql` with its bare column names as ${TABLE}.<column>, so it reads the view's table
    when an explore joins others."""
    tree = sqlglot.parse_one(sql, read=DIALECT)
    for column in tree.find_all(expressions.Column):
        if not column.table:
            column.set("table", expressions.to_identifier(TABLE_PLACEHOLDER))
    return tree.sql(dialect=DIALECT).replace(f"{TABLE_PLACEHOLDER}.", "${TABLE}.")


def referenced_columns(sql: str) -> set[str]:
    return {column.name for column in sqlglot.parse_one(sql, read=DIALECT)
            .find_all(expressions.Column)}


def dimension_sql(model: dict, name: str) -> str:
    """SQL of a semantic model's dimension (its expr, else the column of its name)."""
    for dimension in model["dimensions"]:
        if dimension["name"] == name:
            return dimension.get("expr") or name
    raise KeyError(name)


def filter_sql(filters: dict | None, model: dict) -> str | None:
    """A MetricFlow where filter as SQL over the mart: {{ Dimension('entity__name') }}
    becomes the dimension's expression. Other references cannot be written in LookML."""
    if not filters:
        return None
    clauses = []
    for where in filters.get("where_filters", []):
        template = where["where_sql_template"]

        def dimension(match: re.Match) -> str:
            return f"({dimension_sql(model, match.group(1).split('__')[-1])})"
        sql = re.sub(r"\{\{\s*Dimension\(\s*['\"]([^'\"]+)['\"]\s*\)\s*\}\}", dimension,
                     template)
        if "{{" in sql:
            raise ValueError(f"generate_lookml: filter {template!r} of semantic model "
                             f"{model['name']} references something other than "
                             "Dimension(...): write it as a dimension of the semantic model "
                             "or extend filter_sql in scripts/generate_lookml.py.")
        clauses.append(f"({sql})")
    return " and ".join(clauses) or None


def measure_value_sql(measure: dict, condition: str | None) -> str:
    """The expression a LookML measure aggregates, filters applied (columns unqualified)."""
    expression = measure.get("expr") or measure["name"]
    if measure["agg"] == "count":
        expression = f"case when ({expression}) is not null then 1 else 0 end"
    elif measure["agg"] == "sum_boolean":
        expression = f"case when ({expression}) then 1 else 0 end"
    if condition:
        expression = f"case when {condition} then {expression} end"
    return expression


def money_kind(mart: Mart, sql: str) -> str | None:
    """`reporting` when an expression adds reporting-currency amounts only, `billing` when
    it reads any other money column, None when no money."""
    money = [name for name in referenced_columns(sql)
             if (column := mart.column(name)) is not None and column.is_money]
    if not money:
        return None
    return "reporting" if all(name.endswith(REPORTING_SUFFIX) for name in money) else "billing"


def currency_note(mart: Mart, kind: str) -> str:
    if kind == "reporting":
        return "Amount in the reporting currency (reporting_currency)."
    if mart.currency_column:
        return (f"Amount in each row's {mart.currency_column}: group or filter by it, "
                "amounts in different currencies do not add up.")
    return ("Amount in the bills' own currency (this mart has no currency column: with "
            "bills in several currencies, it adds them up).")


def money_format(kind: str, reporting_format: str) -> str:
    # Billing amounts may be in several currencies: no currency symbol.
    return reporting_format if kind == "reporting" else "decimal_2"


def join_text(*parts: str | None) -> str:
    return " ".join(" ".join(part.split()) for part in parts if part)


def time_group(column: Column, taken: set[str]) -> dict:
    timestamp = column.data_type.lower().startswith("timestamp")
    timeframes = TIMESTAMP_TIMEFRAMES if timestamp else DATE_TIMEFRAMES
    stem = re.sub(r"_(date|at)$", "", column.name)
    name = next((candidate for candidate in (stem, column.name)
                 if not ({candidate} | {f"{candidate}_{frame}" for frame in timeframes})
                 & taken), None)
    if name is None:
        raise ValueError(f"generate_lookml: the time fields of column {column.name} clash "
                         "with other fields of its view: rename the column.")
    group = {"name": name, "type": "time", "timeframes": timeframes,
             "sql": f"${{TABLE}}.{column.name}", "convert_tz": "no",
             "datatype": "timestamp" if timestamp else "date"}
    if column.description:
        group["description"] = join_text(column.description)
    return group


def dimension_type(data_type: str) -> str:
    lowered = data_type.lower()
    if lowered.startswith("bool"):
        return "yesno"
    if lowered.startswith(("varchar", "text", "string", "char", "uuid")):
        return "string"
    return "number"


SEMI_ADDITIVE_NOTE = ("Semi-additive over {window} (a snapshot, never added across days): "
                      "Looker has no such measure, so this one needs that day in the query; "
                      "for a period's status filter to the period's latest day.")


def and_sql(*conditions: str | None) -> str | None:
    return " and ".join(condition for condition in conditions if condition) or None


def clean(entry: dict) -> dict:
    return {key: value for key, value in entry.items() if value}


@dataclass
class MeasureBuilder:
    """The LookML measures of one mart: one per semantic-model measure, then one per
    metric over them (a simple metric as the measure it wraps, a ratio metric as a number
    dividing two measures)."""
    mart: Mart
    reporting_format: str
    time_groups: dict[str, str]  # date or timestamp column -> its dimension_group
    fields: dict[str, dict] = field(default_factory=dict)
    money: dict[str, str | None] = field(default_factory=dict)
    owners: dict[str, tuple[dict, dict]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    measure_fields: dict[str, str] = field(default_factory=dict)  # measure -> its field

    def __post_init__(self) -> None:
        for model in self.mart.semantic_models:
            for measure in model.get("measures", []):
                self.owners[measure["name"]] = (model, measure)
                self.measure_fields[measure["name"]] = measure["name"]

    def required_fields(self, model: dict, measure: dict) -> list[str]:
        column = dimension_sql(model, measure["non_additive_dimension"]["name"])
        if column not in self.time_groups:
            raise ValueError(f"generate_lookml: {self.mart.name}.{column} is not a date or "
                             "timestamp column, but a semi-additive measure's window names "
                             "it.")
        return [f"{self.time_groups[column]}_date"]

    def aggregate(self, name: str, model: dict, measure: dict, condition: str | None,
                  description: str | None = None) -> dict:
        """A measure aggregating a semantic-model measure's expression, filtered."""
        sql = measure_value_sql(measure, condition)
        kind = self.money[name] = money_kind(self.mart, sql)
        entry = {"name": name, "type": AGG_TYPES[measure["agg"]], "sql": qualify(sql)}
        if measure["agg"] == "percentile":
            entry["percentile"] = str(round(float(measure["agg_params"]["percentile"]) * 100))
        note = None
        if kind:
            entry["value_format_name"] = money_format(kind, self.reporting_format)
            note = currency_note(self.mart, kind)
        window = measure.get("non_additive_dimension")
        if window:
            note = join_text(note, SEMI_ADDITIVE_NOTE.format(window=window["name"]))
            entry["required_fields"] = self.required_fields(model, measure)
        entry["description"] = join_text(description or measure.get("description"), note)
        return entry

    def simple(self, metric: dict) -> dict:
        reference = metric["type_params"]["measure"]
        model, measure = self.owners[reference["name"]]
        condition = and_sql(filter_sql(metric.get("filter"), model),
                            filter_sql(reference.get("filter"), model))
        if metric["name"] in self.fields and metric["name"] != measure["name"]:
            raise ValueError(f"generate_lookml: metric {metric['name']} of {self.mart.name} "
                             "is named like a measure it does not wrap: give it another "
                             "name in the semantic YAML.")
        if metric["name"] == measure["name"] and condition:
            # The metric filters its namesake: the measure, unfiltered, moves aside.
            moved = {**self.fields.pop(measure["name"]),
                     "name": f"{measure['name']}_unfiltered", "hidden": "yes"}
            self.fields[moved["name"]] = moved
            self.money[moved["name"]] = self.money[measure["name"]]
            self.measure_fields[measure["name"]] = moved["name"]
        return {"name": metric["name"], "label": metric.get("label"),
                **self.aggregate(metric["name"], model, measure, condition,
                                 metric.get("description"))}

    def ratio_part(self, metric: dict, role: str) -> dict:
        """The numerator or denominator: its measure, or a hidden filtered copy."""
        reference = metric["type_params"][role]
        model, measure = self.owners[reference["name"]]
        condition = and_sql(filter_sql(metric.get("filter"), model),
                            filter_sql(reference.get("filter"), model))
        if not condition:
            return self.fields[self.measure_fields[reference["name"]]]
        part = self.aggregate(f"{metric['name']}_{role}", model, measure, condition)
        part["hidden"] = "yes"
        self.fields[part["name"]] = part
        return part

    def ratio(self, metric: dict) -> dict:
        numerator, denominator = (self.ratio_part(metric, role)
                                  for role in ("numerator", "denominator"))
        entry = {"name": metric["name"], "label": metric.get("label"), "type": "number",
                 "sql": f"1.0 * ${{{numerator['name']}}} "
                        f"/ nullif(${{{denominator['name']}}}, 0)"}
        kind = self.money[numerator["name"]]
        note = None
        if kind and not self.money[denominator["name"]]:  # money per unit: a price
            entry["value_format_name"] = money_format(kind, self.reporting_format)
            note = currency_note(self.mart, kind)
        else:  # a share
            entry["value_format_name"] = "percent_2"
        entry["required_fields"] = sorted({*numerator.get("required_fields", []),
                                           *denominator.get("required_fields", [])})
        entry["description"] = join_text(
            metric.get("description"),
            f"Weighted: sum of {numerator['name']} over sum of {denominator['name']}.", note)
        return entry

    def build(self, metrics: list[dict]) -> tuple[list[dict], list[str]]:
        """The measures, sorted by name, and the metrics left out (with why)."""
        for name, (model, measure) in self.owners.items():
            self.fields[name] = self.aggregate(name, model, measure, None)
        # Simple metrics first: one may move its namesake measure aside, which a ratio
        # then reads unfiltered.
        for metric in sorted(metrics, key=lambda metric: (metric["type"] != "simple",
                                                          metric["name"])):
            inputs = [item["name"] for item in metric["type_params"].get("input_measures", [])]
            if not inputs or not all(name in self.owners for name in inputs):
                continue  # a metric over another mart
            if metric["type"] == "simple":
                self.fields[metric["name"]] = clean(self.simple(metric))
            elif metric["type"] == "ratio":
                self.fields[metric["name"]] = clean(self.ratio(metric))
            else:
                self.skipped.append(f"{metric['name']} ({metric['type']} metric)")
        return [self.fields[name] for name in sorted(self.fields)], self.skipped


def build_dimensions(mart: Mart, measure_names: set[str]) -> tuple[list[dict], list[dict]]:
    """Dimensions and dimension_groups of a mart's columns. A column named like a measure
    (gpu_hours) becomes the dimension <column>_value: the measure keeps the metric's name."""
    dimensions, groups = [], []
    taken = set(measure_names) | {column.name for column in mart.columns
                                  if not column.data_type.lower().startswith(("date",
                                                                              "timestamp"))}
    for column in mart.columns:
        lowered = column.data_type.lower()
        if lowered.startswith(("date", "timestamp")):
            group = time_group(column, taken)
            taken |= {group["name"]} | {f"{group['name']}_{frame}"
                                        for frame in group["timeframes"]}
            groups.append(group)
            continue
        name = f"{column.name}_value" if column.name in measure_names else column.name
        entry = {"name": name, "type": dimension_type(column.data_type),
                 "sql": f"${{TABLE}}.{column.name}"}
        if column.name == mart.primary_key:
            entry["primary_key"] = "yes"
        note = None
        if column.is_money:
            kind = "reporting" if column.name.endswith(REPORTING_SUFFIX) else "billing"
            entry["value_format_name"] = money_format(kind, "usd")
            note = currency_note(mart, kind)
        if name != column.name:
            note = join_text(note, f"The row's {column.name}; the measure {column.name} "
                                   "adds it up.")
        description = join_text(column.description, note)
        if description:
            entry["description"] = description
        dimensions.append(entry)
    return (sorted(dimensions, key=lambda entry: entry["name"]),
            sorted(groups, key=lambda entry: entry["name"]))


def semantic_dimensions(mart: Mart, taken: set[str]) -> list[dict]:
    """Categorical dimensions the semantic models compute (egress `is_inbound`): a
    dimension that is a column already is one, and a time dimension's column is a
    dimension_group."""
    columns = {column.name for column in mart.columns}
    entries = {}
    for model in mart.semantic_models:
        for dimension in model["dimensions"]:
            expression = dimension.get("expr") or dimension["name"]
            if (dimension["type"] != "categorical" or expression in columns
                    or dimension["name"] in taken or dimension["name"] in entries):
                continue
            yesno = dimension["name"].startswith(("is_", "has_"))
            entries[dimension["name"]] = {
                "name": dimension["name"], "type": "yesno" if yesno else "string",
                "sql": qualify(expression),
                "description": join_text(dimension.get("description"),
                                         f"From the semantic model {model['name']}.")}
    return list(entries.values())


def measure_names(mart: Mart, metrics: list[dict]) -> set[str]:
    """Names of the measures and metrics over the mart."""
    names = {measure["name"] for model in mart.semantic_models
             for measure in model.get("measures", [])}
    return names | {metric["name"] for metric in metrics
                    if metric["type_params"].get("input_measures")
                    and {item["name"] for item in metric["type_params"]["input_measures"]}
                    <= names}


def view_document(mart: Mart, metrics: list[dict], schema: str | None,
                  reporting_format: str) -> tuple[dict, list[str]]:
    # Field names first: a column named like a measure gives its dimension another name.
    names = measure_names(mart, metrics)
    dimensions, groups = build_dimensions(mart, names)
    time_groups = {group["sql"].removeprefix("${TABLE}."): group["name"] for group in groups}
    measures, skipped = MeasureBuilder(mart, reporting_format, time_groups).build(metrics)
    extra = {measure["name"] for measure in measures} - names
    if extra:  # hidden parts of filtered ratios
        dimensions, groups = build_dimensions(mart, names | extra)
    dimensions = sorted(dimensions + semantic_dimensions(
        mart, names | extra | {entry["name"] for entry in dimensions + groups}),
        key=lambda entry: entry["name"])
    for entry in dimensions:
        if entry.get("value_format_name") == "usd":
            entry["value_format_name"] = reporting_format
    view = {"name": mart.name, "sql_table_name": f"{schema or mart.schema}.{mart.name}"}
    if mart.description:
        view["description"] = join_text(mart.description)
    view["dimensions"] = dimensions
    if groups:
        view["dimension_groups"] = groups
    if "count" not in names | {entry["name"] for entry in dimensions}:
        # Rows of the mart: Looker's default measure, so every explore has one.
        measures.append({"name": "count", "type": "count",
                         "description": "Rows of the mart."})
        measures.sort(key=lambda entry: entry["name"])
    view["measures"] = measures
    return {"views": [view]}, skipped


def header(lines: list[str]) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in lines) + "\n"


def write_project(manifest: dict, semantic_manifest: dict, args: argparse.Namespace
                  ) -> list[Path]:
    marts = tagged_marts(manifest, semantic_manifest, args.tag)
    if not marts:
        raise ValueError(f"generate_lookml: no model is tagged {args.tag!r} in the "
                         "manifest: nothing to generate.")
    project = manifest.get("metadata", {}).get("project_name") or "mlcost"
    source = (f"Generated by scripts/generate_lookml.py from dbt's manifest.json and "
              f"semantic_manifest.json of the {project} project: do not edit, run "
              "`make lookml` again.")
    views_dir = args.out / "views"
    if views_dir.exists():
        shutil.rmtree(views_dir)
    views_dir.mkdir(parents=True)
    written = []
    for mart in marts:
        document, skipped = view_document(mart, semantic_manifest["metrics"], args.schema,
                                          args.reporting_currency_format)
        models = ", ".join(model["name"] for model in mart.semantic_models) or "none"
        lines = [source, f"View of the mart {mart.name} ({mart.unique_id}): dimensions "
                 f"from its contract, measures from its semantic models ({models}) and "
                 "their metrics."]
        if skipped:
            lines.append(f"Metrics not generated (no LookML form here yet): "
                         f"{', '.join(skipped)}.")
        path = views_dir / f"{mart.name}.view.lkml"
        path.write_text(header(lines) + lkml.dump(document))
        written.append(path)
        for item in skipped:
            print(f"generate_lookml: {mart.name}: metric {item} not generated",
                  file=sys.stderr)

    explores = [{"name": mart.name, **({"description": join_text(mart.description)}
                                       if mart.description else {})} for mart in marts]
    model = {"connection": args.connection, "includes": ["/views/*.view.lkml"],
             "explores": explores}
    model_path = args.out / "mlcost.model.lkml"
    model_path.write_text(header([
        source,
        f'connection: the name of the Looker connection to the database holding the marts '
        f'(schema {args.schema or marts[0].schema}); "{args.connection}" unless you passed '
        '--connection: create a connection of that name in Looker (Admin > Connections), '
        "or generate again with yours.",
        "One explore per mart tagged bi."]) + lkml.dump(model))
    return [model_path, *written]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        manifest = read_json(args.target / "manifest.json")
        semantic_manifest = read_json(args.target / "semantic_manifest.json")
    except FileNotFoundError as error:
        print(error, file=sys.stderr)
        return 2
    try:
        written = write_project(manifest, semantic_manifest, args)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"wrote {len(written) - 1} views and {args.out / 'mlcost.model.lkml'} "
          f"to {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
