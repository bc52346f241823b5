"""Costs billed in two currencies are never added together.

The generator bills Azure in EUR (`--billing-currency azure=EUR`) and AWS and GCP in USD.
Expected values come from the generator's truth (what it charged, in which currency) and
from the rates in seeds/exchange_rates_monthly.csv read here with the as-of rule the
README states (a month's rate, else the latest month's before it); never from the marts
under test.
"""

from __future__ import annotations

import csv
import json
import shutil
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from build_support import PROJECT_DIR, BuiltProject, build_project, generate_sample, run_dbt

SECOND_CURRENCY = "EUR"
REPORTING = "USD"  # the var's default
CENT = 0.01
RATES_SEED = PROJECT_DIR / "seeds" / "exchange_rates_monthly.csv"

# Marts with money of one billing currency per row, and how a row names its cloud.
JOB_MARTS = ["fct_ml_job_costs", "fct_ml_job_attempt_costs", "rpt_ml_spot_opportunities"]
# Money marts without reporting amounts, and why: FOCUS's line-level views keep FOCUS's own
# billing_currency; the delivery report's billed cost is a file check, per delivery (its
# billing_currency is null when a delivery bills in several).
WITHOUT_REPORTING = {"fct_cost_lines", "fct_quarantined_cost_lines", "rpt_billing_deliveries"}
# Money marts whose currency column has another name: a budget's amounts are in its own.
CURRENCY_COLUMN = {"fct_budget_status_daily": "currency"}


