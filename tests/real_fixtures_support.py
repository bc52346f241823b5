"""The real-schema fixtures and the one dbt build over them that several test modules read.

The fixtures are small public exports (their README names each origin, commit and license)
kept outside the project: env var MLCOST_REAL_FIXTURES names the folder (default
../shared/fixtures/real, relative to the project root); `make fixtures` downloads them
(scripts/fetch_real_fixtures.py). Where the folder is absent, the tests that need it skip
with the reason printed in pytest's summary.

`usable_build` is a session fixture (conftest.py imports it): one build over every file the
package can use, with the data tests, shared by every module that checks it.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from build_support import SHARED_FIXTURES, query_database, run_dbt

requires_real_fixtures = pytest.mark.skipif(
    not SHARED_FIXTURES.is_dir(),
    reason=f"real fixtures not found at {SHARED_FIXTURES}: set MLCOST_REAL_FIXTURES to their "
           "folder, or run `make fixtures` to download them")

CENT = Decimal("0.01")
AWS = SHARED_FIXTURES / "aws"
AZURE = SHARED_FIXTURES / "azure"
FOCUS_EXAMPLES = SHARED_FIXTURES / "focus" / "spec_examples"
GCP_FLAT = next((SHARED_FIXTURES / "gcp").glob("gcp_bq_export_flat__*.csv"),
                SHARED_FIXTURES / "gcp" / "missing")
DELIVERY = AWS / "cur_legacy_delivery__koku_local_bucket_SYNTHETIC"

USABLE = {
    "aws_cur_legacy_csv": [AWS / "cur_legacy_csv__koku_2023-06_savingsplan_costcategory.csv",
                           AWS / "cur_legacy_csv__sbroenne_sample_legacy_SYNTHETIC.csv",
                           DELIVERY / "koku-local-1.csv.gz"],  # see deliver_cur_twice
    "azure_ea_actual": [AZURE / "azure_ea_actual__finops_toolkit_EA_ActualCost_Small.csv",
                        AZURE / "azure_ea_v2__koku_azure_version_2.csv",
                        AZURE / "azure_legacy_usage__koku_costreport_bandwidth.csv"],
    "azure_ea_amortized": [AZURE / "azure_ea_amortized__finops_toolkit_EA_AmortizedCost_Small.csv"],
    "azure_mca_actual": [AZURE / "azure_mca_camel__koku_camel_azure_version_2.csv"],
    "focus_csv": sorted(FOCUS_EXAMPLES.glob("*.csv")),
    "gcp_billing_flat_csv": [GCP_FLAT],
}
ATHENA_CSV = AWS / "cur_athena_snake__koku_2022-07_alt_columns.csv"
COST_COLUMNS = ["lineItem/UnblendedCost", "line_item_unblended_cost", "Cost",
                "CostInBillingCurrency", "costInBillingCurrency", "PreTaxCost", "BilledCost"]


@dataclass(frozen=True)
class FixtureBuild:
    database: Path
    output: str

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        return query_database(self.database, sql, params)


def read_rows(path: Path) -> list[dict[str, str]]:
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    rows = csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))
    return [row for row in rows if any((value or "").strip() for value in row.values())]


def file_total(path: Path, column: str | None = None) -> Decimal:
    rows = read_rows(path)
    column = column or next(name for name in COST_COLUMNS if name in rows[0])
    return sum((Decimal(row[column]) for row in rows if (row[column] or "").strip()),
               Decimal(0))


def link(files: list[Path], folder: Path) -> str:
    folder.mkdir(parents=True)
    for file in files:
        (folder / file.name).symlink_to(file)
    return str(folder / "*")


REDELIVERED_ASSEMBLY = "22222222-re-delivered-assembly"
STALE_AZURE_EXPORT = "azure_mca_camel__earlier_export_of_the_same_period.csv"


def deliver_cur_twice(folder: Path) -> str:
    """The koku delivery laid out as S3 holds it after AWS re-delivered the month: the first
    assembly, a second one with the same file, and the period manifest rewritten to name the
    second. Returns the manifests' glob."""
    manifest = json.loads((DELIVERY / "koku-local-Manifest.json").read_text())
    period = folder / "koku-local" / "20180801-20180901"
    for assembly in (manifest["assemblyId"], REDELIVERED_ASSEMBLY):
        (period / assembly).mkdir(parents=True)
        (period / assembly / "koku-local-1.csv.gz").symlink_to(DELIVERY / "koku-local-1.csv.gz")
    manifest["assemblyId"] = REDELIVERED_ASSEMBLY
    (period / "koku-local-Manifest.json").write_text(json.dumps(manifest))
    return str(folder / "koku-local" / "*" / "*-Manifest.json")


