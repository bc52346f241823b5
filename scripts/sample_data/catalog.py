"""What the simulated company can buy: accounts, regions, instance types, SKUs and prices.

Prices are public on-demand list prices in USD (Linux, the reference region of each cloud)
as published around 2024-2025, rounded the way the price lists print them. They only need to
be plausible: the ground truth is computed from whatever this catalog says, so a price here
that drifts from today's price list changes no test. Identifiers that the clouds publish
(service ids, the AWS on-demand offer term code) are real; per-SKU ids (GCP SKU ids, Azure
meter ids, AWS product SKUs) are synthetic but stable and in the real shapes, derived by
hashing the SKU's name, so the same SKU gets the same id in every run.

The GCP and Azure writers may import this module: every ``Charge.sku`` the simulation emits
for those clouds has an entry in :data:`SKUS` with its service id, description, pricing unit
and meter category/subcategory.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from functools import lru_cache

COMPANY = "tensorloop"
EMAIL_DOMAIN = "tensorloop.ai"

# --------------------------------------------------------------------------------------
# Accounts
# --------------------------------------------------------------------------------------

AWS_PAYER_ACCOUNT_ID = "210987654321"
AWS_PAYER_ACCOUNT_NAME = "tensorloop-management"
AWS_ACCOUNTS: dict[str, str] = {  # usage account id -> account name
    "345678901234": "ml-research",
    "456789012345": "ml-prod",
}
AWS_RESEARCH = "345678901234"
AWS_PROD = "456789012345"
# An account whose CUR the sample does not deliver (a job node recorded there matches nothing).
AWS_UNBILLED = "567890123456"

GCP_BILLING_ACCOUNT_ID = "01A2B3-C4D5E6-F7A8B9"
GCP_PROJECTS: dict[str, dict] = {
    "tl-ml-research": {
        "name": "ML Research",
        "number": "482913570164",
        "ancestry_numbers": "/738104562211/482913570164/",
        "labels": {"env": "research", "cost-center": "cc-4100"},
    },
    "tl-ml-prod": {
        "name": "ML Production",
        "number": "915230748836",
        "ancestry_numbers": "/738104562211/915230748836/",
        "labels": {"env": "prod", "cost-center": "cc-4200"},
    },
}
GCP_RESEARCH = "tl-ml-research"
GCP_PROD = "tl-ml-prod"

# Azure: one subscription under an Enterprise Agreement, one under a Microsoft Customer
# Agreement. ``Charge.billing_account_id`` tells them apart: an EA billing account id is the
# enrollment number (digits only); an MCA billing account id is
# "<guid>:<guid>_2019-05-31". Use :func:`azure_agreement` rather than re-parsing.
AZURE_EA_ENROLLMENT = "80412375"
AZURE_EA_BILLING_ACCOUNT_ID = AZURE_EA_ENROLLMENT
AZURE_EA_BILLING_ACCOUNT_NAME = "Tensorloop EA"
AZURE_MCA_BILLING_ACCOUNT_ID = (
    "5e1c7a92-3d0b-4f6e-9a28-b7c4d1e0f356:0b9f2e47-61c3-4a8d-b5e2-93f7c0d41a68_2019-05-31"
)
AZURE_MCA_BILLING_ACCOUNT_NAME = "Tensorloop Inc."
AZURE_MCA_BILLING_PROFILE_ID = "QX4T-7KLM-BG7-PGB"
AZURE_MCA_BILLING_PROFILE_NAME = "Tensorloop Inc. - ML"
AZURE_MCA_INVOICE_SECTION_ID = "HN3R-VWQ2-PJA-PGB"
AZURE_MCA_INVOICE_SECTION_NAME = "ML Platform"
AZURE_SUBSCRIPTIONS: dict[str, dict] = {
    "7c2e9a41-58d3-4b1f-a6e0-2d9c8b7f1e35": {
        "name": "ml-research-ea",
        "billing_account_id": AZURE_EA_BILLING_ACCOUNT_ID,
        "agreement": "EA",
    },
    "c41f0b7e-9a2d-4e85-b3c6-6e1d7f2a9b04": {
        "name": "ml-prod-mca",
        "billing_account_id": AZURE_MCA_BILLING_ACCOUNT_ID,
        "agreement": "MCA",
    },
}
AZURE_RESEARCH = "7c2e9a41-58d3-4b1f-a6e0-2d9c8b7f1e35"
AZURE_PROD = "c41f0b7e-9a2d-4e85-b3c6-6e1d7f2a9b04"


def azure_agreement(billing_account_id: str) -> str:
    """'EA' or 'MCA' for an Azure ``Charge.billing_account_id`` (see the comment above)."""
    return "EA" if billing_account_id.isdigit() else "MCA"


def account_name(provider: str, sub_account_id: str) -> str:
    """Display name of a usage account / project / subscription."""
    if provider == "aws":
        return AWS_ACCOUNTS.get(sub_account_id, AWS_PAYER_ACCOUNT_NAME)
    if provider == "gcp":
        return GCP_PROJECTS[sub_account_id]["name"]
    return AZURE_SUBSCRIPTIONS[sub_account_id]["name"]


def billing_account(provider: str, sub_account_id: str) -> str:
    """The billing account a sub-account's charges are invoiced to."""
    if provider == "aws":
        return AWS_PAYER_ACCOUNT_ID
    if provider == "gcp":
        return GCP_BILLING_ACCOUNT_ID
    return AZURE_SUBSCRIPTIONS[sub_account_id]["billing_account_id"]


