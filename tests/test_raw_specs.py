"""One schema spec: scripts/validate.py checks the raw exports against the column specs of
the dbt macros (macros/specs/), through `dbt run-operation print_raw_export_specs`, and holds
no column list of its own; its mart suite repeats no dbt test.

The specs are read twice here, from the macro files themselves and through the validator,
and must agree. The cache test runs dbt once on a copy of the macros (no data, in-memory
DuckDB).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

import raw_specs
import validate
from bad_inputs.cases import AWS_HEADER, aws_line, csv_text

PROJECT_DIR = Path(__file__).resolve().parents[1]
SPECS_DIR = PROJECT_DIR / "macros" / "specs"
MART_MODELS = sorted((PROJECT_DIR / "models" / "marts").glob("*/_*__models.yml"))


def macro_spec(macro: str) -> list[dict]:
    """A spec macro's literal column list, read from its .sql file (not through dbt)."""
    for path in SPECS_DIR.glob("*.sql"):
        text = path.read_text()
        found = re.search(r"\{%\s*macro " + macro + r"\(\)\s*%\}(.*?)\{%\s*endmacro", text,
                          re.DOTALL)
        if found:
            return [{"name": name, "type": type_name,
                     "aliases": re.findall(r"'([^']+)'", (re.search(
                         r"'aliases': \[([^\]]*)\]", rest) or [None, ""])[1]),
                     "required": "'required': true" in rest}
                    for name, type_name, rest in re.findall(
                        r"\{'name': '(\w+)', 'type': '(\w+)'([^{}]*)\}", found[1])]
    raise AssertionError(f"no macro {macro} in {SPECS_DIR}")


def registry() -> list[tuple[str, str, str]]:
    """(var, reader, spec macro) of each raw export, from raw_export_specs.sql."""
    text = (SPECS_DIR / "raw_export_specs.sql").read_text()
    entries = re.findall(r"\{'var': '(\w+)', 'reader': '(\w+)', 'spec': '(\w+)', "
                         r"'columns': mlcost\.(\w+)\(\)\}", text)
    assert entries and all(spec == called for *_, spec, called in entries)
    return [(var, reader, spec) for var, reader, spec, _ in entries]


def test_validator_checks_exactly_the_dbt_specs() -> None:
    specs = validate.raw_specs()
    formats = {raw_format.var_name: raw_format for raw_format in specs.formats}
    assert [(var, reader) for var, reader, _ in registry()] == [
        (raw_format.var_name, raw_format.reader) for raw_format in specs.formats]
    currencies = validate.load_currencies()
    for var, _, spec in registry():
        raw_format, columns = formats[var], macro_spec(spec)
        assert raw_format.columns == {column["name"]: column["aliases"] for column in columns}
        assert raw_format.types == {column["name"]: column["type"] for column in columns}
        required = [column["name"] for column in columns if column["required"]]
        typed = [column["name"] for column in columns if column["type"] != "string"]
        assert raw_format.required == required, var
        # The suite a file with every column gets: each required column must exist, and
        # the row check (staging's own quarantine reason) covers every required and typed one.
        frame = validate.pd.DataFrame(columns=[*required, "_quarantine_reason"])
        suite = validate.raw_expectations(raw_format, frame, currencies, 0.99)
        assert [e.column for e in suite if type(e).__name__ == "ExpectColumnToExist"] \
            == required, var
        (row_check,) = [e for e in suite if getattr(e, "column", "") == "_quarantine_reason"]
        assert row_check.meta["required"] == required and row_check.meta["typed"] == typed
        dbt_sql = specs.row_checks[spec]
        for name in required:
            assert f"'missing {name}'" in dbt_sql, (spec, name)
        for name in typed:
            assert f"'unparseable {name}: '" in dbt_sql, (spec, name)


