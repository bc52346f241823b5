"""Download the real-format billing fixtures from their public origins, at pinned commits.

    python scripts/fetch_real_fixtures.py                 # into ../shared/fixtures/real
    python scripts/fetch_real_fixtures.py --out DIR
    python scripts/fetch_real_fixtures.py --check         # only verify an existing folder

Some tests read small exports published by other projects (AWS, GCP, Azure and FOCUS files
in the clouds' own formats). They are not copied into this repository: their licenses and
sizes differ from ours, and a test must read the bytes their authors published. This script
fetches each one at a full commit SHA (raw.githubusercontent.com), checks its SHA-256 against
MANIFEST below and writes it under the relative path the tests expect. A file already
present with the right hash is not downloaded again.

Exits 0 when every file is present and verified, 1 when a file could not be downloaded or
does not match its hash (each failure names the file and the URL), 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
# Same variable and default as the tests that read the fixtures.
ENV_VAR = "MLCOST_REAL_FIXTURES"
DEFAULT_OUT = "../shared/fixtures/real"
DEFAULT_BASE_URL = "https://raw.githubusercontent.com"
TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class Origin:
    repo: str  # owner/name on GitHub
    commit: str  # full 40-hex SHA: a short one or a branch could move
    license: str


@dataclass(frozen=True)
class Fixture:
    dest: str  # path under the output folder, as the tests name it
    origin: str  # key of ORIGINS
    path: str  # path in the origin repository at its commit
    sha256: str
    member: str | None = None  # for an archive: the member that becomes `dest`


ORIGINS = {
    "koku": Origin("project-koku/koku", "768be82535f8e75523d966b4797e954ad054b52f",
                   "Apache-2.0"),
    "sbroenne": Origin("sbroenne/aws-cur-anonymize",
                       "533e0df922acdbbd15b6ce146c6b5a23871e5d07", "MIT"),
    "finops_toolkit": Origin("microsoft/finops-toolkit",
                             "04d370f322f6052b02893ba567c3b75195a19f99", "MIT"),
    "focus_spec": Origin("FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec",
                         "04f8bb3d6b440a8c1d40be106b29a574525d753d",
                         "CC-BY-4.0 (FinOps Foundation)"),
    "focus_converters": Origin("finopsfoundation/focus_converters",
                               "c799bf96dea67c8dc8569eebbcd720e7562088fa", "MIT"),
}

KOKU_DATA = "koku/masu/test/data"
KOKU_BUCKET = f"{KOKU_DATA}/test_local_bucket.tar.gz"
KOKU_PERIOD = "koku-local/20180801-20180901"
DELIVERY = "aws/cur_legacy_delivery__koku_local_bucket_SYNTHETIC"
FOCUS_SCENARIOS = "specification/data/commitment_discount_scenarios"
FOCUS_FLEXIBILITY = "specification/data/commitment_discount_flexibility"
TOOLKIT_DATA = "src/open-data"
CONVERTER_MAPPINGS = "focus_converter_base/focus_converter/conversion_configs"

MANIFEST: tuple[Fixture, ...] = (
    Fixture("aws/cur_legacy_csv__koku_test_cur_2018-06.csv", "koku",
            f"{KOKU_DATA}/test_cur.csv",
            "431c54ab0403b6a224b51dc83facf936eaab6c3b1db588cab1af261c0432f912"),
    Fixture("aws/cur_legacy_csv__koku_2023-06_savingsplan_costcategory.csv", "koku",
            f"{KOKU_DATA}/aws/2023-06-01.csv",
            "3bc0aa832d5c394edf92955bcdd9b3e6758f4d804f0a60af9ba55f09b246b1da"),
    Fixture("aws/cur_athena_snake__koku_2022-07_alt_columns.csv", "koku",
            f"{KOKU_DATA}/aws/2022-07-01-alt-columns.csv",
            "08a78a98f058440532d85c46b626074e34d20ef1b3036cdc8efb6df08117ead2"),
    Fixture("aws/cur2_csv__sbroenne_sample_cur20_SYNTHETIC.csv", "sbroenne",
            "tests/testdata/sample-cur20.csv",
            "8995ad21500171b4243326fe4df7a0fa3887b1b3be6211b49d4145f839cb916f"),
    Fixture("aws/cur_legacy_csv__sbroenne_sample_legacy_SYNTHETIC.csv", "sbroenne",
            "tests/testdata/sample-legacy-csv.csv",
            "b16b0948fce3948531a698e24bf02783a38de30d7fea99750f7c1587beedb93a"),
    # A CUR delivery: the tarball holds a period folder with the manifest and an assembly
    # folder with the same manifest and the gzip CSV; the tests read the two files flat.
    Fixture(f"{DELIVERY}/koku-local-1.csv.gz", "koku", KOKU_BUCKET,
            "45a93c9308730f5b12efb48a5520360c36d5a7bf4708da5cd0c64c4b9a7edb8f",
            member=f"{KOKU_PERIOD}/16e57707-f9e3-49be-8be6-b84e684b5194/koku-local-1.csv.gz"),
    Fixture(f"{DELIVERY}/koku-local-Manifest.json", "koku", KOKU_BUCKET,
            "4966e4bf0e591fc80fa837e5f116188be2743be4636e6917f18a3a1f4e972743",
            member=f"{KOKU_PERIOD}/koku-local-Manifest.json"),
    Fixture("gcp/gcp_bq_export_flat__koku_202011_2020-11-08_2020-11-11.csv", "koku",
            f"{KOKU_DATA}/gcp/202011_30c31bca571d9b7f3b2c8459dd8bc34a_2020-11-08:2020-11-11.csv",
            "4b25a0d19c3836605e10f110feb32471fa6fd05620cd03a4b43c082441a7d98c"),
    Fixture("azure/azure_ea_actual__finops_toolkit_EA_ActualCost_Small.csv", "finops_toolkit",
            "src/powershell/Tests/assets/EA_ActualCost_Small.csv",
            "4d71dc329e4a83df4b62476b59026aed168e745339ed735214d5cab4765929fc"),
    Fixture("azure/azure_ea_amortized__finops_toolkit_EA_AmortizedCost_Small.csv",
            "finops_toolkit", "src/powershell/Tests/assets/EA_AmortizedCost_Small.csv",
            "3095a223911d407754e1321b434e2f2c6de1b94531bd43951706817e30f52781"),
    Fixture("azure/azure_mca_camel__koku_camel_azure_version_2.csv", "koku",
            f"{KOKU_DATA}/azure/camel_azure_version_2.csv",
            "75a3027d5a6dbc55cbedb3ec71aada14147d1281c9df0f5e4ce12dec9fedda30"),
    Fixture("azure/azure_ea_v2__koku_azure_version_2.csv", "koku",
            f"{KOKU_DATA}/azure/azure_version_2.csv",
            "270b04e120d02a917f2e51a9dc0d8ff1068b67eed5c8685426c0a7c9e18dc954"),
    Fixture("azure/azure_legacy_usage__koku_costreport_bandwidth.csv", "koku",
            f"{KOKU_DATA}/azure/costreport_a243c6f2-199f-4074-9a2c-40e671cf1584.csv",
            "5301fe87513f98d06748e5c8a912675e40176c9b30e69c03f9fcff656e5cd212"),
    Fixture("focus/spec_examples/commitment_discount_purchase_scenario_1.csv", "focus_spec",
            f"{FOCUS_SCENARIOS}/commitment_discount_purchase_scenario_1.csv",
            "b91946c346269905aaff9797489f53f34f4f4b3bfa6a595542121a5495e7ad80"),
    Fixture("focus/spec_examples/commitment_discount_purchase_scenario_2.csv", "focus_spec",
            f"{FOCUS_SCENARIOS}/commitment_discount_purchase_scenario_2.csv",
            "50e70a20539cdac09baeba260b955644dc6775d31da1986ed8166c955aab0421"),
    Fixture("focus/spec_examples/commitment_discount_purchase_scenario_3.csv", "focus_spec",
            f"{FOCUS_SCENARIOS}/commitment_discount_purchase_scenario_3.csv",
            "99cd43e3f47d0feb778ae1577d1cb7f6f1bb39d4d24b1d28e2442f89c8e23284"),
    Fixture("focus/spec_examples/commitment_discount_usage_scenario_1.csv", "focus_spec",
            f"{FOCUS_SCENARIOS}/commitment_discount_usage_scenario_1.csv",
            "daca660164970cc43197d5529feab19d9d29af59624ffa3926f87444b3b2fd1e"),
    Fixture("focus/spec_examples/commitment_discount_usage_scenario_2.csv", "focus_spec",
            f"{FOCUS_SCENARIOS}/commitment_discount_usage_scenario_2.csv",
            "22476ac63f890647af637ea86aaa3a5bbbb28765faa64d4e4a097b882539ca64"),
    Fixture("focus/spec_examples/commitment_discount_usage_scenario_3.csv", "focus_spec",
            f"{FOCUS_SCENARIOS}/commitment_discount_usage_scenario_3.csv",
            "c564907f1b8235ca7c4cac96314fb0054ebacd4cfa874ec40dbbeaece97e006c"),
    Fixture("focus/spec_examples/commitment_discount_usage_scenario_4.csv", "focus_spec",
            f"{FOCUS_SCENARIOS}/commitment_discount_usage_scenario_4.csv",
            "75070e2b1a3e244b72d3c227f0ca1f3a5f83167224927a2eb5fa46f9357032db"),
    Fixture("focus/spec_examples/one_hundred_percent_utilization_with_commitment_discount"
            "_flexibility_with_1_resource.csv", "focus_spec",
            f"{FOCUS_FLEXIBILITY}/one_hundred_percent_utilization"
            "_with_commitment_discount_flexibility_with_1_resource.csv",
            "405810f784decec022985c8ddc727fdd63a68a4a32f0d4918dcde747054e48fe"),
    Fixture("focus/spec_examples/one_hundred_percent_utilization_with_commitment_discount"
            "_flexibility_with_2_resources.csv", "focus_spec",
            f"{FOCUS_FLEXIBILITY}/one_hundred_percent_utilization"
            "_with_commitment_discount_flexibility_with_2_resources.csv",
            "6a436ad905944326516994222c132d7cd5044f58341818a4ff6b3636cbe0770d"),
    Fixture("focus/spec_examples/one_hundred_percent_utilization_without_commitment_discount"
            "_flexibility.csv", "focus_spec",
            f"{FOCUS_FLEXIBILITY}/one_hundred_percent_utilization"
            "_without_commitment_discount_flexibility.csv",
            "30498dfbc4250e895f3d0c856c807ad144e2ebe20f71fe8c86982bf565bd9fad"),
    Fixture("focus/spec_examples/zero_percent_utilization_without_commitment_discount"
            "_flexibility.csv", "focus_spec",
            f"{FOCUS_FLEXIBILITY}/zero_percent_utilization"
            "_without_commitment_discount_flexibility.csv",
            "e8f1949a4d1bcca750563046b6e0babc92a04a3084c5989d406e750ba6414f1b"),
    Fixture("focus/ms_focuscost_1.0_schema_metadata.json", "finops_toolkit",
            f"{TOOLKIT_DATA}/dataset-metadata/FocusCost_1.0.json",
            "cb48cf039b1e6dcec38c0232c044ad8285b13d304049694c9b389a89ffa69a02"),
    Fixture("focus/ms_focuscost_1.2-preview_schema_metadata.json", "finops_toolkit",
            f"{TOOLKIT_DATA}/dataset-metadata/FocusCost_1.2-preview.json",
            "99baa3acdf3f5f61299498fb077bd4c7efc48f9057fc87d8d75632c85c7cd06c"),
    Fixture("reference/ms_finops_toolkit_Services.csv", "finops_toolkit",
            f"{TOOLKIT_DATA}/Services.csv",
            "80235d624655498839e181e17dc939390dbc2265daac1c5529cfbc1fa9fe3ad5"),
    Fixture("reference/ms_finops_toolkit_PricingUnits.csv", "finops_toolkit",
            f"{TOOLKIT_DATA}/PricingUnits.csv",
            "772fd9b18054b4478656328ff69543124622f2cea6bb935a8b74d887133f984f"),
    Fixture("reference/ms_finops_toolkit_Regions.csv", "finops_toolkit",
            f"{TOOLKIT_DATA}/Regions.csv",
            "46cab7300079df85edc287fb81b06b2ccc643bead0fa9daf554dd11f370a3688"),
    Fixture("reference/focus_converters_aws_category_mapping.csv", "focus_converters",
            f"{CONVERTER_MAPPINGS}/aws/mapping_files/aws_category_mapping.csv",
            "6177c393e750ffd4478e46415e9a1c19b8ff814ca49bcd8dd89891d4c0820027"),
    Fixture("reference/focus_converters_azure_category_mapping.csv", "focus_converters",
            f"{CONVERTER_MAPPINGS}/azure/mapping_files/azure_category_mapping.csv",
            "bb77abff838b489ffe41df1ab16cd987f1d201664912480809821d5535e4684b"),
    Fixture("reference/focus_converters_gcp_category_mapping.csv", "focus_converters",
            f"{CONVERTER_MAPPINGS}/gcp/mapping_files/gcp_category_mapping.csv",
            "752b233e5032a70d94daffb653ceaca0f9095d611727e9f929327e45e38c4ddf"),
)


class FetchError(Exception):
    """A file that could not be downloaded or verified; the message names file and URL."""


class OriginUnreachable(FetchError):
    """No connection at all: every other file would fail the same way, so stop."""


def default_out() -> Path:
    value = os.environ.get(ENV_VAR) or DEFAULT_OUT
    path = Path(value).expanduser()
    return (path if path.is_absolute() else PROJECT_DIR / path).resolve()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_url(base_url: str, fixture: Fixture) -> str:
    origin = ORIGINS[fixture.origin]
    # Quote the path: one koku file name holds a colon.
    path = urllib.parse.quote(fixture.path)
    return f"{base_url.rstrip('/')}/{origin.repo}/{origin.commit}/{path}"


def download(url: str, dest: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        raise FetchError(f"{dest}: download failed from {url}: HTTP {error.code} {error.reason}"
                         ) from error
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise OriginUnreachable(
            f"{dest}: cannot reach {url}: {reason}. This needs internet access to GitHub "
            "(set HTTPS_PROXY behind a proxy), or copy the folder from a machine that has it."
        ) from error


def extract_member(archive: bytes, fixture: Fixture, url: str) -> bytes:
    """Read one member of a .tar.gz in memory (nothing else of the archive is written)."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            handle = tar.extractfile(fixture.member)
            if handle is None:
                raise KeyError(fixture.member)
            return handle.read()
    except (tarfile.TarError, KeyError, EOFError, OSError) as error:
        raise FetchError(f"{fixture.dest}: member {fixture.member} not readable in the archive "
                         f"from {url}: {error!r}") from error