# --------------------------------------------------------------------------------------
# Regions
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    provider: str
    code: str
    location: str  # AWS product/location, GCP/Azure display name
    usage_prefix: str  # AWS usage-type prefix ("USW2"); "" where AWS omits it (us-east-1)
    transfer_prefix: str  # AWS prefix used in data-transfer usage types (always present)
    zones: tuple[str, ...]
    continent: str  # GCP network SKU wording: Americas / EMEA; Azure: meter region
    price_multiplier: float = 1.0


REGIONS: dict[tuple[str, str], Region] = {
    ("aws", "us-east-1"): Region("aws", "us-east-1", "US East (N. Virginia)", "", "USE1",
                                 ("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"),
                                 "North America"),
    ("aws", "us-west-2"): Region("aws", "us-west-2", "US West (Oregon)", "USW2", "USW2",
                                 ("us-west-2a", "us-west-2b", "us-west-2c"), "North America"),
    ("gcp", "us-central1"): Region("gcp", "us-central1", "Iowa", "", "",
                                   ("us-central1-a", "us-central1-b", "us-central1-c",
                                    "us-central1-f"), "Americas"),
    ("gcp", "europe-west4"): Region("gcp", "europe-west4", "Netherlands", "", "",
                                    ("europe-west4-a", "europe-west4-b", "europe-west4-c"),
                                    "EMEA", 1.1),
    ("azure", "eastus"): Region("azure", "eastus", "US East", "", "", (), "US East"),
    ("azure", "southcentralus"): Region("azure", "southcentralus", "US South Central", "", "",
                                        (), "US South Central"),
}


def region(provider: str, code: str) -> Region:
    return REGIONS[(provider, code)]


# --------------------------------------------------------------------------------------
# Instance types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InstanceType:
    """A VM shape. ``hourly`` is the on-demand price in the reference region.

    GCP bills a VM as separate core, RAM and GPU SKU lines; ``series`` names the machine
    series whose core/RAM SKUs apply ("A2"), and the GPU SKU comes from ``gpu_sku_name``.
    """

    provider: str
    name: str
    vcpu: int
    memory_gib: float
    gpus: int
    gpu_model: str  # "" for CPU instances
    gpu_memory_gib: int  # per GPU
    hourly: float
    spot_factor: float  # spot price = hourly * spot_factor
    family: str  # AWS product/instanceFamily, GCP machine series, Azure meter subcategory
    meter_name: str = ""  # Azure meter name
    series: str = ""  # GCP machine series for core/RAM SKUs
    gpu_sku_name: str = ""  # GCP: "Nvidia Tesla A100 GPU"
    core_rate: float = 0.0  # GCP per vCPU-hour
    ram_rate: float = 0.0  # GCP per GiB-hour
    gpu_rate: float = 0.0  # GCP per GPU-hour
    processor: str = ""
    clock_speed: str = ""
    network: str = ""
    storage: str = "EBS only"
    ebs_throughput: str = ""
    service: str = ""  # AmazonEC2 / AmazonSageMaker / Compute Engine / Virtual Machines
    root_disk_gb: int = 200

    @property
    def normalization_factor(self) -> float:
        """AWS size normalization factor (xlarge = 8, 24xlarge = 192); 0 if not EC2-sized."""
        size = self.name.rsplit(".", 1)[-1]
        sizes = {"large": 4, "xlarge": 8}
        if size in sizes:
            return float(sizes[size])
        if size.endswith("xlarge") and size[:-6].isdigit():
            return float(int(size[:-6]) * 8)
        return 0.0


