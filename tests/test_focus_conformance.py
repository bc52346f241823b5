"""fct_cost_lines carries every FOCUS 1.2 column, in snake_case, plus 1.3's provider columns.

The column list below is FOCUS 1.2's, as the specification lists them
(FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, tag v1.2, specification/columns/*.md: 57
columns), with the two 1.3 additions mlcost carries. Microsoft's FocusCost 1.2-preview
export metadata (a shared fixture) is a second, independent witness for the names.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from build_support import SHARED_FIXTURES, BuiltProject
from real_fixtures_support import requires_real_fixtures

FOCUS_1_2_COLUMNS = [
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName",
    "BillingAccountType", "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart",
    "CapacityReservationId", "CapacityReservationStatus", "ChargeCategory", "ChargeClass",
    "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd", "ChargePeriodStart",
    "CommitmentDiscountCategory", "CommitmentDiscountId", "CommitmentDiscountName",
    "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost",
    "ContractedUnitPrice", "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost",
    "ListUnitPrice", "PricingCategory", "PricingCurrency",
    "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName",
    "PublisherName", "RegionId", "RegionName", "ResourceId", "ResourceName", "ResourceType",
    "ServiceCategory", "ServiceName", "ServiceSubcategory", "SkuId", "SkuMeter",
    "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName", "SubAccountType", "Tags",
]
FOCUS_1_3_CARRIED = ["ServiceProviderName", "HostProviderName"]

# Lines whose category is Other by nature: tax, and support plans.
OTHER_BY_NATURE = "charge_category = 'Tax' or service_subcategory = 'Support'"


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def test_spec_list_has_57_columns() -> None:
    assert len(FOCUS_1_2_COLUMNS) == len(set(FOCUS_1_2_COLUMNS)) == 57


@requires_real_fixtures
def test_spec_list_agrees_with_microsoft_focus_export_metadata() -> None:
    metadata = json.loads(
        (SHARED_FIXTURES / "focus" / "ms_focuscost_1.2-preview_schema_metadata.json").read_text())
    microsoft = {column["ColumnName"] for column in metadata["Columns"]
                 if not column["ColumnName"].startswith("x_")}
    assert microsoft <= set(FOCUS_1_2_COLUMNS), microsoft - set(FOCUS_1_2_COLUMNS)


def test_fct_cost_lines_has_every_focus_column(built_sample: BuiltProject) -> None:
    present = {row[0] for row in built_sample.query("describe main_marts.fct_cost_lines")}
    missing = [snake(name) for name in FOCUS_1_2_COLUMNS + FOCUS_1_3_CARRIED
               if snake(name) not in present]
    assert missing == []
    extras = sorted(name for name in present
                    if not name.startswith("x_")
                    and name not in {snake(n) for n in FOCUS_1_2_COLUMNS + FOCUS_1_3_CARRIED})
    assert extras == [], "non-FOCUS columns must be prefixed x_"


def test_every_generated_service_has_a_category(built_sample: BuiltProject) -> None:
    rows = built_sample.query(f"""
        select x_provider, x_service_code, service_name, count(*)
        from main_marts.fct_cost_lines
        where service_category = 'Other' and not ({OTHER_BY_NATURE})
        group by all""")
    assert rows == [], "add these services to seeds/service_categories.csv"


def test_every_generated_region_is_in_the_regions_seed(built_sample: BuiltProject) -> None:
    rows = built_sample.query("""
        select distinct x_provider, region_id from main_marts.fct_cost_lines
        where region_id is not null and x_region_canonical is null""")
    assert rows == [], "add these regions to seeds/regions.csv"


@pytest.mark.parametrize("column", ["team", "owner", "cost_center", "environment"])
def test_tag_aliases_fold_onto_canonical_keys(built_sample: BuiltProject, column: str) -> None:
    keys = {row[0] for row in built_sample.query("""
        select distinct unnest(json_keys(cast(x_tags_normalized as json)))
        from main_marts.fct_cost_lines""")}
    assert not keys & {"team_name", "created_by", "cost-center", "env", "user_team"}
    assert column in keys


def _conformance_on(built: BuiltProject, tmp_path, change_sql: str) -> dict[str, int]:
    """The checks of rpt_focus_conformance (int_focus_rule_months_checked's compiled SQL,
    per month) run over a copy of the usable lines of the unified table (fct_cost_lines'
    lines) changed by `change_sql` (an update on table `changed_lines`): violations per
    rule."""
    compiled = (built.database.parent / "target" / "compiled" / "mlcost" / "models"
                / "intermediate" / "finops" / "int_focus_rule_months_checked.sql").read_text()
    # Same file name: the compiled SQL names the database (its catalog) in every ref.
    copy = tmp_path / built.database.name
    copy.write_bytes(built.database.read_bytes())
    con = duckdb.connect(str(copy))
    try:
        con.execute("create table changed_lines as select * from "
                    "main_intermediate.int_cost_lines_unioned where x_quarantine_reason is null")
        con.execute(change_sql)
        sql = re.sub(r'"[^"]+"\."main_intermediate"\."int_cost_lines_unioned"', "changed_lines",
                     compiled)
        assert "changed_lines" in sql
        return {rule_id: count for rule_id, count in con.execute(
            f"select rule_id, sum(violating_line_count) from ({sql}) group by 1").fetchall()}
    finally:
        con.close()


def test_conformance_check_finds_planted_violations(built_sample: BuiltProject,
                                                    tmp_path) -> None:
    rules = {(focus_column, requirement, applies_when): rule_id
             for rule_id, focus_column, requirement, applies_when in built_sample.query(
                 "select rule_id, focus_column_id, requirement, applies_when "
                 "from main_reference.focus_column_rules")}
    resource_type_needs_id = rules[("ResourceType", "null", "resource_id is null")]
    storage_subcategory = rules[("ServiceSubcategory", "allowed_values",
                                 "service_category = 'Compute'")]
    frequency_values = rules[("ChargeFrequency", "allowed_values",
                              "charge_frequency is not null")]
    violations = _conformance_on(built_sample, tmp_path, """
        update changed_lines set
            resource_type = case when x_line_key = (select min(x_line_key) from changed_lines
                where resource_id is null) then 'Virtual Machine' else resource_type end,
            service_subcategory = case when x_line_key in (select x_line_key from changed_lines
                where service_category = 'Compute' order by x_line_key limit 2)
                then 'Block Storage' else service_subcategory end,
            charge_frequency = case when x_line_key in (select x_line_key from changed_lines
                order by x_line_key limit 3) then 'Usage-based' else charge_frequency end""")
    assert violations[resource_type_needs_id] == 1
    assert violations[storage_subcategory] == 2
    assert violations[frequency_values] == 3
    untouched = {rule for rule, count in violations.items() if count
                 and rule not in (resource_type_needs_id, storage_subcategory, frequency_values)}
    assert untouched == set(), "the sample itself must conform"


def test_rule_conditions_translate_the_spec_sentences() -> None:
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "focus_rules_from_spec",
        Path(__file__).resolve().parents[1] / "scripts" / "focus_rules_from_spec.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.condition_sql("[ResourceId](#resourceid) is null") == "resource_id is null"
    assert module.condition_sql('ChargeCategory is "Usage" or "Purchase" and '
                                '[ChargeClass](#chargeclass) is not "Correction"') == (
        "charge_category in ('Usage', 'Purchase') and "
        "coalesce(charge_class, '') not in ('Correction')")
    # A condition about the world, not about columns, is left out rather than guessed.
    assert module.condition_sql("a *charge* is related to a *resource*") is None


@pytest.mark.parametrize(("price", "cost"), [("list_unit_price", "list_cost"),
                                             ("contracted_unit_price", "contracted_cost")])
def test_unit_price_times_quantity_is_the_cost(built_sample: BuiltProject, price: str,
                                               cost: str) -> None:
    """FOCUS 1.2: the product of a unit price and PricingQuantity MUST match its cost when
    the quantity is not null and the line is not a correction (a rule the seed cannot
    express). Derived prices keep it by construction; delivered rates must agree too."""
    rows = built_sample.query(f"""
        select x_provider, x_line_type, count(*), min(x_line_key)
        from main_marts.fct_cost_lines
        where pricing_quantity is not null and {price} is not null
            and coalesce(charge_class, '') != 'Correction'
            and abs({price} * pricing_quantity - {cost}) > 0.005 + 1e-9 * abs({cost})
        group by all""")
    assert rows == []
