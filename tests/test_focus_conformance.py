"""fct_cost_lines carries every FOCUS 1.2 column, in snake_case, plus 1.3's provider columns.

The column list below is FOCUS 1.2's, as the specification lists them
(FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec, tag v1.2, specification/columns/*.md: 57
columns), with the two 1.3 additions mlcost carries. Microsoft's FocusCost 1.2-preview
export metadata (a shared fixture) is a second, independent witness for the names.
"""

from __future__ import annotations

import json
import re

import pytest

from build_support import SHARED_FIXTURES, BuiltProject

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