def write_atomically(path: Path, data: bytes) -> None:
    """A failed or interrupted run never leaves a half-written fixture behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def verify_present(out: Path, fixture: Fixture) -> str | None:
    """None when the file is there with its hash, else what is wrong with it."""
    path = out / fixture.dest
    if not path.is_file():
        return f"{fixture.dest}: missing in {out}"
    actual = sha256(path.read_bytes())
    if actual != fixture.sha256:
        return f"{fixture.dest}: SHA-256 {actual} in {out}, expected {fixture.sha256}"
    return None


def check(out: Path, quiet: bool = False) -> int:
    problems = [problem for fixture in MANIFEST if (problem := verify_present(out, fixture))]
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if problems:
        print(f"{len(problems)} of {len(MANIFEST)} fixtures missing or different; "
              "run `make fixtures` to download them.", file=sys.stderr)
        return 1
    if not quiet:
        print(f"{len(MANIFEST)} fixtures verified in {out}")
    return 0


def fetch_all(out: Path, base_url: str, quiet: bool = False) -> int:
    """Download what is missing or different; report every failure, then exit non-zero."""
    downloads: dict[str, bytes] = {}  # by URL: the koku tarball feeds two fixtures
    failures: list[str] = []
    for number, fixture in enumerate(MANIFEST, start=1):
        if verify_present(out, fixture) is None:
            if not quiet:
                print(f"[{number}/{len(MANIFEST)}] {fixture.dest}: present")
            continue
        url = source_url(base_url, fixture)
        try:
            if url not in downloads:
                downloads[url] = download(url, fixture.dest)
            data = downloads[url]
            if fixture.member:
                data = extract_member(data, fixture, url)
            actual = sha256(data)
            if actual != fixture.sha256:
                raise FetchError(f"{fixture.dest}: SHA-256 {actual} of the file from {url}, "
                                 f"expected {fixture.sha256}: the download was corrupted or the "
                                 "origin changed; nothing written for this file")
        except OriginUnreachable as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except FetchError as error:
            failures.append(str(error))
            print(f"error: {error}", file=sys.stderr)
            continue
        write_atomically(out / fixture.dest, data)
        if not quiet:
            print(f"[{number}/{len(MANIFEST)}] {fixture.dest}: downloaded")
    if failures:
        print(f"{len(failures)} of {len(MANIFEST)} fixtures failed (listed above).",
              file=sys.stderr)
        return 1
    write_readme(out)
    if not quiet:
        print(f"{len(MANIFEST)} fixtures verified in {out}")
    return 0


def write_readme(out: Path) -> None:
    """Say where each file comes from and under which license, unless a README is there."""
    readme = out / "README.md"
    if readme.exists():
        return
    lines = ["# Real-schema billing fixtures", "",
             "Downloaded by mlcost's `scripts/fetch_real_fixtures.py`; byte for byte as "
             "published at the commit shown.", "",
             "| file | origin (repository @ commit : path) | license |", "|---|---|---|"]
    for fixture in MANIFEST:
        origin = ORIGINS[fixture.origin]
        member = f" (member {fixture.member})" if fixture.member else ""
        lines.append(f"| {fixture.dest} | {origin.repo} @{origin.commit} : {fixture.path}"
                     f"{member} | {origin.license} |")
    write_atomically(readme, ("\n".join(lines) + "\n").encode())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Download the real-format billing fixtures the tests read, from their "
                    "public origins at pinned commits, and verify their SHA-256.")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"folder to fill (default: ${ENV_VAR}, else {DEFAULT_OUT} "
                             "relative to the project root)")
    parser.add_argument("--check", action="store_true",
                        help="download nothing: verify that every file is in --out with its "
                             "hash")
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL,
                        help="where <owner>/<repo>/<commit>/<path> is served (default: "
                             "%(default)s; a mirror or a local server for tests)")
    parser.add_argument("--quiet", action="store_true", help="print errors only")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out = args.out if args.out is not None else default_out()
    if args.check:
        return check(out, args.quiet)
    return fetch_all(out, args.base_url, args.quiet)


if __name__ == "__main__":
    sys.exit(main())
