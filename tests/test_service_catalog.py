"""Every service and region of the generated sample and the real fixtures maps through the
seeds: one FOCUS 1.2 category and sub-category per service, the seed's region name.

Expected values are read from the seed CSVs with the csv module, not through our SQL.
Lines read from FOCUS exports carry the provider's own values and are left out; so are
AWS Marketplace lines, whose product codes are the sellers' and have no seed row.
"""

from __future__ import annotations

import csv
import re

import pytest

from build_support import PROJECT_DIR
from real_fixtures_support import requires_real_fixtures

SEEDS = PROJECT_DIR / "seeds"
NATIVE = "x_source_format not like 'focus%'"
# The seed's key per provider: CUR product code, GCP service description, Azure meter category.
SERVICE_KEY = "case x_provider when 'gcp' then service_name else x_service_code end"


def seed_rows(name: str) -> list[dict[str, str]]:
    with (SEEDS / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


SERVICES = {(row["provider"], row["service_code"]): row for row in seed_rows("service_categories")}
REGIONS = {(row["provider"], row["region_id"]): row for row in seed_rows("regions")}
# The spec's pairs, as the conformance rules hold them: one allowed_values rule per category.
FOCUS_PAIRS = {(re.fullmatch(r"service_category = '(.+)'", row["applies_when"])[1], value)
               for row in seed_rows("focus_column_rules")
               if row["focus_column_id"] == "ServiceSubcategory"
               and row["requirement"] == "allowed_values"
               for value in row["allowed_values"].split("|")}


@pytest.fixture(params=["sample", pytest.param("real_fixtures", marks=requires_real_fixtures)])
def built(request: pytest.FixtureRequest):
    return request.getfixturevalue("built_sample" if request.param == "sample" else "usable_build")


def test_focus_pairs_are_the_spec_s_82() -> None:
    categories = {category for category, _ in FOCUS_PAIRS}
    assert len(FOCUS_PAIRS) == 82 and len(categories) == 19
    subcategories = [sub for _, sub in FOCUS_PAIRS]
    assert len(subcategories) == len(set(subcategories)), "a sub-category has one parent"
    assert ("Storage", "Backup Storage") in FOCUS_PAIRS
    assert ("Management and Governance", "Support") in FOCUS_PAIRS


def test_every_seeded_service_has_a_focus_pair() -> None:
    wrong = [(key, row["service_category"], row["service_subcategory"])
             for key, row in SERVICES.items()
             if (row["service_category"], row["service_subcategory"]) not in FOCUS_PAIRS]
    assert wrong == []


def test_seed_covers_the_services_the_issue_names() -> None:
    for provider, code in [("aws", "awskms"), ("aws", "AWSQueueService"), ("aws", "AmazonSNS"),
                           ("aws", "AWSGlue"), ("aws", "AWSCloudTrail"),
                           ("aws", "AWSSecretsManager"), ("azure", "Azure Data Factory v2"),
                           ("azure", "Event Hubs")]:
        assert (provider, code) in SERVICES, code
        assert SERVICES[provider, code]["service_category"] != "Other", code


def test_every_service_maps_to_one_focus_category(built) -> None:
    rows = built.query(f"""
        select x_provider, {SERVICE_KEY}, service_category, service_subcategory, count(*)
        from main_marts.fct_cost_lines
        where {NATIVE} and coalesce(publisher_name, '') != 'AWS Marketplace'
        group by all""")
    assert rows, "no native lines built"
    unmapped = sorted({(provider, key) for provider, key, *_ in rows
                       if (provider, key) not in SERVICES})
    assert unmapped == [], "add these services to seeds/service_categories.csv"
    for provider, key, category, subcategory, _ in rows:
        seed = SERVICES[provider, key]
        assert category == seed["service_category"], (provider, key, category)
        assert (category, subcategory) in FOCUS_PAIRS, (provider, key, subcategory)


def test_every_region_maps_with_the_seed_s_name(built) -> None:
    rows = built.query(f"""
        select distinct x_provider, region_id, region_name from main_marts.fct_cost_lines
        where {NATIVE} and region_id is not null""")
    assert rows
    unmapped = sorted({(provider, region) for provider, region, _ in rows
                       if (provider, region) not in REGIONS})
    assert unmapped == [], "add these regions to seeds/regions.csv"
    wrong = [(provider, region, name) for provider, region, name in rows
             if name != REGIONS[provider, region]["region_name"]]
    assert wrong == []


def test_resource_type_only_with_a_resource(built) -> None:
    rows = built.query(f"""
        select x_provider, resource_id is null, resource_type is null, count(*)
        from main_marts.fct_cost_lines where {NATIVE} group by all""")
    assert [row for row in rows if row[1] != row[2]] == []


def test_azure_vm_usage_lines_name_their_size(built) -> None:
    rows = built.query(f"""
        select x_line_key, x_usage_type from main_marts.fct_cost_lines
        where {NATIVE} and x_provider = 'azure' and x_service_code = 'Virtual Machines'
            and charge_category = 'Usage' and x_instance_type is null""")
    assert rows == []