def _gcp(name: str, vcpu: int, mem: float, gpus: int, gpu_model: str, gpu_mem: int,
         series: str, gpu_sku: str, core: float, ram: float, gpu: float,
         root_disk_gb: int = 200) -> InstanceType:
    hourly = round(vcpu * core + mem * ram + gpus * gpu, 6)
    return InstanceType("gcp", name, vcpu, mem, gpus, gpu_model, gpu_mem, hourly, 0.3,
                        series, series=series, gpu_sku_name=gpu_sku, core_rate=core,
                        ram_rate=ram, gpu_rate=gpu, service="Compute Engine",
                        root_disk_gb=root_disk_gb)


INSTANCE_TYPES: dict[tuple[str, str], InstanceType] = {}


def _add(it: InstanceType) -> None:
    INSTANCE_TYPES[(it.provider, it.name)] = it


for _it in [
    InstanceType("aws", "p5.48xlarge", 192, 2048, 8, "H100", 80, 55.04, 0.35, "GPU instance",
                 processor="AMD EPYC 7R13 Processor", clock_speed="2.95 GHz",
                 network="3200 Gigabit", storage="8 x 3840 SSD", ebs_throughput="80000 Mbps",
                 service="AmazonEC2", root_disk_gb=1000),
    InstanceType("aws", "p4d.24xlarge", 96, 1152, 8, "A100", 40, 32.7726, 0.35, "GPU instance",
                 processor="Intel Xeon Platinum 8275L", clock_speed="3 GHz",
                 network="400 Gigabit", storage="8 x 1000 SSD", ebs_throughput="19000 Mbps",
                 service="AmazonEC2", root_disk_gb=1000),
    InstanceType("aws", "g5.12xlarge", 48, 192, 4, "A10G", 24, 5.672, 0.38, "GPU instance",
                 processor="AMD EPYC 7R32", clock_speed="3.3 GHz", network="40 Gigabit",
                 storage="1 x 3800 NVMe SSD", ebs_throughput="16000 Mbps", service="AmazonEC2",
                 root_disk_gb=500),
    InstanceType("aws", "g5.2xlarge", 8, 32, 1, "A10G", 24, 1.212, 0.38, "GPU instance",
                 processor="AMD EPYC 7R32", clock_speed="3.3 GHz", network="Up to 10 Gigabit",
                 storage="1 x 450 NVMe SSD", ebs_throughput="Up to 3500 Mbps",
                 service="AmazonEC2", root_disk_gb=200),
    InstanceType("aws", "g5.xlarge", 4, 16, 1, "A10G", 24, 1.006, 0.38, "GPU instance",
                 processor="AMD EPYC 7R32", clock_speed="3.3 GHz", network="Up to 10 Gigabit",
                 storage="1 x 250 NVMe SSD", ebs_throughput="Up to 3500 Mbps",
                 service="AmazonEC2", root_disk_gb=200),
    InstanceType("aws", "m7i.2xlarge", 8, 32, 0, "", 0, 0.4032, 0.45, "General purpose",
                 processor="Intel Xeon Scalable (Sapphire Rapids)", clock_speed="3.2 GHz",
                 network="Up to 12500 Megabit", ebs_throughput="Up to 10000 Mbps",
                 service="AmazonEC2", root_disk_gb=100),
    InstanceType("aws", "c7i.4xlarge", 16, 32, 0, "", 0, 0.714, 0.45, "Compute optimized",
                 processor="Intel Xeon Scalable (Sapphire Rapids)", clock_speed="3.2 GHz",
                 network="Up to 12500 Megabit", ebs_throughput="Up to 10000 Mbps",
                 service="AmazonEC2", root_disk_gb=100),
    # SageMaker training instances (billed by AmazonSageMaker, usage type "USE1-Train:...")
    InstanceType("aws", "ml.p4d.24xlarge", 96, 1152, 8, "A100", 40, 37.688, 1.0, "ML Instance",
                 service="AmazonSageMaker", root_disk_gb=500),
    InstanceType("aws", "ml.g5.12xlarge", 48, 192, 4, "A10G", 24, 7.09, 1.0, "ML Instance",
                 service="AmazonSageMaker", root_disk_gb=200),
    # GCP: price = cores + RAM + GPUs, per the component SKUs
    _gcp("a2-highgpu-8g", 96, 680, 8, "A100", 40, "A2", "Nvidia Tesla A100 GPU",
         0.031611, 0.004237, 2.933908, 1000),
    _gcp("a2-highgpu-1g", 12, 85, 1, "A100", 40, "A2", "Nvidia Tesla A100 GPU",
         0.031611, 0.004237, 2.933908),
    _gcp("a3-highgpu-8g", 208, 1872, 8, "H100", 80, "A3", "Nvidia H100 80GB GPU",
         0.0295, 0.0039, 9.37, 1000),
    _gcp("g2-standard-8", 8, 32, 1, "L4", 24, "G2", "Nvidia L4 GPU",
         0.024988, 0.002927, 0.56004),
    _gcp("n2-standard-8", 8, 32, 0, "", 0, "N2", "", 0.031611, 0.004237, 0.0, 100),
    # Azure
    InstanceType("azure", "Standard_ND96asr_v4", 96, 900, 8, "A100", 40, 27.197, 0.3,
                 "NDasrA100 v4 Series", meter_name="ND96asr A100 v4",
                 service="Virtual Machines", root_disk_gb=1024),
    InstanceType("azure", "Standard_NC24ads_A100_v4", 24, 220, 1, "A100", 80, 3.673, 0.3,
                 "NCadsA100 v4 Series", meter_name="NC24ads A100 v4",
                 service="Virtual Machines", root_disk_gb=256),
    InstanceType("azure", "Standard_ND96isr_H100_v5", 96, 1900, 8, "H100", 80, 98.32, 0.3,
                 "NDisrH100 v5 Series", meter_name="ND96isr H100 v5",
                 service="Virtual Machines", root_disk_gb=1024),
    InstanceType("azure", "Standard_NC4as_T4_v3", 4, 28, 1, "T4", 16, 0.526, 0.3,
                 "NCasT4 v3 Series", meter_name="NC4as T4 v3", service="Virtual Machines",
                 root_disk_gb=128),
    InstanceType("azure", "Standard_D8s_v5", 8, 32, 0, "", 0, 0.384, 0.3, "Dsv5 Series",
                 meter_name="D8s v5", service="Virtual Machines", root_disk_gb=128),
]:
    _add(_it)