def write_quirky_focus_parquet(path: Path) -> None:
    """A FOCUS 1.0 usage line with every column the spec requires of it, carrying what real
    exports do: NULL strings (a line with no commitment, no resource), timestamps with and
    without T/Z, spaced and dashed tag keys, columns FOCUS does not define."""
    con = duckdb.connect()
    con.execute(f"""
        copy (select
            'ba-1' as BillingAccountId, 'Contoso EA' as BillingAccountName,
            'sub-1' as SubAccountId, 'research' as SubAccountName,
            'Microsoft' as ProviderName, 'Microsoft' as PublisherName,
            'Microsoft' as InvoiceIssuerName,
            '2024-01-01 00:00:00' as BillingPeriodStart, '2024-02-01 00:00:00' as BillingPeriodEnd,
            '2024-01-05 00:00:00' as ChargePeriodStart, '2024-01-06T00:00:00Z' as ChargePeriodEnd,
            'Usage' as ChargeCategory, 'Usage-Based' as ChargeFrequency,
            'Standard' as PricingCategory, 'Compute' as ServiceCategory,
            'Virtual Machines' as ServiceName, 'eastus' as RegionId, 'East US' as RegionName,
            'NULL' as ResourceId, 'NULL' as CommitmentDiscountId,
            'sku-1' as SkuId, 'sku-1-price' as SkuPriceId,
            '10' as PricingQuantity, '1 Hour' as PricingUnit,
            '0.18' as ListUnitPrice, '0.15' as ContractedUnitPrice,
            '1.80' as ListCost, '1.50' as ContractedCost,
            '1.50' as BilledCost, '1.20' as EffectiveCost, 'USD' as BillingCurrency,
            '{{" team ": "nlp", "Cost-Center": "cc1"}}' as Tags,
            'kept out' as ExtraColumn, 'kept out' as x_ProviderOnly
        ) to '{path}' (format parquet)""")
    con.close()


@pytest.fixture(scope="session")
def usable_build(tmp_path_factory: pytest.TempPathFactory) -> FixtureBuild:
    work_dir = tmp_path_factory.mktemp("real_fixtures")
    vars_lines = [f'mlcost_{name}: "{link(files, work_dir / name)}"'
                  for name, files in USABLE.items() if name != "aws_cur_legacy_csv"]
    legacy = work_dir / "aws_cur_legacy_csv"
    link([file for file in USABLE["aws_cur_legacy_csv"] if file.parent != DELIVERY],
         legacy / "single_files")
    vars_lines += [f'mlcost_aws_cur_legacy_csv: "{legacy}/**/*.csv*"',
                   f'mlcost_aws_cur_legacy_manifests: "{deliver_cur_twice(legacy)}"']
    athena = work_dir / "athena" / "cur_athena_snake.parquet"
    athena.parent.mkdir()
    con = duckdb.connect()
    con.execute(f"copy (select * from read_csv('{ATHENA_CSV}', all_varchar = true)) "
                f"to '{athena}' (format parquet)")
    con.close()
    # An earlier export of the same MCA period, still beside the current one.
    stale = work_dir / "azure_mca_actual" / STALE_AZURE_EXPORT
    stale.write_bytes(USABLE["azure_mca_actual"][0].read_bytes())
    os.utime(stale, (946684800, 946684800))
    quirky = work_dir / "focus_parquet" / "quirky.parquet"
    quirky.parent.mkdir()
    write_quirky_focus_parquet(quirky)
    vars_lines += [f'mlcost_aws_cur_legacy_parquet: "{athena}"',
                   f'mlcost_focus_parquet: "{quirky}"']
    # The whole build, data tests included, as a user runs it. One test is left out: the
    # quarantine share. Some fixtures are quarantined whole by design (the FOCUS spec
    # examples carry no BillingCurrency, a koku file bills in "MC"), which
    # test_only_expected_lines_are_quarantined pins line by line instead.
    result = run_dbt(["build", "--exclude", "assert_quarantined_cost_share_within_limit",
                      "--vars", "\n".join(vars_lines)],
                     work_dir / "fixtures.duckdb", work_dir)
    if result.returncode != 0:
        pytest.fail(f"dbt build failed on the real fixtures:\n{result.stdout[-6000:]}")
    return FixtureBuild(work_dir / "fixtures.duckdb", result.stdout)