@pytest.fixture(scope="module")
def two_currency_sample(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    work_dir = tmp_path_factory.mktemp("two_currency_sample")
    data_dir = work_dir / "data"
    generate_sample(data_dir, ["--billing-currency", f"azure={SECOND_CURRENCY}"])
    result = build_project(work_dir, (data_dir / "mlcost_vars.yml").read_text())
    if result.returncode != 0:
        pytest.fail(f"dbt build failed on the two-currency sample:\n{result.stdout[-8000:]}")
    return BuiltProject(data_dir=data_dir, database=work_dir / "mlcost.duckdb",
                        truth=json.loads((data_dir / "truth.json").read_text()),
                        dbt_output=result.stdout)


# ----------------------------------------------------------------------- expected values


def seed_rates() -> dict[tuple[date, str], dict[str, Decimal]]:
    """(month, base currency) -> {quoted currency: units per base}, the base at 1."""
    rates: dict[tuple[date, str], dict[str, Decimal]] = defaultdict(dict)
    with RATES_SEED.open(newline="") as file:
        for row in csv.DictReader(file):
            key = (date.fromisoformat(row["rate_month"]), row["base_currency"])
            rates[key][row["quote_currency"]] = Decimal(row["rate"])
            rates[key][row["base_currency"]] = Decimal(1)
    return rates


def rate(currency: str, month: date, reporting: str = REPORTING) -> Decimal:
    """Units of `reporting` per unit of `currency` for costs of `month`: the latest seeded
    month at or before it that quotes both against one base."""
    if currency == reporting:
        return Decimal(1)
    usable = sorted((rate_month, quotes) for (rate_month, _), quotes in seed_rates().items()
                    if rate_month <= month and currency in quotes and reporting in quotes)
    assert usable, f"the seed has no {currency} -> {reporting} rate at or before {month}"
    quotes = usable[-1][1]
    return quotes[reporting] / quotes[currency]


def month_of(text: str) -> date:
    return date.fromisoformat(text[:7] + "-01")


def window_months(truth: dict) -> list[date]:
    start = datetime.fromisoformat(truth["window"]["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(truth["window"]["end"].replace("Z", "+00:00"))
    months, month = [], date(start.year, start.month, 1)
    while month < end.date():
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


def provider_currencies(truth: dict) -> dict[str, str]:
    currencies: dict[str, set[str]] = defaultdict(set)
    for total in truth["billing_totals"]:
        currencies[total["provider"]].add(total["currency"])
    assert all(len(codes) == 1 for codes in currencies.values()), currencies
    return {provider: codes.pop() for provider, codes in currencies.items()}


def window_rate(truth: dict, currency: str) -> Decimal:
    """The one rate of every month of the window: the truth's job and route totals are not
    split by month, so they are checked where all months convert alike (else this test
    says so)."""
    rates = {rate(currency, month) for month in window_months(truth)}
    assert len(rates) == 1, f"the window's months convert {currency} at several rates: {rates}"
    return rates.pop()


def truth_job_totals(truth: dict) -> dict[str, Decimal]:
    currencies = provider_currencies(truth)
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for job in truth["job_costs"]:
        totals[currencies[job["provider"]]] += Decimal(str(job["billed_cost"]))
    return totals


# ----------------------------------------------------------------------------- the tests


def test_sample_bills_azure_in_the_second_currency(two_currency_sample: BuiltProject) -> None:
    currencies = provider_currencies(two_currency_sample.truth)
    assert currencies == {"aws": "USD", "gcp": "USD", "azure": SECOND_CURRENCY}
    rows = two_currency_sample.query(
        "select distinct x_provider, billing_currency from main_marts.fct_cost_lines")
    assert dict(rows) == currencies


def test_every_money_mart_names_its_currencies(two_currency_sample: BuiltProject) -> None:
    """Every mart with a money column has its billing currency beside it and the reporting
    currency (the var's, on every row) with reporting amounts."""
    columns = defaultdict(set)
    for table, column, data_type in two_currency_sample.query(
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_schema = 'main_marts'"):
        columns[table].add((column, data_type))
    money_marts = {table for table, cols in columns.items()
                   if any(data_type.startswith("DECIMAL") for _, data_type in cols)}
    assert set(JOB_MARTS) | set(CURRENCY_COLUMN) <= money_marts
    for table in sorted(money_marts):
        names = {column for column, _ in columns[table]}
        assert CURRENCY_COLUMN.get(table, "billing_currency") in names, table
        if table in WITHOUT_REPORTING:
            continue
        assert "reporting_currency" in names, table
        assert any(name.endswith("_in_reporting_currency") for name in names), table
        codes = two_currency_sample.query(
            f"select distinct reporting_currency from main_marts.{table}")
        assert codes in ([], [(REPORTING,)]), (table, codes)


@pytest.mark.parametrize("mart", JOB_MARTS)
def test_job_rows_carry_their_clouds_currency(two_currency_sample: BuiltProject,
                                              mart: str) -> None:
    """A row with cost is in the currency its cloud bills in; one without has none."""
    currencies = provider_currencies(two_currency_sample.truth)
    rows = two_currency_sample.query(
        f"select provider, billing_currency, billed_cost, count(*) "
        f"from main_marts.{mart} group by all")
    seen = set()
    for provider, currency, billed, _ in rows:
        if currency is None:
            assert billed == 0, (mart, provider, billed)
            continue
        assert currency == currencies[provider], (mart, provider, currency)
        seen.add(currency)
    assert seen == {"USD", SECOND_CURRENCY}, (mart, seen)


def test_job_costs_per_currency_equal_the_truth(two_currency_sample: BuiltProject) -> None:
    expected = truth_job_totals(two_currency_sample.truth)
    assert set(expected) == {"USD", SECOND_CURRENCY}
    built = dict(two_currency_sample.query(
        "select billing_currency, sum(billed_cost) from main_marts.fct_ml_job_costs "
        "where billing_currency is not null group by 1"))
    assert set(built) == set(expected)
    for currency, total in expected.items():
        assert float(built[currency]) == pytest.approx(float(total), abs=CENT), currency


def test_second_currency_jobs_convert_at_the_seed_rate(
        two_currency_sample: BuiltProject) -> None:
    truth = two_currency_sample.truth
    eur_rate = window_rate(truth, SECOND_CURRENCY)
    azure_jobs = [job for job in truth["job_costs"]
                  if job["provider"] == "azure" and job["billed_cost"] > 0]
    assert len(azure_jobs) >= 5
    for job in azure_jobs:
        rows = two_currency_sample.query(
            "select billing_currency, billed_cost, reporting_currency, "
            "billed_cost_in_reporting_currency from main_marts.fct_ml_job_costs "
            "where job_id = ?", [job["job_id"]])
        assert len(rows) == 1, job
        currency, billed, reporting, converted = rows[0]
        assert (currency, reporting) == (SECOND_CURRENCY, REPORTING), job
        assert float(billed) == pytest.approx(job["billed_cost"], abs=CENT), job
        expected = Decimal(str(job["billed_cost"])) * eur_rate
        assert float(converted) == pytest.approx(float(expected), abs=CENT), job
        assert converted != billed, "EUR and USD amounts should differ at a rate != 1"


def test_reporting_totals_are_the_converted_sums(two_currency_sample: BuiltProject) -> None:
    truth = two_currency_sample.truth
    expected = sum(total * window_rate(truth, currency)
                   for currency, total in truth_job_totals(truth).items())
    for mart in ["fct_ml_job_costs", "fct_ml_job_attempt_costs"]:
        (built,), = two_currency_sample.query(
            f"select sum(billed_cost_in_reporting_currency) from main_marts.{mart}")
        assert float(built) == pytest.approx(float(expected), abs=CENT), mart
    (leaderboard,), = two_currency_sample.query(
        "select sum(billed_cost_in_reporting_currency) from main_marts.rpt_ml_leaderboards "
        "where dimension = 'team'")
    assert float(leaderboard) == pytest.approx(float(expected), abs=CENT)


def test_leaderboards_split_spend_by_currency(two_currency_sample: BuiltProject) -> None:
    expected = truth_job_totals(two_currency_sample.truth)
    built = dict(two_currency_sample.query(
        "select billing_currency, sum(billed_cost) from main_marts.rpt_ml_leaderboards "
        "where dimension = 'team' and billing_currency is not null group by 1"))
    assert set(built) == set(expected)
    for currency, total in expected.items():
        assert float(built[currency]) == pytest.approx(float(total), abs=CENT), currency


def _rebuild_with(built: BuiltProject, work_dir: Path, reporting: str,
                  command: str = "run") -> tuple[Path, str, int]:
    """Copy of the built database with the rates and everything after them built again
    for another reporting currency."""
    work_dir.mkdir(parents=True, exist_ok=True)
    database = work_dir / "mlcost.duckdb"
    shutil.copyfile(built.database, database)
    vars_yaml = ((built.data_dir / "mlcost_vars.yml").read_text()
                 + f"\nmlcost_reporting_currency: {reporting}\n")
    result = run_dbt([command, "--select", "int_exchange_rates_as_of+", "--vars", vars_yaml],
                     database, work_dir)
    return database, result.stdout, result.returncode


def test_another_reporting_currency_converts_through_the_base(
        two_currency_sample: BuiltProject, tmp_path: Path) -> None:
    """GBP reporting: USD and EUR costs both convert, through the seed's EUR base."""
    database, output, code = _rebuild_with(two_currency_sample, tmp_path, "GBP", "build")
    assert code == 0, output[-4000:]
    truth = two_currency_sample.truth
    expected = Decimal(0)
    for currency, total in truth_job_totals(truth).items():
        rates = {rate(currency, month, "GBP") for month in window_months(truth)}
        assert len(rates) == 1
        expected += total * rates.pop()
    built = BuiltProject(two_currency_sample.data_dir, database, truth, output)
    (reporting, total), = built.query(
        "select max(reporting_currency), sum(billed_cost_in_reporting_currency) "
        "from main_marts.fct_ml_job_costs")
    assert reporting == "GBP"
    assert float(total) == pytest.approx(float(expected), abs=CENT)


def unquoted_currency() -> str:
    """An ISO 4217 code the rates seed quotes in no month."""
    with (PROJECT_DIR / "seeds" / "iso_4217_currencies.csv").open(newline="") as file:
        codes = {row["currency_code"] for row in csv.DictReader(file)}
    quoted = {code for quotes in seed_rates().values() for code in quotes}
    return sorted(codes - quoted)[0]


def test_a_currency_without_rate_is_null_and_fails_the_build(
        two_currency_sample: BuiltProject, tmp_path: Path) -> None:
    """A reporting currency the seed never quotes: reporting amounts are null (never 0)
    and the data test names each billing currency and month."""
    reporting = unquoted_currency()
    database, output, code = _rebuild_with(two_currency_sample, tmp_path, reporting)
    assert code == 0, output[-4000:]
    built = BuiltProject(two_currency_sample.data_dir, database,
                         two_currency_sample.truth, output)
    (costed, converted), = built.query(
        "select count(*), count(billed_cost_in_reporting_currency) "
        "from main_marts.fct_ml_job_costs where billed_cost != 0")
    assert costed > 0 and converted == 0
    result = run_dbt(["test", "--select", "assert_reporting_rates_cover_cost_lines",
                      "--vars", (two_currency_sample.data_dir / "mlcost_vars.yml").read_text()
                      + f"\nmlcost_reporting_currency: {reporting}\n"], database, tmp_path)
    assert result.returncode != 0
    assert "assert_reporting_rates_cover_cost_lines" in result.stdout
    months = {(currency, month_of(month)) for currency, month in built.query(
        "select billing_currency, strftime(charge_month, '%Y-%m') from ("
        "select distinct billing_currency, date_trunc('month', charge_period_start) "
        "as charge_month from main_marts.fct_cost_lines)")}
    assert f"Got {len(months)} result" in result.stdout, result.stdout[-3000:]


def test_billing_totals_per_currency_and_month(two_currency_sample: BuiltProject) -> None:
    """rpt_billing_export_health: each provider's bill in its own currency, and converted
    at the rate of its month."""
    built = {(provider, month): (currency, billed, converted)
             for provider, month, currency, billed, converted in two_currency_sample.query(
                 "select x_provider, strftime(billing_period_start, '%Y-%m'), "
                 "max(billing_currency), sum(billed_cost), "
                 "sum(billed_cost_in_reporting_currency) "
                 "from main_marts.rpt_billing_export_health group by 1, 2 "
                 "having count(distinct billing_currency) = 1")}
    totals = two_currency_sample.truth["billing_totals"]
    assert {(t["provider"], t["billing_period"]) for t in totals} == set(built)
    for total in totals:
        currency, billed, converted = built[(total["provider"], total["billing_period"])]
        assert currency == total["currency"], total
        assert float(billed) == pytest.approx(total["billed_cost"], abs=CENT), total
        expected = (Decimal(str(total["billed_cost"]))
                    * rate(total["currency"], month_of(total["billing_period"])))
        assert float(converted) == pytest.approx(float(expected), abs=CENT), total


def test_egress_cost_per_currency_equals_the_truth(two_currency_sample: BuiltProject) -> None:
    truth = two_currency_sample.truth
    currencies = provider_currencies(truth)
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for route in truth["egress_routes"]:
        expected[currencies[route["provider"]]] += Decimal(str(route["billed_cost"]))
    for mart in ["fct_egress_routes_daily", "rpt_egress_top_routes"]:
        built = {currency: (billed, converted) for currency, billed, converted in
                 two_currency_sample.query(
                     f"select billing_currency, sum(billed_cost), "
                     f"sum(billed_cost_in_reporting_currency) from main_marts.{mart} "
                     f"group by 1")}
        assert set(built) == set(expected), mart
        for currency, total in expected.items():
            billed, converted = built[currency]
            assert float(billed) == pytest.approx(float(total), abs=CENT), (mart, currency)
            assert float(converted) == pytest.approx(
                float(total * window_rate(truth, currency)), abs=CENT), (mart, currency)


def test_tag_coverage_and_unowned_per_currency_equal_the_truth(
        two_currency_sample: BuiltProject) -> None:
    """Tag coverage and resources without an owner: each cloud's cost in its own currency,
    the reporting amounts converted at the seed's rate."""
    truth = two_currency_sample.truth
    currencies = provider_currencies(truth)
    covered: dict[str, Decimal] = defaultdict(Decimal)
    for share in truth["untagged_share"]:
        covered[currencies[share["provider"]]] += Decimal(str(share["total_billed_cost"]))
    unowned: dict[str, Decimal] = defaultdict(Decimal)
    for resource in truth["unowned_resources"]:
        unowned[currencies[resource["provider"]]] += Decimal(str(resource["billed_cost"]))
    checks = [
        ("select billing_currency, sum(billed_cost), sum(billed_cost_in_reporting_currency) "
         "from main_marts.fct_tag_coverage_daily where tag_name = 'team' group by 1", covered),
        ("select billing_currency, sum(finding_billed_cost), "
         "sum(finding_billed_cost_in_reporting_currency) "
         "from main_marts.rpt_idle_and_orphaned_resources where finding = 'unowned_resource' "
         "group by 1", unowned),
    ]
    for sql, expected in checks:
        built = {currency: (billed, converted)
                 for currency, billed, converted in two_currency_sample.query(sql)}
        assert set(built) == set(expected), sql
        for currency, total in expected.items():
            billed, converted = built[currency]
            assert float(billed) == pytest.approx(float(total), abs=CENT), (sql, currency)
            assert float(converted) == pytest.approx(
                float(total * window_rate(truth, currency)), abs=CENT), (sql, currency)