def instance(provider: str, name: str) -> InstanceType:
    try:
        return INSTANCE_TYPES[(provider, name)]
    except KeyError:
        raise KeyError(f"unknown {provider} instance type {name!r}: add it to "
                       f"INSTANCE_TYPES in catalog.py") from None


def instance_gpus(provider: str, name: str) -> int:
    """GPUs of an instance type, 0 for CPU shapes and types the catalog does not know."""
    it = INSTANCE_TYPES.get((provider, name))
    return it.gpus if it else 0


# --------------------------------------------------------------------------------------
# Commitment pricing
# --------------------------------------------------------------------------------------

# Compute Savings Plan, 1 year, no upfront: SP rate as a fraction of on-demand.
AWS_SP_RATE_FACTOR: dict[str, float] = {"p5": 0.74, "p4d": 0.72, "g5": 0.70, "m7i": 0.72,
                                        "c7i": 0.72}
AWS_SP_ARN = ("arn:aws:savingsplans::456789012345:savingsplan/"
              "3f9d2c1e-7b4a-4e08-9c51-2a6d8e0f7b13")
AWS_SP_START = "2026-03-01T00:00:00.000Z"
# Partial upfront: half the commitment was paid at purchase (before the window) and is
# amortized onto the hours; the hourly fee line bills the other half.
AWS_SP_UPFRONT_FRACTION = 0.5
AWS_SP_USAGE_TYPE = "ComputeSP:1yrPartialUpfront"
AWS_SP_END = "2027-02-28T23:59:59.000Z"
# EC2 Standard RI, 1 year, no upfront, regional, 2 x g5.12xlarge in us-east-1
AWS_RI_INSTANCE_TYPE = "g5.12xlarge"
AWS_RI_COUNT = 2
AWS_RI_HOURLY = 3.5735
AWS_RI_ARN = ("arn:aws:ec2:us-east-1:456789012345:reserved-instances/"
              "8e3b6f10-2c4d-4a97-b1e5-7d09c3a2f648")
