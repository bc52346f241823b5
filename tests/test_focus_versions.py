"""FOCUS 1.0 and 1.3 CSV files, written the way real ones are, build and keep every cent.

The FOCUS 1.0 file copies the shape of the FinOps Foundation's FOCUS sample data
(FOCUS-Sample-Data, FOCUS-1.0/focus_sample.csv): every header and text value quoted,
unquoted literal `NULL`, empty quoted strings, JSON Tags with doubled quotes and spaced
keys, timestamps without `T`/`Z`, an `Id` extra column, AWS, Microsoft and Oracle rows,
and Oracle's `Usage-based` spelling. DuckDB's dialect sniffer cannot read such a file
unless the dialect is named. The FOCUS 1.3 file names its provider only in
ServiceProviderName / HostProviderName (ProviderName and PublisherName are deprecated).
Expected values are computed here from the rows written, not read back from the build.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from build_support import BuiltProject, build_cost_lines
from sample_data.writers.focus import FOCUS_1_0_COLUMNS

# The FOCUS sample data repository's 1.0 column order, extra Id column included.
FOCUS_1_0_HEADER = list(FOCUS_1_0_COLUMNS)
NUMERIC = {"BilledCost", "ConsumedQuantity", "ContractedCost", "EffectiveCost", "ListCost",
           "PricingQuantity", "Id", "ContractedUnitPrice", "CommitmentDiscountQuantity"}
NULL = object()  # written as the bare literal NULL
EMPTY = object()  # written as "" (Oracle's empty text values)

COMMON = {"BillingCurrency": "USD", "BillingPeriodStart": "2024-09-01 00:00:00",
          "BillingPeriodEnd": "2024-10-01 00:00:00", "ChargeClass": NULL}
ROWS_1_0 = [
    {**COMMON, "AvailabilityZone": NULL, "BilledCost": "0.00001605990",
     "BillingAccountId": "1234567890123", "BillingAccountName": "SunBird",
     "ChargeCategory": "Usage", "ChargeDescription": "$0.008 per used Application load "
     "balancer capacity unit-hour (or partial hour)", "ChargeFrequency": "Usage-Based",
     "ChargePeriodStart": "2024-09-30 22:00:00", "ChargePeriodEnd": "2024-09-30 23:00:00",
     "ConsumedQuantity": "0.002007490000000", "ConsumedUnit": "LCU-Hours",
     "ContractedCost": "0.00000000000", "ContractedUnitPrice": "0.00000000000",
     "EffectiveCost": "0.00001605990", "InvoiceIssuerName": "Amazon Web Services, Inc.",
     "ListCost": "0.00001605990", "ListUnitPrice": "0.008", "PricingCategory": "Standard",
     "PricingQuantity": "0.00200749000", "PricingUnit": "LCU-Hours", "ProviderName": "AWS",
     "PublisherName": "Amazon Web Services, Inc.", "RegionId": "us-west-2",
     "RegionName": "US West (Oregon)",
     "ResourceId": "arn:aws:elasticloadbalancing:us-west-2:115386644665:loadbalancer/app/web",
     "ResourceName": NULL, "ResourceType": NULL, "ServiceCategory": "Networking",
     "Id": "19384", "ServiceName": "Elastic Load Balancing", "SkuId": "2ETY8Y426S4237JU",
     "SkuPriceId": "2ETY8Y426S4237JU.JRTCKXETXF.6YS6EN2CT7", "SubAccountId": "43883916739",
     "SubAccountName": "Zenith Eclipse",
     "Tags": {"application": "BrightLensMatrix", "environment": "dev",
              "business_unit": "ViennaAI"}},
    {**COMMON, "AvailabilityZone": NULL, "BilledCost": "-2.61370000000",
     "BillingAccountId": "1234567890123", "BillingAccountName": "SunBird",
     "ChargeCategory": "Credit", "ChargeDescription": "AWS Open Source Promotional Credits",
     "ChargeFrequency": "One-Time", "ChargePeriodStart": "2024-09-24 03:00:00",
     "ChargePeriodEnd": "2024-09-24 04:00:00", "ConsumedQuantity": NULL, "ConsumedUnit": NULL,
     "ContractedCost": "-3.00000000000", "ContractedUnitPrice": "-3.00000000000",
     "EffectiveCost": "-3.00000000000", "InvoiceIssuerName": "Amazon Web Services, Inc.",
     "ListCost": "-2.61370000000", "ListUnitPrice": NULL, "PricingCategory": "Other",
     "PricingQuantity": "0.00000000000", "PricingUnit": "Hours", "ProviderName": "AWS",
     "PublisherName": "Amazon Web Services, Inc.", "RegionId": "us-east-1",
     "RegionName": "US East (N. Virginia)", "ResourceId": NULL, "ResourceName": NULL,
     "ResourceType": NULL, "ServiceCategory": "Compute", "Id": "2555992",
     "ServiceName": "Amazon Elastic Compute Cloud", "SkuId": "S78KHHH96AJF23KZ",
     "SkuPriceId": NULL, "SubAccountId": "11353890204", "SubAccountName": "Atlas Orion",
     "Tags": NULL},
    {**COMMON, "AvailabilityZone": NULL, "BilledCost": "0.00001500000",
     "BillingAccountId": "/providers/Microsoft.Billing/billingAccounts/8611537",
     "BillingAccountName": "SunBird", "ChargeCategory": "Usage",
     "ChargeDescription": "Tiered Block Blob - LRS - List and Create Container Operations",
     "ChargeFrequency": "Usage-Based", "ChargePeriodStart": "2024-09-04 00:00:00",
     "ChargePeriodEnd": "2024-09-05 00:00:00", "ConsumedQuantity": "0.000300000000000",
     "ConsumedUnit": "Units", "ContractedCost": "0.00000000150",
     "ContractedUnitPrice": "0.05000000000", "EffectiveCost": "0.00001500000",
     "InvoiceIssuerName": "Microsoft", "ListCost": "0.00001500000", "ListUnitPrice": "0.05",
     "PricingCategory": "Standard", "PricingQuantity": "0.00000003000",
     "PricingUnit": "Units", "ProviderName": "Microsoft", "PublisherName": "Microsoft",
     "RegionId": "eastus", "RegionName": "East US",
     "ResourceId": "/subscriptions/64e355d7/resourcegroups/rg-data/providers/"
     "microsoft.storage/storageaccounts/2b7e6ef8d799",
     "ResourceName": "2b7e6ef8d799", "ResourceType": "Storage account",
     "ServiceCategory": "Storage", "Id": "5201819", "ServiceName": "Storage Accounts",
     "SkuId": "1099985", "SkuPriceId": "1099985", "SubAccountId": "/subscriptions/64e355d7",
     "SubAccountName": "Orion Pioneer",
     "Tags": {"env": "prod", "org": "trey", " org": "trey", "Project": "Foo",
              "Cost department": "Marketing"}},
    {**COMMON, "AvailabilityZone": "fjrQ:US-SANJOSE-1-AD-1", "BilledCost": "0.01200000000",
     "BillingAccountId": "20209880", "BillingAccountName": EMPTY, "ChargeCategory": "Usage",
     "ChargeDescription": "Standard - E3 - Memory", "ChargeFrequency": "Usage-based",
     "ChargePeriodStart": "2024-09-21 17:00:00", "ChargePeriodEnd": "2024-09-21 18:00:00",
     "CommitmentDiscountCategory": EMPTY, "CommitmentDiscountId": EMPTY,
     "CommitmentDiscountName": EMPTY, "CommitmentDiscountStatus": NULL,
     "CommitmentDiscountType": EMPTY, "ConsumedQuantity": "8.000000000000000",
     "ConsumedUnit": "GB Hours", "ContractedCost": NULL, "ContractedUnitPrice": NULL,
     "EffectiveCost": "0.01200000000", "InvoiceIssuerName": "Oracle",
     "ListCost": "0.01200000000", "ListUnitPrice": "0.001500000000", "PricingCategory": EMPTY,
     "PricingQuantity": "8.00000000000", "PricingUnit": "GB Hours", "ProviderName": "Oracle",
     "PublisherName": "Oracle", "RegionId": NULL, "RegionName": "us-sanjose-1",
     "ResourceId": "ocid1.instance.oc1.us-sanjose-1.anzwuljr9foqhxicrmnkosbza1",
     "ResourceName": EMPTY, "ResourceType": "instance", "ServiceCategory": "Compute",
     "Id": "5136076", "ServiceName": "COMPUTE", "SkuId": "B92307", "SkuPriceId": EMPTY,
     "SubAccountId": "ocid1.tenancy.oc1..aaaaaaaa2fs7w19bi9iupcjq", "SubAccountName": "crowddev",
     "Tags": {"application": "SafeRadarCore", "environment": "dev"}},
    {**COMMON, "AvailabilityZone": "bzBe:US-SANJOSE-1-AD-1", "BilledCost": "0.19200000000",
     "BillingAccountId": "20209880", "BillingAccountName": EMPTY,
     "ChargeCategory": "Adjustment", "ChargeDescription": "Standard - A1 - Memory",
     "ChargeFrequency": "Usage-based", "ChargePeriodStart": "2024-09-12 09:00:00",
     "ChargePeriodEnd": "2024-09-12 10:00:00", "CommitmentDiscountCategory": EMPTY,
     "CommitmentDiscountId": EMPTY, "CommitmentDiscountName": EMPTY,
     "CommitmentDiscountStatus": NULL, "CommitmentDiscountType": EMPTY,
     "ConsumedQuantity": "128.000000000000000", "ConsumedUnit": "Gigabyte Per Hour",
     "ContractedCost": NULL, "ContractedUnitPrice": NULL, "EffectiveCost": "0.00000000000",
     "InvoiceIssuerName": "Oracle", "ListCost": "0.00000000000",
     "ListUnitPrice": "0.000000000000", "PricingCategory": EMPTY,
     "PricingQuantity": "128.00000000000", "PricingUnit": "Gigabyte Per Hour",
     "ProviderName": "Oracle", "PublisherName": "Oracle", "RegionId": NULL,
     "RegionName": "us-sanjose-1", "ResourceId": "ocid1.instance.oc1.us-sanjose-1.anzwuljr9l",
     "ResourceName": EMPTY, "ResourceType": "instance", "ServiceCategory": "Compute",
     "Id": "5209478", "ServiceName": "COMPUTE", "SkuId": "B93298", "SkuPriceId": EMPTY,
     "SubAccountId": "ocid1.tenancy.oc1..aaaaaaaalnpeq6xok1", "SubAccountName": "Atlas Orion",
     "Tags": {"application": "SafeConsoleSync", "environment": "dev"}},
]
# A row no rule can map (ChargeFrequency `Sometimes`): quarantined with its reason.
UNMAPPABLE = {**ROWS_1_0[0], "Id": "19385", "ChargeFrequency": "Sometimes",
              "BilledCost": "0.50000000000", "EffectiveCost": "0.50000000000"}

# FOCUS 1.3: the provider only in ServiceProviderName / HostProviderName, 1.2 columns
# present (PricingCurrency differs from BillingCurrency on one line).
FOCUS_1_3_HEADER = [
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
    "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "ChargeCategory",
    "ChargeClass", "ChargeDescription", "ChargeFrequency", "ChargePeriodEnd",
    "ChargePeriodStart", "ContractedCost", "EffectiveCost", "HostProviderName",
    "InvoiceIssuerName", "ListCost", "PricingCategory", "PricingCurrency",
    "PricingCurrencyEffectiveCost", "RegionId", "ServiceCategory", "ServiceName",
    "ServiceProviderName", "SubAccountId", "SubAccountType",
]
ROWS_1_3 = [
    {"BilledCost": "12.5", "BillingAccountId": "0A1B2C-3D4E5F-6A7B8C",
     "BillingAccountName": "Example", "BillingAccountType": "Billing Account",
     "BillingCurrency": "EUR", "BillingPeriodEnd": "2025-12-01T00:00:00Z",
     "BillingPeriodStart": "2025-11-01T00:00:00Z", "ChargeCategory": "USAGE",
     "ChargeClass": "", "ChargeDescription": "N1 Predefined Instance Core",
     "ChargeFrequency": "usage_based", "ChargePeriodEnd": "2025-11-03T00:00:00Z",
     "ChargePeriodStart": "2025-11-02T00:00:00Z", "ContractedCost": "12.5",
     "EffectiveCost": "11.25", "HostProviderName": "Google Cloud",
     "InvoiceIssuerName": "Google", "ListCost": "12.5", "PricingCategory": "On-Demand",
     "PricingCurrency": "USD", "PricingCurrencyEffectiveCost": "13.1",
     "RegionId": "europe-west4", "ServiceCategory": "compute",
     "ServiceName": "Compute Engine", "ServiceProviderName": "Google Cloud",
     "SubAccountId": "ml-training", "SubAccountType": "Project"},
    {"BilledCost": "1.75", "BillingAccountId": "0A1B2C-3D4E5F-6A7B8C",
     "BillingAccountName": "Example", "BillingAccountType": "Billing Account",
     "BillingCurrency": "EUR", "BillingPeriodEnd": "2025-12-01T00:00:00Z",
     "BillingPeriodStart": "2025-11-01T00:00:00Z", "ChargeCategory": "Tax",
     "ChargeClass": "", "ChargeDescription": "VAT", "ChargeFrequency": "One-Time",
     "ChargePeriodEnd": "2025-11-03T00:00:00Z", "ChargePeriodStart": "2025-11-02T00:00:00Z",
     "ContractedCost": "1.75", "EffectiveCost": "1.75", "HostProviderName": "Google Cloud",
     "InvoiceIssuerName": "Google", "ListCost": "1.75", "PricingCategory": "",
     "PricingCurrency": "", "PricingCurrencyEffectiveCost": "", "RegionId": "",
     "ServiceCategory": "Other", "ServiceName": "Tax", "ServiceProviderName": "Google Cloud",
     "SubAccountId": "ml-training", "SubAccountType": "Project"},
]


def csv_cell(value: object, column: str) -> str:
    """A cell as the FOCUS sample data writes it: text quoted, numbers bare, NULL bare."""
    if value is NULL or (value is None):
        return "NULL"
    if value is EMPTY:
        return '""'
    if isinstance(value, dict):
        value = json.dumps(value)  # `{"k": "v", ...}`, spaces after `:` and `,`
    if column in NUMERIC:
        return str(value)
    return '"' + str(value).replace('"', '""') + '"'


def write_focus_1_0(path: Path, rows: list[dict]) -> None:
    lines = [",".join(f'"{column}"' for column in FOCUS_1_0_HEADER)]
    lines += [",".join(csv_cell(row.get(column, NULL), column) for column in FOCUS_1_0_HEADER)
              for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_focus_1_3(path: Path, rows: list[dict]) -> None:
    lines = [",".join(FOCUS_1_3_HEADER)]
    lines += [",".join(row[column] for column in FOCUS_1_3_HEADER) for row in rows]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


PROVIDERS = {"AWS": "aws", "Microsoft": "azure", "Oracle": "other", "Google Cloud": "gcp"}


@pytest.fixture(scope="module")
def versions_build(tmp_path_factory: pytest.TempPathFactory) -> BuiltProject:
    work_dir = tmp_path_factory.mktemp("focus_versions")
    data_dir = work_dir / "data"
    (data_dir / "focus_1_0").mkdir(parents=True)
    (data_dir / "focus_1_3").mkdir(parents=True)
    write_focus_1_0(data_dir / "focus_1_0" / "focus_sample.csv", ROWS_1_0 + [UNMAPPABLE])
    write_focus_1_3(data_dir / "focus_1_3" / "focus_export.csv", ROWS_1_3)
    # An older delivery of the same 1.3 period with other figures: only the newer counts,
    # which needs the provider from ServiceProviderName.
    stale = data_dir / "focus_1_3_stale" / "focus_export.csv"
    stale.parent.mkdir()
    write_focus_1_3(stale, [{**row, "BilledCost": str(Decimal(row["BilledCost"]) * 2)}
                            for row in ROWS_1_3])
    newer = (data_dir / "focus_1_3" / "focus_export.csv").stat().st_mtime
    os.utime(stale, (newer - 86_400, newer - 86_400))
    (data_dir / "truth.json").write_text("{}")
    # One quarantined line of seven is over the default share a nightly run tolerates.
    vars_yaml = (f'mlcost_focus_csv: "{(data_dir / "*" / "*.csv").as_posix()}"\n'
                 "mlcost_max_quarantined_share: 0.5\n")
    return build_cost_lines(data_dir, work_dir, vars_yaml, "FOCUS 1.0 and 1.3 CSV files")


def expected_sums(rows: list[dict], provider_column: str) -> dict[str, tuple[Decimal, Decimal]]:
    sums: dict[str, tuple[Decimal, Decimal]] = {}
    for row in rows:
        provider = PROVIDERS[row[provider_column]]
        billed, effective = sums.get(provider, (Decimal(0), Decimal(0)))
        sums[provider] = (billed + Decimal(row["BilledCost"]),
                          effective + Decimal(row["EffectiveCost"]))
    return sums


def test_every_provider_of_both_files_keeps_its_cost(versions_build: BuiltProject) -> None:
    built = {provider: (billed, effective) for provider, billed, effective in
             versions_build.query("""
        select x_provider, sum(billed_cost), sum(effective_cost)
        from main_marts.fct_cost_lines group by 1""")}
    expected = {**expected_sums(ROWS_1_0, "ProviderName"),
                **expected_sums(ROWS_1_3, "ServiceProviderName")}
    assert set(built) == {"aws", "azure", "other", "gcp"}
    assert built == expected


def test_the_version_is_detected_per_file(versions_build: BuiltProject) -> None:
    rows = versions_build.query("""
        select regexp_extract(x_source_file, 'focus_1_[0-9]'), x_focus_version, count(*)
        from main_marts.fct_cost_lines group by 1, 2 order by 1""")
    assert rows == [("focus_1_0", "1.0", len(ROWS_1_0)), ("focus_1_3", "1.3", len(ROWS_1_3))]
    stale = versions_build.query(
        "select count(*) from main_marts.fct_cost_lines where x_source_file like '%stale%'")
    assert stale == [(0,)]


def test_enumeration_spellings_are_the_specs(versions_build: BuiltProject) -> None:
    rows = set(versions_build.query("""
        select provider_name, charge_category, charge_frequency, pricing_category,
            service_category
        from main_marts.fct_cost_lines
        where provider_name in ('Oracle', 'Google Cloud')"""))
    assert rows == {("Oracle", "Usage", "Usage-Based", None, "Compute"),
                    ("Oracle", "Adjustment", "Usage-Based", None, "Compute"),
                    ("Google Cloud", "Usage", "Usage-Based", "Standard", "Compute"),
                    ("Google Cloud", "Tax", "One-Time", None, "Other")}


def test_an_unmappable_value_is_quarantined_with_its_reason(
        versions_build: BuiltProject) -> None:
    rows = versions_build.query("""
        select x_quarantine_reason, billed_cost from main_marts.fct_quarantined_cost_lines""")
    assert rows == [("unknown charge_frequency: Sometimes", Decimal(UNMAPPABLE["BilledCost"]))]


def test_what_older_versions_lack_follows_the_spec(versions_build: BuiltProject) -> None:
    """1.0 has no PricingCurrency (present only when it differs from the billing currency)
    and no BillingAccountType (no default: stays null); 1.3's deprecated ProviderName and
    PublisherName come from ServiceProviderName."""
    older = set(versions_build.query("""
        select pricing_currency, billing_account_type, sub_account_type,
            pricing_currency_effective_cost = effective_cost
        from main_marts.fct_cost_lines where x_focus_version = '1.0'"""))
    assert older == {("USD", None, None, True)}
    newer = set(versions_build.query("""
        select provider_name, publisher_name, host_provider_name, billing_currency,
            pricing_currency, pricing_currency_effective_cost
        from main_marts.fct_cost_lines where x_focus_version = '1.3'"""))
    assert newer == {("Google Cloud", "Google Cloud", "Google Cloud", "EUR", "USD",
                      Decimal("13.1")),
                     ("Google Cloud", "Google Cloud", "Google Cloud", "EUR", "EUR",
                      Decimal("1.75"))}


def test_spaced_and_quoted_tag_keys_survive(versions_build: BuiltProject) -> None:
    tags = versions_build.query("""
        select x_tags_normalized from main_marts.fct_cost_lines
        where provider_name = 'Microsoft'""")[0][0]
    # `env` is an alias of `environment` (seed tag_aliases); ` org` and `org` are one key.
    assert json.loads(tags) == {"environment": "prod", "org": "trey", "project": "Foo",
                                "cost_department": "Marketing"}