def test_validator_holds_no_spelling_of_its_own() -> None:
    source = (PROJECT_DIR / "scripts" / "validate.py").read_text()
    spellings = {alias for _, _, spec in registry() for column in macro_spec(spec)
                 for alias in column["aliases"]}
    assert spellings
    assert not [alias for alias in spellings if f'"{alias}"' in source
                or f"'{alias}'" in source]
    assert "%m/%d" not in source and "strptime(" not in source.replace(
        "try_strptime(invoice_month, '%Y%m')", "")


def test_cross_column_rules_name_spec_columns() -> None:
    formats = {raw_format.spec: raw_format for raw_format in validate.raw_specs().formats}
    for spec, rules in validate.CROSS_COLUMN_RULES.items():
        columns = formats[spec].types
        named = [rules.currency, rules.charge_start, *(name for pair in rules.ordered
                                                      for name in pair)]
        assert all(name in columns for name in named if name), (spec, named)
        for parsed in re.findall(r"(\w+)__at", f"{rules.period_start_sql} "
                                             f"{rules.period_end_sql}"):
            assert columns.get(parsed) == "timestamp", (spec, parsed)
        for pair in rules.ordered:
            assert {columns[name] for name in pair} == {"timestamp"}, (spec, pair)


def test_a_column_added_to_a_spec_reaches_the_validator(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The cache is keyed by the macros: adding a required column to a copy of the AWS spec
    makes the validator demand it, with no edit to Python."""
    project = tmp_path / "project"
    for name in ("macros", "scripts/dbt_duckdb_plugins"):
        shutil.copytree(PROJECT_DIR / name, project / name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, project / name)
    cache = project / "target" / raw_specs.CACHE_NAME
    cache.parent.mkdir()
    # The copy's cache as the real project's specs, fresh for the copy's files.
    payload = raw_specs.load_payload()
    cache.write_text(json.dumps({**payload, "key": raw_specs.spec_key(project)}))
    assert "line_item_test_fee" not in raw_specs.raw_specs(project).formats[0].columns

    spec_file = project / "macros" / "specs" / "aws_cur_columns.sql"
    spec_file.write_text(spec_file.read_text().replace(
        "    {'name': 'line_item_unblended_cost',",
        "    {'name': 'line_item_test_fee', 'type': 'money', 'aliases': ['lineItem/TestFee'],"
        " 'required': true},\n    {'name': 'line_item_unblended_cost',"))
    specs = raw_specs.raw_specs(project)  # stale key: dbt prints the specs again
    aws = next(raw_format for raw_format in specs.formats
               if raw_format.var_name == "mlcost_aws_cur_legacy_csv")
    assert aws.columns["line_item_test_fee"] == ["lineItem/TestFee"]
    assert "line_item_test_fee" in aws.required
    assert "'missing line_item_test_fee'" in specs.row_checks["aws_cur_columns"]

    monkeypatch.setattr(validate, "raw_specs", lambda: specs)
    folder = tmp_path / "aws"
    folder.mkdir()
    (folder / "cur.csv").write_text(csv_text(AWS_HEADER, [aws_line("900000000090", 1)]))
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text(yaml.safe_dump({"mlcost_aws_cur_legacy_csv": str(folder / "*.csv")}))
    assert validate.main(["--stage", "raw", "--vars", str(vars_file),
                          "--docs-dir", str(tmp_path / "docs")]) == 1
    message = capsys.readouterr().err
    assert "column 'line_item_test_fee': expect_column_to_exist" in message, message


AZURE_HEADER = ["BillingAccountId", "SubscriptionId", "Date", "CostInBillingCurrency",
                "BillingCurrency", "ChargeType", "BillingPeriodStartDate",
                "BillingPeriodEndDate"]


def azure_day_first(dates: list[str], period_end: str = "31/10/2026") -> str:
    return csv_text(AZURE_HEADER, [
        {"BillingAccountId": "ea-100", "SubscriptionId": "sub-1", "Date": date,
         "CostInBillingCurrency": "1.25", "BillingCurrency": "EUR", "ChargeType": "Usage",
         "BillingPeriodStartDate": "01/10/2026", "BillingPeriodEndDate": period_end}
        for date in dates])


@pytest.mark.parametrize(("dates", "passes"), [
    (["05/10/2026", "13/10/2026", "31/10/2026"], True),  # October, day first
    (["05/10/2026", "05/12/2026"], False),  # 5 December in an October bill
], ids=["dd_mm_in_period", "dd_mm_outside_period"])
def test_day_first_dates_validate_in_their_order(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], dates: list[str],
        passes: bool) -> None:
    """A DD/MM/YYYY Azure export is not rejected for its order, and its dates are compared
    with the billing period as days first (5 December is outside October)."""
    (tmp_path / "costs.csv").write_text(azure_day_first(dates))
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text(yaml.safe_dump(
        {"mlcost_azure_ea_actual": str(tmp_path / "costs.csv")}))
    exit_code = validate.main(["--stage", "raw", "--vars", str(vars_file),
                               "--max-bad-share", "0", "--docs-dir", str(tmp_path / "docs")])
    message = capsys.readouterr().err
    if passes:
        assert exit_code == 0, message
    else:
        assert exit_code == 1 and "charge_date inside the billing period" in message, message
        assert "_quarantine_reason" not in message, message


@pytest.mark.parametrize(("date_order", "passes"), [
    (None, False),  # no value above 12: read month first, March and April in January
    ({"emea/": "day_first"}, True),  # the var's mapping names the file's folder
], ids=["ambiguous_without_var", "ambiguous_with_var"])
def test_date_order_var_decides_an_ambiguous_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], date_order: dict | None,
        passes: bool) -> None:
    """No value of the file says its order: the validator follows
    `mlcost_azure_date_order` for the file's path, as staging does."""
    folder = tmp_path / "emea"
    folder.mkdir()
    (folder / "costs.csv").write_text(
        azure_day_first(["03/10/2026", "04/10/2026"], period_end="01/11/2026"))
    variables: dict = {"mlcost_azure_ea_actual": str(folder / "costs.csv")}
    if date_order is not None:
        variables["mlcost_azure_date_order"] = date_order
    vars_file = tmp_path / "vars.yml"
    vars_file.write_text(yaml.safe_dump(variables))
    exit_code = validate.main(["--stage", "raw", "--vars", str(vars_file),
                               "--max-bad-share", "0", "--docs-dir", str(tmp_path / "docs")])
    message = capsys.readouterr().err
    if passes:
        assert exit_code == 0, message
    else:
        assert exit_code == 1 and "charge_date inside the billing period" in message, message


def dbt_column_tests() -> dict[tuple[str, str], set[str]]:
    """(model, column) -> names of its generic dbt tests, from the marts' YAML."""
    tests: dict[tuple[str, str], set[str]] = {}
    for path in MART_MODELS:
        for model in yaml.safe_load(path.read_text()).get("models", []):
            for column in model.get("columns", []):
                names = {next(iter(test)) if isinstance(test, dict) else test
                         for test in column.get("data_tests", [])}
                tests[(model["name"], column["name"])] = names
    return tests


def test_mart_suite_repeats_no_dbt_test() -> None:
    """GX keeps only what dbt does not check: no unique, not-null or accepted-values check
    that the marts' YAML already has, and every checked column is a documented one."""
    same_as = {"ExpectColumnValuesToBeUnique": "unique",
               "ExpectColumnValuesToNotBeNull": "not_null",
               "ExpectColumnValuesToBeInSet": "accepted_values"}
    tests = dbt_column_tests()
    currencies = validate.load_currencies()
    for table in validate.MART_TABLES:
        suite = validate.mart_expectations(table, currencies)
        assert suite, table
        for column in validate.expectation_columns(suite) + validate.MART_ROW_KEYS[table]:
            assert (table, column) in tests, (table, column)
        for expectation in suite:
            dbt_test = same_as.get(type(expectation).__name__)
            if dbt_test:
                assert dbt_test not in tests[(table, expectation.column)], \
                    (table, expectation.column, dbt_test)