AWS_RI_START = "2026-06-15T00:00:00.000Z"
AWS_RI_END = "2027-06-15T00:00:00.000Z"
# GCP resource-based CUD: A100 GPUs in us-central1, 1 year (the world sizes the GPU count)
GCP_CUD_RATE_FACTOR = 0.63
GCP_CUD_NAME = ("projects/tl-ml-research/regions/us-central1/commitments/"
                "a100-commitment-2026")
# Azure reservation: 2 x Standard_NC24ads_A100_v4 in eastus, 1 year, monthly billing
AZURE_RES_INSTANCE_TYPE = "Standard_NC24ads_A100_v4"
AZURE_RES_COUNT = 2
AZURE_RES_RATE_FACTOR = 0.63
AZURE_RES_ID = ("/providers/Microsoft.Capacity/reservationOrders/"
                "2b7e4c91-0d3a-4f68-8e15-c9a4b6d2e073/reservations/"
                "61f0a8d3-5c2e-4b79-9a14-e3d7c08b5f26")
AZURE_RES_NAME = "NC24ads_A100_v4_eastus_ml"


# --------------------------------------------------------------------------------------
# SKUs (non-AWS) and AWS usage-type prices
# --------------------------------------------------------------------------------------

GCP_SERVICES: dict[str, str] = {  # description -> id (real service ids)
    "Compute Engine": "6F81-5844-456A",
    "Cloud Storage": "95FF-2EF5-5EA1",
    "Networking": "E505-1604-58F8",
}


@dataclass(frozen=True)
class Sku:
    """A GCP SKU or an Azure meter. ``unit`` is the pricing unit the Charge uses."""

    provider: str
    sku_id: str
    description: str  # GCP sku.description, Azure meterName
    service: str  # GCP service.description, Azure meterCategory
    unit: str  # GCP usage.pricing_unit, Azure unitOfMeasure
    unit_price: float
    service_id: str = ""  # GCP service.id
    subcategory: str = ""  # Azure meterSubCategory
    region: str = ""
    extra: dict = field(default_factory=dict, hash=False, compare=False)


SKUS: dict[tuple[str, str], Sku] = {}


@lru_cache(maxsize=None)  # pure, and called once per billing line
def gcp_sku_id(description: str) -> str:
    """A stable GCP-shaped SKU id ("XXXX-XXXX-XXXX") for a SKU description."""
    digest = hashlib.sha256(("gcp-sku|" + description).encode()).hexdigest().upper()
    return f"{digest[0:4]}-{digest[4:8]}-{digest[8:12]}"


