"""The reference dashboard (scripts/build_dashboard.py) over the built sample's marts.

Every number the page marks (`data-metric`, `data-value`) is compared with SQL written
here, over the mart tables: money to the cent, ratios and hours to 1e-9. In headless
Chromium (`make browser` installs it; the tests that need it skip, saying why, where it
cannot be installed) the rendered DOM must hold every chart with data marks, and the same
numbers. The page must load nothing from outside.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest
from build_support import PROJECT_DIR, BuiltProject, published_sample, query_database
from headless_chromium import INSTALL_HINT, dump_dom, find_chromium, screenshot

SCRIPT = PROJECT_DIR / "scripts" / "build_dashboard.py"
BUILD_SCHEMA = "main_marts"
PANELS = {"spend_by_provider", "spend_by_team", "top_jobs", "failure_waste",
          "idle_orphaned", "egress_routes", "tag_coverage", "budget_status", "gpu_prices"}
MARK_ELEMENTS = {"path", "rect", "line", "circle", "polygon", "ellipse"}
BUDGET_KEY = "budget_scope || ':' || scope_value || ':' || strftime(budget_month, '%Y-%m')"

# What each marked number is, in SQL of its own: `{s}` is the schema, `$key` the slice the
# page names (a provider, team, job...), `$currency` the currency it says.
EXPECTED_SQL = {
    "spend_total_billed_cost":
        "select sum(billed_cost) from {s}.fct_cost_lines where billing_currency = $currency",
    "spend_total_effective_cost":
        "select sum(effective_cost) from {s}.fct_cost_lines "
        "where billing_currency = $currency",
    "spend_provider_billed_cost":
        "select sum(billed_cost) from {s}.fct_cost_lines "
        "where x_provider = $key and billing_currency = $currency",
    # Without fct_cost_lines (a published copy): usage spend, here from the rows of the
    # team tag, which cover the same usage lines as the all_required rows the page reads.
    "spend_usage_total_billed_cost":
        "select sum(billed_cost) from {s}.fct_tag_coverage_daily where tag_name = 'team'",
    "spend_usage_provider_billed_cost":
        "select sum(billed_cost) from {s}.fct_tag_coverage_daily "
        "where tag_name = 'team' and x_provider = $key",
    "team_usage_billed_cost":
        "select sum(billed_cost) from {s}.fct_tag_coverage_daily "
        "where tag_name = 'all_required' and owner_team = $key",
    "jobs_count": "select count(*) from {s}.fct_ml_job_costs",
    "jobs_total_billed_cost": "select sum(billed_cost) from {s}.fct_ml_job_costs",
    "job_billed_cost": "select billed_cost from {s}.fct_ml_job_costs where job_id = $key",
    "failure_attempt_count": "select count(*) from {s}.fct_ml_failed_attempt_costs",
    "failure_wasted_billed_cost":
        "select sum(wasted_billed_cost) from {s}.fct_ml_failed_attempt_costs",
    "failure_lost_since_checkpoint_billed_cost":
        "select sum(lost_since_checkpoint_billed_cost) from {s}.fct_ml_failed_attempt_costs",
    "failure_retry_billed_cost":
        "select sum(retry_billed_cost) from {s}.fct_ml_failed_attempt_costs",
    "failure_checkpoint_saving_billed_cost":
        "select sum(checkpoint_saving_billed_cost) from {s}.fct_ml_failed_attempt_costs",
    "failure_wasted_gpu_hours":
        "select sum(wasted_gpu_hours) from {s}.fct_ml_failed_attempt_costs",
    "failure_status_wasted_billed_cost":
        "select sum(wasted_billed_cost) from {s}.fct_ml_failed_attempt_costs "
        "where attempt_status = $key",
    "idle_finding_billed_cost":
        "select sum(finding_billed_cost) from {s}.rpt_idle_and_orphaned_resources "
        "where finding = $key",
    "idle_finding_resource_months":
        "select count(*) from {s}.rpt_idle_and_orphaned_resources where finding = $key",
    "egress_total_billed_cost": "select sum(billed_cost) from {s}.fct_egress_routes_daily",
    "egress_total_usage_gb": "select sum(usage_gb) from {s}.fct_egress_routes_daily",
    "egress_cross_region_billed_cost":
        "select sum(billed_cost) from {s}.fct_egress_routes_daily "
        "where egress_route in ('inter_region', 'inter_region_inbound', 'inter_cloud')",
    "egress_route_billed_cost":
        "select sum(billed_cost) from {s}.fct_egress_routes_daily where egress_route = $key",
    "egress_route_usage_gb":
        "select sum(usage_gb) from {s}.fct_egress_routes_daily where egress_route = $key",
    # Coverage by dollars of the all_required rows: 1 - untagged share (each usage line
    # once); the other tags' rows would count an untagged line once per tag.
    "tag_all_required_dollar_coverage":
        "select 1 - sum(untagged_billed_cost) / sum(billed_cost) "
        "from {s}.fct_tag_coverage_daily where tag_name = 'all_required'",
    "tag_usage_billed_cost":
        "select sum(tagged_billed_cost + untagged_billed_cost) "
        "from {s}.fct_tag_coverage_daily where tag_name = 'all_required'",
    "tag_all_required_untagged_billed_cost":
        "select sum(billed_cost - tagged_billed_cost) from {s}.fct_tag_coverage_daily "
        "where tag_name = 'all_required'",
    "tag_dollar_coverage":
        "select sum(tagged_billed_cost) / sum(billed_cost) from {s}.fct_tag_coverage_daily "
        "where tag_name = $key",
    "budget_alert_count":
        "select count(*) from {s}.fct_budget_status_daily "
        "where is_latest and alert_level = $key",
    "budget_amount":
        f"select budget_amount from {{s}}.fct_budget_status_daily "
        f"where is_latest and {BUDGET_KEY} = $key and currency = $currency",
    "budget_month_to_date_spend":
        f"select month_to_date_spend from {{s}}.fct_budget_status_daily "
        f"where is_latest and {BUDGET_KEY} = $key and currency = $currency",
    "budget_forecast_month_end_spend":
        f"select forecast_month_end_spend from {{s}}.fct_budget_status_daily "
        f"where is_latest and {BUDGET_KEY} = $key and currency = $currency",
    "budget_percent_used":
        f"select month_to_date_spend / budget_amount from {{s}}.fct_budget_status_daily "
        f"where is_latest and {BUDGET_KEY} = $key",
    "gpu_total_hours": "select sum(gpu_hours) from {s}.fct_gpu_hour_prices_monthly",
    "gpu_hours":
        "select sum(gpu_hours) from {s}.fct_gpu_hour_prices_monthly where gpu_model = $key",
    "gpu_effective_cost":
        "select sum(effective_cost) from {s}.fct_gpu_hour_prices_monthly "
        "where gpu_model = $key",
    # Weighted: the cost of every month, region and pricing category over all their
    # hours (a row of cost without time-measured GPU-hours counts too).
    "gpu_effective_price_per_gpu_hour":
        "select sum(effective_cost) / sum(gpu_hours) "
        "from {s}.fct_gpu_hour_prices_monthly where gpu_model = $key",
    "gpu_overall_price_per_gpu_hour":
        "select sum(effective_cost) / sum(gpu_hours) from {s}.fct_gpu_hour_prices_monthly",
}


# The page shows the spend of the lines when fct_cost_lines is there, else usage spend.
LINE_SPEND = {"spend_total_billed_cost", "spend_total_effective_cost",
              "spend_provider_billed_cost"}
USAGE_SPEND = {"spend_usage_total_billed_cost", "spend_usage_provider_billed_cost"}


@dataclass
class MarkedNumber:
    panel: str
    name: str
    unit: str
    value: str
    key: str | None
    currency: str | None
    text: str = ""


@dataclass
class PageReading:
    """What a page holds: its panels, marked numbers, chart marks and outside links."""

    panels: dict[str, bool] = field(default_factory=dict)  # panel -> has data
    numbers: list[MarkedNumber] = field(default_factory=list)
    charts: dict[str, int] = field(default_factory=dict)  # panel -> data mark elements
    links: list[str] = field(default_factory=list)  # every src, href and CSS url()
    scripts: int = 0


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.reading = PageReading()
        self._panel: str | None = None
        self._chart: str | None = None
        self._groups: list[bool] = []  # open <g>: inside a data mark group?
        self._number: MarkedNumber | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, dict(attrs), leaf=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._element(tag, dict(attrs), leaf=True)

    def _element(self, tag: str, attrs: dict[str, str | None], leaf: bool) -> None:
        for name in ("src", "href", "xlink:href", "srcset", "poster", "data", "action"):
            if attrs.get(name):
                self.reading.links.append(attrs[name] or "")
        if attrs.get("style"):
            self.reading.links += re.findall(r"url\(([^)]*)\)", attrs["style"] or "")
        if tag == "script":
            self.reading.scripts += 1
        if tag == "section" and attrs.get("data-panel"):
            self._panel = attrs["data-panel"]
            self.reading.panels[self._panel] = attrs.get("data-empty") != "true"
        if tag == "figure" and attrs.get("data-chart"):
            self._chart = attrs["data-chart"]
            self.reading.charts.setdefault(self._chart, 0)
        if attrs.get("data-metric"):
            self._number = MarkedNumber(
                panel=self._panel or "", name=attrs["data-metric"] or "",
                unit=attrs.get("data-unit") or "", value=attrs.get("data-value") or "",
                key=attrs.get("data-key"), currency=attrs.get("data-currency"))
            self.reading.numbers.append(self._number)
        if tag == "g" and not leaf:
            classes = (attrs.get("class") or "").split()
            inside = bool(self._groups and self._groups[-1])
            self._groups.append("role-mark" in classes or inside)
        if (tag in MARK_ELEMENTS and self._chart and self._groups and self._groups[-1]):
            self.reading.charts[self._chart] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "g" and self._groups:
            self._groups.pop()
        elif tag == "figure":
            self._chart = None
        elif tag == "section":
            self._panel = None
        elif tag == "span":
            self._number = None

    def handle_data(self, data: str) -> None:
        if self._number is not None:
            self._number.text += data
        self.reading.links += re.findall(r"url\(([^)]*)\)", data)
        self.reading.links += re.findall(r"@import\s+['\"]?([^'\";]+)", data)


def read_page(text: str) -> PageReading:
    parser = PageParser()
    parser.feed(text)
    parser.close()
    return parser.reading


def build_page(database: Path, out: Path | None, schema: str = BUILD_SCHEMA
               ) -> subprocess.CompletedProcess:
    """Run the CLI; without `out` it writes its default, dashboard/index.html beside the
    database."""
    return subprocess.run([sys.executable, str(SCRIPT), "--database", str(database),
                           "--schema", schema, *(["--out", str(out)] if out else [])],
                          capture_output=True, text=True, check=False)


def copy_marts(source: Path, target: Path, where: str = "true", into: str | None = None
               ) -> None:
    """The marts and seeds of a build as tables of a file of their own, under the same
    schema names or all in schema `into`; `where` keeps only some rows of each."""
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{source}' as build (read_only)")
        tables = con.execute("""
            select table_schema, table_name from information_schema.tables
            where table_catalog = 'build' and table_schema in ('main_marts', 'main_reference')
        """).fetchall()
        for schema, table in tables:
            con.execute(f"create schema if not exists {into or schema}")
            con.execute(f"create table {into or schema}.{table} as "
                        f"select * from build.{schema}.{table} where {where}")
        con.execute("detach build")
    finally:
        con.close()


@pytest.fixture(scope="module")
def page(built_sample: BuiltProject, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dashboard") / "index.html"
    result = build_page(built_sample.database, out)
    assert result.returncode == 0, result.stderr
    return out


# The widest scope: found (or skipped) before the sample is built, not after.
@pytest.fixture(scope="session")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        pytest.skip(f"no Chromium on this machine: {INSTALL_HINT}")
    return binary


@pytest.fixture(scope="module")
def rendered(chromium: str, page: Path) -> PageReading:
    return read_page(dump_dom(page, binary=chromium))


def expected_value(database: Path, schema: str, number: MarkedNumber) -> object:
    sql = EXPECTED_SQL[number.name].format(s=schema)
    params = {name: value for name, value in (("key", number.key),
                                              ("currency", number.currency))
              if f"${name}" in sql}
    rows = query_database(database, sql, params)  # type: ignore[arg-type]
    assert len(rows) == 1, f"{number.name} {number.key}: {len(rows)} rows in SQL"
    return rows[0][0]


def assert_numbers_match_sql(reading: PageReading, database: Path,
                             schema: str = BUILD_SCHEMA, bill: Path | None = None,
                             spend: set[str] = LINE_SPEND) -> None:
    """Every marked number equals its SQL on `database`; money is in a currency of the
    bill (the lines of the build database `bill`, default `database`); the page shows
    every number of EXPECTED_SQL, of the two kinds of spend only those of `spend`."""
    unknown = {number.name for number in reading.numbers} - set(EXPECTED_SQL)
    assert not unknown, f"numbers with no SQL to check them against: {unknown}"
    missing = (set(EXPECTED_SQL) - LINE_SPEND - USAGE_SPEND | spend) - {
        number.name for number in reading.numbers}
    assert not missing, f"numbers the page does not show: {missing}"
    bill_currencies = {row[0] for row in query_database(
        bill or database,
        f"select distinct billing_currency from {BUILD_SCHEMA}.fct_cost_lines")}
    mismatches = []
    for number in reading.numbers:
        expected = expected_value(database, schema, number)
        if number.unit in ("money", "price"):
            assert number.currency in bill_currencies, number
        if expected is None or number.value == "":
            if not (expected is None and number.value == ""):
                mismatches.append((number, expected))
            continue
        shown = Decimal(number.value)
        if number.unit == "count":
            ok = shown == Decimal(expected)
        elif number.unit == "money":
            ok = abs(shown - Decimal(str(expected))) < Decimal("0.005")
        else:
            ok = math.isclose(float(shown), float(expected), rel_tol=1e-9, abs_tol=1e-12)
        if not ok:
            mismatches.append((number, expected))
    assert not mismatches, "page numbers differ from SQL:\n" + "\n".join(
        f"  {n.name} [{n.key}] {n.currency}: page {n.value}, SQL {e}" for n, e in mismatches)


def test_page_numbers_equal_sql(page: Path, built_sample: BuiltProject) -> None:
    reading = read_page(page.read_text())
    assert reading.panels == dict.fromkeys(PANELS, True)
    assert_numbers_match_sql(reading, built_sample.database)


def test_displayed_text_is_the_marked_value_rounded(page: Path) -> None:
    for number in read_page(page.read_text()).numbers:
        value = Decimal(number.value)
        if number.unit in ("money", "price"):
            assert number.text == f"{number.currency} {value:,.2f}", number
        elif number.unit == "ratio":
            assert number.text == f"{value * 100:.1f}%", number
        elif number.unit == "count":
            assert number.text == f"{int(value):,}", number


def test_top_jobs_are_the_costliest(page: Path, built_sample: BuiltProject) -> None:
    shown = [n.key for n in read_page(page.read_text()).numbers if n.name == "job_billed_cost"]
    costliest = [row[0] for row in built_sample.query(
        f"select job_id from {BUILD_SCHEMA}.fct_ml_job_costs "
        "order by billed_cost desc, job_id limit 10")]
    assert shown == costliest


def test_team_spend_counts_each_usage_line_once(page: Path,
                                                built_sample: BuiltProject) -> None:
    """Teams add up to the usage cost of the bill, not to it times the number of tags,
    and so does the usage cost tag coverage is of."""
    numbers = read_page(page.read_text()).numbers
    teams = [Decimal(n.value) for n in numbers if n.name == "team_usage_billed_cost"]
    tagged_base = [Decimal(n.value) for n in numbers if n.name == "tag_usage_billed_cost"]
    (usage,), = built_sample.query(f"select sum(billed_cost) from {BUILD_SCHEMA}."
                                   "fct_cost_lines where charge_category = 'Usage'")
    assert abs(sum(teams) - usage) < Decimal("0.005")
    assert len(tagged_base) == 1 and abs(tagged_base[0] - usage) < Decimal("0.005")


def test_gpu_price_is_weighted_not_averaged(page: Path, built_sample: BuiltProject) -> None:
    """An average of the per-row prices would differ: the sample's models have rows of
    very different hours and prices."""
    shown = {n.key: float(n.value) for n in read_page(page.read_text()).numbers
             if n.name == "gpu_effective_price_per_gpu_hour"}
    averaged = dict(built_sample.query(
        f"select gpu_model, avg(effective_price_per_gpu_hour) from {BUILD_SCHEMA}."
        "fct_gpu_hour_prices_monthly group by 1"))
    assert any(not math.isclose(price, averaged[model], rel_tol=1e-6)
               for model, price in shown.items())


def test_page_loads_nothing_from_outside(page: Path) -> None:
    text = page.read_text()
    reading = read_page(text)
    outside = [link for link in reading.links
               if re.match(r"\s*['\"]?\s*(https?:)?//", link, re.IGNORECASE)]
    assert not outside, f"the page links outside: {outside}"
    assert reading.scripts == 0
    assert not re.search(r"<(link|iframe|img|object|embed)\b", text, re.IGNORECASE)
    # The only absolute URLs are the SVG namespace names, which nothing fetches.
    urls = set(re.findall(r"(?:https?:)?//[^\s\"'<>)]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls


def test_published_copy_gives_the_same_numbers(page: Path, built_sample: BuiltProject,
                                               tmp_path: Path) -> None:
    """The published file (scripts/publish_bi.py) keeps the schema names and leaves
    fct_cost_lines out: spend by provider is then usage spend, the rest is unchanged."""
    published = published_sample(built_sample, tmp_path / "mlcost_bi.duckdb", "--no-parquet")
    assert not query_database(published, "select * from information_schema.tables "
                                         "where table_name = 'fct_cost_lines'")
    result = build_page(published, None)
    assert result.returncode == 0, result.stderr
    reading = read_page((tmp_path / "dashboard" / "index.html").read_text())
    assert reading.panels == dict.fromkeys(PANELS, True)
    assert_numbers_match_sql(reading, published, bill=built_sample.database,
                             spend=USAGE_SPEND)
    usage = [Decimal(n.value) for n in reading.numbers
             if n.name == "spend_usage_total_billed_cost"]
    (bill_usage,), = built_sample.query(f"select sum(billed_cost) from {BUILD_SCHEMA}."
                                        "fct_cost_lines where charge_category = 'Usage'")
    assert len(usage) == 1 and abs(usage[0] - bill_usage) < Decimal("0.005")

    def same(numbers: list[MarkedNumber]) -> dict:
        return {(n.name, n.key, n.currency): n.value for n in numbers
                if n.name not in LINE_SPEND | USAGE_SPEND}

    assert same(reading.numbers) == same(read_page(page.read_text()).numbers)


def test_schema_option_reads_another_schema(page: Path, built_sample: BuiltProject,
                                            tmp_path: Path) -> None:
    database = tmp_path / "in_main.duckdb"
    copy_marts(built_sample.database, database, into="main")
    result = build_page(database, tmp_path / "index.html", schema="main")
    assert result.returncode == 0, result.stderr
    reading = read_page((tmp_path / "index.html").read_text())
    assert_numbers_match_sql(reading, database, schema="main", bill=built_sample.database)


def test_bill_in_two_currencies_is_not_added_up(built_sample: BuiltProject,
                                               tmp_path: Path) -> None:
    """Spend is shown per currency; marts without a currency column say they add them."""
    database = tmp_path / "two_currencies.duckdb"
    copy_marts(built_sample.database, database, into="main")
    con = duckdb.connect(str(database))
    try:
        con.execute("update main.fct_cost_lines set billing_currency = 'EUR' "
                    "where x_provider = 'azure'")
    finally:
        con.close()
    result = build_page(database, tmp_path / "index.html", schema="main")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "index.html").read_text()
    numbers = read_page(text).numbers
    spend = [n for n in numbers if n.name.startswith("spend_")]
    assert {n.currency for n in spend} == {"EUR", "USD"}
    for number in spend:
        expected = expected_value(database, "main", number)
        assert abs(Decimal(number.value) - Decimal(str(expected))) < Decimal("0.005"), number
    others = [n for n in numbers if n.unit == "money" and not n.name.startswith(("spend_",
                                                                                   "budget_"))]
    assert others and all(n.currency is None for n in others)
    assert "several currencies" in text


def test_empty_marts_show_no_data_panels(built_sample: BuiltProject, tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    copy_marts(built_sample.database, empty, where="false", into="main")
    result = build_page(empty, tmp_path / "index.html", schema="main")
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "index.html").read_text()
    reading = read_page(text)
    assert reading.panels == dict.fromkeys(PANELS, False)
    assert reading.numbers == [] and reading.charts == {}
    assert text.count("No data: ") == len(PANELS)


def test_missing_database_or_schema_says_what_to_do(built_sample: BuiltProject,
                                                    tmp_path: Path) -> None:
    result = build_page(tmp_path / "absent.duckdb", tmp_path / "index.html")
    assert result.returncode == 1 and "make run" in result.stderr
    result = build_page(built_sample.database, tmp_path / "index.html", schema="nope")
    assert result.returncode == 1 and "--schema" in result.stderr
    assert not (tmp_path / "index.html").exists()


def test_rendered_charts_have_data_marks(rendered: PageReading) -> None:
    assert rendered.panels == dict.fromkeys(PANELS, True)
    assert set(rendered.charts) == PANELS
    empty = [panel for panel, marks in rendered.charts.items() if marks == 0]
    assert not empty, f"charts drawn without data marks: {empty}"


def test_rendered_numbers_equal_sql(rendered: PageReading, built_sample: BuiltProject) -> None:
    assert_numbers_match_sql(rendered, built_sample.database)


def test_screenshot(chromium: str, page: Path, tmp_path: Path) -> None:
    from PIL import Image

    png = screenshot(page, tmp_path / "dashboard.png", binary=chromium)
    with Image.open(png) as image:
        assert image.width == 1280
        # Cropped to the page: nine panels in two columns are taller than one screen.
        assert 1500 < image.height < 4000
        assert len(image.getcolors(maxcolors=256) or []) > 8


def test_exposure_names_every_mart_the_page_reads(built_sample: BuiltProject) -> None:
    """The dbt exposure of the dashboard lists exactly the marts the script reads, so
    `dbt ls --select +exposure:reference_dashboard` builds what the page needs."""
    manifest = json.loads((built_sample.database.parent / "target" / "manifest.json")
                          .read_text())
    exposure = manifest["exposures"]["exposure.mlcost.reference_dashboard"]
    depends_on = {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}
    read = set(re.findall(r"\b(?:fct|rpt|dim)_[a-z0-9_]+", SCRIPT.read_text()))
    assert depends_on == read