@lru_cache(maxsize=None)  # pure, and called once per billing line
def azure_meter_id(name: str) -> str:
    """A stable GUID meter id for an Azure meter."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "azure-meter|" + name))


@lru_cache(maxsize=None)  # pure, and called once per billing line
def register_gcp_sku(description: str, service: str, unit: str, unit_price: float,
                     region_code: str = "") -> Sku:
    sku = Sku("gcp", gcp_sku_id(description), description, service, unit,
              round(unit_price, 10), GCP_SERVICES[service], region=region_code)
    SKUS[("gcp", sku.sku_id)] = sku
    return sku


@lru_cache(maxsize=None)  # pure, and called once per billing line
def register_azure_meter(name: str, category: str, subcategory: str, unit: str,
                         unit_price: float, region_code: str) -> Sku:
    key = f"{category}|{subcategory}|{name}|{region_code}"
    sku = Sku("azure", azure_meter_id(key), name, category, unit, round(unit_price, 10),
              subcategory=subcategory, region=region_code)
    SKUS[("azure", sku.sku_id)] = sku
    return sku


def sku(provider: str, sku_id: str) -> Sku:
    return SKUS[(provider, sku_id)]


def _gcp_geo(region_code: str) -> str:
    return region("gcp", region_code).continent


def gcp_vm_skus(it: InstanceType, region_code: str, spot: bool) -> list[tuple[str, Sku, float]]:
    """The (component, SKU, quantity per VM-hour) lines one GCP VM-hour bills as."""
    geo = _gcp_geo(region_code)
    mult = region("gcp", region_code).price_multiplier
    factor = it.spot_factor if spot else 1.0
    prefix = "Spot Preemptible " if spot else ""
    out: list[tuple[str, Sku, float]] = []
    core = register_gcp_sku(f"{prefix}{it.series} Instance Core running in {geo}",
                            "Compute Engine", "hour", it.core_rate * mult * factor, region_code)
    ram = register_gcp_sku(f"{prefix}{it.series} Instance Ram running in {geo}",
                           "Compute Engine", "gibibyte hour", it.ram_rate * mult * factor,
                           region_code)
    out.append(("core", core, float(it.vcpu)))
    out.append(("ram", ram, float(it.memory_gib)))
    if it.gpus:
        gpu = register_gcp_sku(f"{prefix}{it.gpu_sku_name} running in {geo}", "Compute Engine",
                               "hour", it.gpu_rate * mult * factor, region_code)
        out.append(("gpu", gpu, float(it.gpus)))
    return out


def gcp_cud_fee_sku(region_code: str) -> Sku:
    geo = _gcp_geo(region_code)
    return register_gcp_sku(f"Commitment v1: A100 GPU in {geo} for 1 Year", "Compute Engine",
                            "hour", 2.933908 * GCP_CUD_RATE_FACTOR, region_code)


def azure_vm_meter(it: InstanceType, region_code: str, spot: bool) -> Sku:
    name = it.meter_name + (" Spot" if spot else "")
    price = it.hourly * (it.spot_factor if spot else 1.0)
    return register_azure_meter(name, "Virtual Machines", it.family, "1 Hour", price,
                                region_code)


def azure_reservation_meter(region_code: str) -> Sku:
    it = instance("azure", AZURE_RES_INSTANCE_TYPE)
    return register_azure_meter(f"{it.meter_name} Reserved", "Virtual Machines",
                                it.family, "1 Hour", it.hourly * AZURE_RES_RATE_FACTOR,
                                region_code)


# Storage and network prices
AWS_EBS_GP3_GB_MONTH = 0.08
AWS_S3_STANDARD_GB_MONTH = 0.023
AWS_S3_TIER1_PER_1000 = 0.005
AWS_S3_TIER2_PER_1000 = 0.0004
AWS_INTER_REGION_GB = 0.02
AWS_INTER_REGION_IN_GB = 0.0  # the receiving region's In line is free
AWS_INTER_AZ_GB = 0.01  # each way: Regional-Bytes and the xAZ-In / xAZ-Out meters
AWS_INTERNET_OUT_GB = 0.09
AWS_INTERNET_IN_GB = 0.0
AWS_NAT_GB = 0.045
AWS_NAT_HOUR = 0.045
AWS_TAX_RATE = 0.06
GCP_TAX_RATE = 0.06

GCP_PD_BALANCED_GB_MONTH = 0.10
GCP_GCS_STANDARD_GB_MONTH = 0.020
GCP_INTER_ZONE_GB = 0.01
GCP_INTER_REGION_AM_EU_GB = 0.05
GCP_INTERNET_OUT_GB = 0.12

AZURE_P30_MONTH = 135.17  # 1 TiB premium SSD
AZURE_P15_MONTH = 38.01  # 256 GiB premium SSD
AZURE_BLOB_HOT_GB_MONTH = 0.0184
AZURE_INTERNET_OUT_GB = 0.087
AZURE_INTER_REGION_GB = 0.02
AZURE_VNET_PEERING_GB = 0.01  # intra-region, charged on ingress and on egress
AZURE_PRIVATE_LINK_GB = 0.01  # data processed, each way


def gcp_pd_sku(region_code: str) -> Sku:
    return register_gcp_sku(
        "Balanced PD Capacity" + ("" if region_code == "us-central1" else " in Netherlands"),
        "Compute Engine", "gibibyte month",
        GCP_PD_BALANCED_GB_MONTH * region("gcp", region_code).price_multiplier, region_code)


def gcp_gcs_sku(region_code: str) -> Sku:
    loc = "Iowa" if region_code == "us-central1" else "Netherlands"
    return register_gcp_sku(f"Standard Storage {loc}", "Cloud Storage", "gibibyte month",
                            GCP_GCS_STANDARD_GB_MONTH, region_code)


def gcp_network_sku(transfer_type: str, from_region: str, to: str) -> Sku:
    if transfer_type == "inter_az":
        return register_gcp_sku("Network Inter Zone Data Transfer Out", "Networking",
                                "gibibyte", GCP_INTER_ZONE_GB, from_region)
    if transfer_type == "inter_region":
        src = _gcp_geo(from_region)
        dst = _gcp_geo(to)
        return register_gcp_sku(f"Network Inter Region Data Transfer Out from {src} to {dst}",
                                "Networking", "gibibyte", GCP_INTER_REGION_AM_EU_GB,
                                from_region)
    src = _gcp_geo(from_region)
    return register_gcp_sku(f"Network Internet Data Transfer Out from {src} to Americas",
                            "Networking", "gibibyte", GCP_INTERNET_OUT_GB, from_region)


def azure_disk_meter(tier: str, region_code: str) -> Sku:
    price = AZURE_P30_MONTH if tier == "P30" else AZURE_P15_MONTH
    return register_azure_meter(f"{tier} LRS Disk", "Storage", "Premium SSD Managed Disks",
                                "1/Month", price, region_code)


def azure_blob_meter(region_code: str) -> Sku:
    return register_azure_meter("Hot LRS Data Stored", "Storage", "Blob Storage",
                                "1 GB/Month", AZURE_BLOB_HOT_GB_MONTH, region_code)


def azure_virtual_network_meter(transfer_type: str, region_code: str) -> Sku:
    """VNet peering and Private Link meters: meter category Virtual Network, the kind in the
    sub-category, the direction in the meter name (Microsoft's price sheet spellings)."""
    names = {"peering": ("VNet Peering", "Intra-Region Egress", AZURE_VNET_PEERING_GB),
             "peering_inbound": ("VNet Peering", "Intra-Region Ingress", AZURE_VNET_PEERING_GB),
             "private_link": ("Private Link", "Standard Data Processed - Egress",
                              AZURE_PRIVATE_LINK_GB),
             "private_link_inbound": ("Private Link", "Standard Data Processed - Ingress",
                                      AZURE_PRIVATE_LINK_GB)}
    subcategory, name, price = names[transfer_type]
    return register_azure_meter(name, "Virtual Network", subcategory, "1 GB", price, region_code)


def azure_bandwidth_meter(transfer_type: str, region_code: str) -> Sku:
    if transfer_type == "inter_region":
        return register_azure_meter("Intra Continent Data Transfer Out", "Bandwidth",
                                    "Inter-Region", "1 GB", AZURE_INTER_REGION_GB,
                                    region_code)
    return register_azure_meter("Standard Data Transfer Out", "Bandwidth",
                                "Rtn Preference: MGN", "1 GB", AZURE_INTERNET_OUT_GB,
                                region_code)


# --------------------------------------------------------------------------------------
# AWS product identifiers
# --------------------------------------------------------------------------------------

AWS_ON_DEMAND_OFFER_TERM = "JRTCKXETXF"  # the real OnDemand offer term code
AWS_ON_DEMAND_RATE_CODE = "6YS6EN2CT7"  # the real OnDemand price dimension suffix
AWS_RESERVED_OFFER_TERM = "4NA7Y494T4"  # the real 1yr Standard No Upfront term code


@lru_cache(maxsize=None)  # pure, and called once per billing line
def aws_product_sku(usage_type: str, operation: str, region_code: str) -> str:
    """A stable 16-character product SKU, the shape of ``product/sku``."""
    digest = hashlib.sha256(f"aws-sku|{usage_type}|{operation}|{region_code}".encode())
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    number = int.from_bytes(digest.digest()[:10], "big")
    chars = []
    for _ in range(16):
        number, rem = divmod(number, len(alphabet))
        chars.append(alphabet[rem])
    return "".join(chars)


@lru_cache(maxsize=None)  # pure, and called once per billing line
def aws_rate_id(usage_type: str, operation: str, region_code: str, term: str) -> str:
    digest = hashlib.sha256(f"aws-rate|{usage_type}|{operation}|{region_code}|{term}".encode())
    return str(int.from_bytes(digest.digest()[:5], "big") % 10_000_000_000)
