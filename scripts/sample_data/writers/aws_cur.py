"""AWS Cost and Usage Report, three ways: legacy CUR gzip CSV, legacy CUR Athena parquet
and CUR 2.0 (Data Exports) parquet. Same line items in all three.

Column names and line-item semantics follow the AWS "Cost and Usage Report data dictionary"
(legacy CUR: ``lineItem/UnblendedCost``), AWS's Athena naming rules for the parquet
integration (``line_item_unblended_cost``) and the CUR 2.0 table dictionary (static schema,
``product``/``resource_tags``/``cost_category``/``discount`` maps). SCHEMAS.md lists every
column with its type and the real fixture it was checked against.

Lines stream in per day; a period's files are written in parts of ``chunk_rows`` lines
(``<report>-1.csv.gz``, ``-2``...; ``-00001.snappy.parquet``...), each part as a stream of
batches of ROW_GROUP_ROWS lines (a gzip stream, parquet row groups), so memory stays bounded.
``formats`` chooses which of the three are written.
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
import itertools
import json
import operator
import re
import uuid
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import catalog
from ..model import Charge
from ..world import World, iso, month_start, next_month_start, ts_of

REPORT = "mlcost-hourly"
EXPORT = "mlcost-cur2"
S3_BUCKET = "tensorloop-billing-exports"
CSV_PREFIX = "cur"
LEGAL_ENTITY = "Amazon Web Services, Inc."

# The formats, named as var mlcost_aws_format_precedence names them, and the glob of each
# one's dbt var (mlcost_aws_<format>).
FORMATS = ("cur_legacy_csv", "cur_legacy_parquet", "cur2_parquet")
VARS = {
    "mlcost_aws_cur_legacy_csv": "aws/cur_legacy/*/*/*/*.csv.gz",
    "mlcost_aws_cur_legacy_parquet": "aws/cur_legacy_parquet/**/*.parquet",
    "mlcost_aws_cur2_parquet": "aws/cur2/**/*.parquet",
}
# The legacy CSV delivery's period manifests name each month's current assembly.
MANIFESTS_VAR = ("mlcost_aws_cur_legacy_manifests", "aws/cur_legacy/*/*/*-Manifest.json")

# ---------------------------------------------------------------------------------------
# Columns: (legacy name, type). Types: str | ts (timestamp) | money (double, 10 decimals in
# CSV) | num (double) | rate (string in parquet, as AWS types rates) | qty (string in parquet)
# ---------------------------------------------------------------------------------------

BASE_COLUMNS: list[tuple[str, str]] = [
    ("identity/LineItemId", "str"), ("identity/TimeInterval", "str"),
    ("bill/InvoiceId", "str"), ("bill/InvoicingEntity", "str"), ("bill/BillingEntity", "str"),
    ("bill/BillType", "str"), ("bill/PayerAccountId", "str"),
    ("bill/BillingPeriodStartDate", "ts"), ("bill/BillingPeriodEndDate", "ts"),
    ("lineItem/UsageAccountId", "str"), ("lineItem/LineItemType", "str"),
    ("lineItem/UsageStartDate", "ts"), ("lineItem/UsageEndDate", "ts"),
    ("lineItem/ProductCode", "str"), ("lineItem/UsageType", "str"),
    ("lineItem/Operation", "str"), ("lineItem/AvailabilityZone", "str"),
    ("lineItem/ResourceId", "str"), ("lineItem/UsageAmount", "num"),
    ("lineItem/NormalizationFactor", "num"), ("lineItem/NormalizedUsageAmount", "num"),
    ("lineItem/CurrencyCode", "str"), ("lineItem/UnblendedRate", "rate"),
    ("lineItem/UnblendedCost", "money"), ("lineItem/BlendedRate", "rate"),
    ("lineItem/BlendedCost", "money"), ("lineItem/LineItemDescription", "str"),
    ("lineItem/TaxType", "str"), ("lineItem/LegalEntity", "str"),
]

# Product attributes mlcost's simulated services (EC2, S3, SageMaker, data transfer, NAT,
# Savings Plans, Support) carry. ProductName first, the rest alphabetically, as CUR orders them.
PRODUCT_ATTRIBUTES = [
    "ProductName", "availability", "capacitystatus", "classicnetworkingsupport", "clockSpeed",
    "component", "currentGeneration", "dedicatedEbsThroughput", "durability", "ecu",
    "enhancedNetworkingSupported", "fromLocation", "fromLocationType", "fromRegionCode", "gpu",
    "gpuMemory", "group", "groupDescription", "instanceFamily", "instanceType",
    "instanceTypeFamily", "intelAvx2Available", "intelAvxAvailable", "intelTurboAvailable",
    "licenseModel", "location", "locationType", "marketoption", "maxIopsvolume",
    "maxThroughputvolume", "maxVolumeSize", "memory", "networkPerformance",
    "normalizationSizeFactor", "operatingSystem", "operation", "physicalProcessor",
    "preInstalledSw", "processorArchitecture", "processorFeatures", "productFamily", "region",
    "regionCode", "servicecode", "servicename", "sku", "storage", "storageClass",
    "storageMedia", "tenancy", "toLocation", "toLocationType", "toRegionCode", "transferType",
    "usagetype", "vcpu", "volumeApiName", "volumeType", "vpcnetworkingsupport",
]

PRICING_COLUMNS: list[tuple[str, str]] = [
    ("pricing/LeaseContractLength", "str"), ("pricing/OfferingClass", "str"),
    ("pricing/PurchaseOption", "str"), ("pricing/RateCode", "str"), ("pricing/RateId", "str"),
    ("pricing/currency", "str"), ("pricing/publicOnDemandCost", "money"),
    ("pricing/publicOnDemandRate", "rate"), ("pricing/term", "str"), ("pricing/unit", "str"),
]

RESERVATION_COLUMNS: list[tuple[str, str]] = [
    ("reservation/AmortizedUpfrontCostForUsage", "money"),
    ("reservation/AmortizedUpfrontFeeForBillingPeriod", "money"),
    ("reservation/AvailabilityZone", "str"), ("reservation/EffectiveCost", "money"),
    ("reservation/EndTime", "str"), ("reservation/ModificationStatus", "str"),
    ("reservation/NormalizedUnitsPerReservation", "qty"),
    ("reservation/NumberOfReservations", "qty"), ("reservation/RecurringFeeForUsage", "money"),
    ("reservation/ReservationARN", "str"), ("reservation/StartTime", "str"),
    ("reservation/SubscriptionId", "str"), ("reservation/TotalReservedNormalizedUnits", "qty"),
    ("reservation/TotalReservedUnits", "qty"), ("reservation/UnitsPerReservation", "qty"),
    ("reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "money"),
    ("reservation/UnusedNormalizedUnitQuantity", "num"),
    ("reservation/UnusedQuantity", "num"), ("reservation/UnusedRecurringFee", "money"),
    ("reservation/UpfrontValue", "money"),
]

SAVINGS_PLAN_COLUMNS: list[tuple[str, str]] = [
    ("savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod", "money"),
    ("savingsPlan/EndTime", "str"), ("savingsPlan/InstanceTypeFamily", "str"),
    ("savingsPlan/OfferingType", "str"), ("savingsPlan/PaymentOption", "str"),
    ("savingsPlan/PurchaseTerm", "str"),
    ("savingsPlan/RecurringCommitmentForBillingPeriod", "money"),
    ("savingsPlan/Region", "str"), ("savingsPlan/SavingsPlanARN", "str"),
    ("savingsPlan/SavingsPlanEffectiveCost", "money"), ("savingsPlan/SavingsPlanRate", "num"),
    ("savingsPlan/StartTime", "str"), ("savingsPlan/TotalCommitmentToDate", "money"),
    ("savingsPlan/UsedCommitment", "money"),
]

# CUR 2.0 static schema (AWS Data Exports table dictionary), in its documented order. Columns
# whose legacy counterpart exists are filled from it; the rest are typed nulls.
CUR2_COLUMNS: list[tuple[str, str]] = [
    ("bill_bill_type", "str"), ("bill_billing_entity", "str"),
    ("bill_billing_period_end_date", "ts"), ("bill_billing_period_start_date", "ts"),
    ("bill_invoice_id", "str"), ("bill_invoicing_entity", "str"),
    ("bill_payer_account_id", "str"), ("bill_payer_account_name", "str"),
    ("capacity_reservation_capacity_reservation_arn", "str"),
    ("capacity_reservation_capacity_reservation_status", "str"),
    ("capacity_reservation_capacity_reservation_type", "str"),
    ("cost_category", "map"), ("discount", "map"), ("discount_bundled_discount", "num"),
    ("discount_total_discount", "num"), ("identity_line_item_id", "str"),
    ("identity_time_interval", "str"), ("line_item_availability_zone", "str"),
    ("line_item_blended_cost", "money"), ("line_item_blended_rate", "rate"),
    ("line_item_currency_code", "str"), ("line_item_legal_entity", "str"),
    ("line_item_line_item_description", "str"), ("line_item_line_item_type", "str"),
    ("line_item_net_unblended_cost", "money"), ("line_item_net_unblended_rate", "rate"),
    ("line_item_normalization_factor", "num"), ("line_item_normalized_usage_amount", "num"),
    ("line_item_operation", "str"), ("line_item_product_code", "str"),
    ("line_item_resource_id", "str"), ("line_item_tax_type", "str"),
    ("line_item_unblended_cost", "money"), ("line_item_unblended_rate", "rate"),
    ("line_item_usage_account_id", "str"), ("line_item_usage_account_name", "str"),
    ("line_item_usage_amount", "num"), ("line_item_usage_end_date", "ts"),
    ("line_item_usage_start_date", "ts"), ("line_item_usage_type", "str"),
    ("pricing_currency", "str"), ("pricing_lease_contract_length", "str"),
    ("pricing_offering_class", "str"), ("pricing_public_on_demand_cost", "money"),
    ("pricing_public_on_demand_rate", "rate"), ("pricing_purchase_option", "str"),
    ("pricing_rate_code", "str"), ("pricing_rate_id", "str"), ("pricing_term", "str"),
    ("pricing_unit", "str"), ("product", "map"), ("product_comment", "str"),
    ("product_fee_code", "str"), ("product_fee_description", "str"),
    ("product_from_location", "str"), ("product_from_location_type", "str"),
    ("product_from_region_code", "str"), ("product_instance_family", "str"),
    ("product_instance_type", "str"), ("product_instancesku", "str"),
    ("product_location", "str"), ("product_location_type", "str"),
    ("product_operation", "str"), ("product_pricing_unit", "str"),
    ("product_product_family", "str"), ("product_region_code", "str"),
    ("product_servicecode", "str"), ("product_sku", "str"), ("product_to_location", "str"),
    ("product_to_location_type", "str"), ("product_to_region_code", "str"),
    ("product_usagetype", "str"),
    ("reservation_amortized_upfront_cost_for_usage", "money"),
    ("reservation_amortized_upfront_fee_for_billing_period", "money"),
    ("reservation_availability_zone", "str"), ("reservation_effective_cost", "money"),
    ("reservation_end_time", "str"), ("reservation_modification_status", "str"),
    ("reservation_net_amortized_upfront_cost_for_usage", "money"),
    ("reservation_net_amortized_upfront_fee_for_billing_period", "money"),
    ("reservation_net_effective_cost", "money"),
    ("reservation_net_recurring_fee_for_usage", "money"),
    ("reservation_net_unused_amortized_upfront_fee_for_billing_period", "money"),
    ("reservation_net_unused_recurring_fee", "money"), ("reservation_net_upfront_value", "money"),
    ("reservation_normalized_units_per_reservation", "qty"),
    ("reservation_number_of_reservations", "qty"),
    ("reservation_recurring_fee_for_usage", "money"),
    ("reservation_reservation_a_r_n", "str"), ("reservation_start_time", "str"),
    ("reservation_subscription_id", "str"),
    ("reservation_total_reserved_normalized_units", "qty"),
    ("reservation_total_reserved_units", "qty"), ("reservation_units_per_reservation", "qty"),
    ("reservation_unused_amortized_upfront_fee_for_billing_period", "money"),
    ("reservation_unused_normalized_unit_quantity", "num"),
    ("reservation_unused_quantity", "num"), ("reservation_unused_recurring_fee", "money"),
    ("reservation_upfront_value", "money"), ("resource_tags", "map"),
    ("savings_plan_amortized_upfront_commitment_for_billing_period", "money"),
    ("savings_plan_end_time", "str"), ("savings_plan_instance_type_family", "str"),
    ("savings_plan_net_amortized_upfront_commitment_for_billing_period", "money"),
    ("savings_plan_net_recurring_commitment_for_billing_period", "money"),
    ("savings_plan_net_savings_plan_effective_cost", "money"),
    ("savings_plan_offering_type", "str"), ("savings_plan_payment_option", "str"),
    ("savings_plan_purchase_term", "str"),
    ("savings_plan_recurring_commitment_for_billing_period", "money"),
    ("savings_plan_region", "str"), ("savings_plan_savings_plan_a_r_n", "str"),
    ("savings_plan_savings_plan_effective_cost", "money"),
    ("savings_plan_savings_plan_rate", "num"), ("savings_plan_start_time", "str"),
    ("savings_plan_total_commitment_to_date", "money"), ("savings_plan_used_commitment", "money"),
    ("split_line_item_actual_usage", "num"), ("split_line_item_net_split_cost", "money"),
    ("split_line_item_net_unused_cost", "money"),
    ("split_line_item_parent_resource_id", "str"),
    ("split_line_item_public_on_demand_split_cost", "money"),
    ("split_line_item_public_on_demand_unused_cost", "money"),
    ("split_line_item_reserved_usage", "num"), ("split_line_item_split_cost", "money"),
    ("split_line_item_split_usage", "num"), ("split_line_item_split_usage_ratio", "num"),
    ("split_line_item_unused_cost", "money"),
]
# CUR 2.0 keeps these product attributes as columns; every other one goes in the map.
CUR2_FLAT_PRODUCT = {
    "product_comment", "product_fee_code", "product_fee_description", "product_from_location",
    "product_from_location_type", "product_from_region_code", "product_instance_family",
    "product_instance_type", "product_instancesku", "product_location",
    "product_location_type", "product_operation", "product_pricing_unit",
    "product_product_family", "product_region_code", "product_servicecode", "product_sku",
    "product_to_location", "product_to_location_type", "product_to_region_code",
    "product_usagetype",
}


def athena_name(legacy: str) -> str:
    """AWS's legacy-CUR-to-Athena column name rule: split camelCase with '_', lowercase,
    every other non-alphanumeric character to '_', runs of '_' collapsed.

    ``savingsPlan/SavingsPlanARN`` -> ``savings_plan_savings_plan_a_r_n``;
    ``resourceTags/user:cost-center`` -> ``resource_tags_user_cost_center``.
    """
    s = re.sub(r"([A-Z])", r"_\1", legacy)
    s = re.sub(r"[^A-Za-z0-9]", "_", s).lower()
    return re.sub(r"_+", "_", s).strip("_")


def csv_cell(value: str | None) -> str:
    """One CSV cell, quoted only when it holds a delimiter, a quote or a line break."""
    if value is None:
        return ""
    if "," in value or '"' in value or "\n" in value or "\r" in value:
        return '"' + value.replace('"', '""') + '"'
    return value


def text_column(arr: pa.Array, kind: str) -> list[str]:
    """A typed column as CSV cells: 10-decimal numbers, ISO-8601 Z times, escaped text."""
    n = len(arr)
    if arr.null_count == n:
        return [""] * n
    if kind == "ts":
        text = pc.strftime(arr.cast(pa.timestamp("s")), format="%Y-%m-%dT%H:%M:%SZ")
        return ["" if v is None else v for v in text.to_pylist()]
    if kind in ("money", "num", "rate", "qty"):
        return ["" if v is None else f"{v:.10f}" for v in arr.to_pylist()]
    values = arr.to_pylist()
    if any(v is not None and ("," in v or '"' in v or "\n" in v) for v in values):
        return [csv_cell(v) for v in values]
    return ["" if v is None else v for v in values]


# ---------------------------------------------------------------------------------------
# Per-line mapping
# ---------------------------------------------------------------------------------------

PRODUCT_NAMES = {
    "AmazonEC2": "Amazon Elastic Compute Cloud", "AmazonS3": "Amazon Simple Storage Service",
    "AmazonSageMaker": "Amazon SageMaker",
    "ComputeSavingsPlans": "Savings Plans for AWS Compute usage",
    "AWSSupportBusiness": "AWS Support (Business)",
}


def line_item_type(c: Charge) -> str:
    return line_item_type_of(c.kind, c.commitment_type)


def line_item_type_of(kind: str, commitment_type: str) -> str:
    if kind == "commitment_usage":
        return "SavingsPlanCoveredUsage" if commitment_type == "savings_plan" else \
            "DiscountedUsage"
    if kind == "commitment_negation":
        return "SavingsPlanNegation"
    if kind == "commitment_fee":
        return "SavingsPlanRecurringFee" if commitment_type == "savings_plan" else "RIFee"
    return {"usage": "Usage", "credit": "Credit", "refund": "Refund", "tax": "Tax",
            "fee": "Fee"}[kind]


def location_of(code: str) -> tuple[str, str, str]:
    """(location, location type, region code) for a transfer endpoint."""
    if ("aws", code) in catalog.REGIONS:
        return catalog.region("aws", code).location, "AWS Region", code
    return "External", "Other", ""


def product_attributes(c: Charge) -> dict[str, str]:
    """The product/* attributes of a line, as the AWS price list states them."""
    code = c.service
    attrs: dict[str, str] = {"ProductName": PRODUCT_NAMES.get(code, code)}
    if c.kind in ("tax", "credit", "refund"):
        return attrs
    attrs["servicecode"] = code
    attrs["usagetype"] = c.sku
    attrs["operation"] = c.operation
    if c.region:
        reg = catalog.region("aws", c.region)
        attrs.update(region=c.region, regionCode=c.region, location=reg.location,
                     locationType="AWS Region")
    if c.sku and c.region:
        attrs["sku"] = catalog.aws_product_sku(c.sku, c.operation, c.region)
    attrs["servicename"] = attrs["ProductName"]
    if c.transfer_type:
        frm = location_of(c.transfer_from)
        to = location_of(c.transfer_to if c.transfer_type not in ("internet", "inter_cloud", "nat")
                         else "external")
        if c.transfer_type in ("inter_az", "inter_az_inbound"):
            to = frm
        if c.transfer_type == "inter_region_inbound":
            # The price list states In lines from the receiving region: "US West (Oregon)
            # data transfer from US East (N. Virginia)" has fromLocation US West (Oregon).
            frm, to = to, frm
        attrs.update(productFamily="NAT Gateway" if c.transfer_type == "nat" else "Data Transfer",
                     fromLocation=frm[0], fromLocationType=frm[1], fromRegionCode=frm[2],
                     toLocation=to[0], toLocationType=to[1], toRegionCode=to[2])
        # The xAZ-In / xAZ-Out meters are written without a transfer type, so the sample
        # also exercises classification by usage type.
        attrs["transferType"] = "" if "-xAZ-" in c.sku else {
            "inter_region": "InterRegion Outbound", "inter_region_inbound": "InterRegion Inbound",
            "inter_az": "IntraRegion", "internet": "AWS Outbound",
            "internet_inbound": "AWS Inbound", "inter_cloud": "AWS Outbound",
            "nat": ""}[c.transfer_type]
        if c.transfer_type == "nat":
            attrs.update(group="NGW:NatGateway",
                         groupDescription="Charge for per GB data processed by NatGateways")
            for k in ("fromLocation", "fromLocationType", "fromRegionCode", "toLocation",
                      "toLocationType", "toRegionCode"):
                attrs.pop(k)
        else:
            attrs["servicecode"] = "AWSDataTransfer"
        return {k: v for k, v in attrs.items() if v}
    if c.service == "AmazonSageMaker":
        it = catalog.instance("aws", c.instance_type)
        attrs.update(productFamily="ML Instance", instanceType=it.name, component="Training",
                     vcpu=str(it.vcpu), memory=f"{it.memory_gib:g} GiB", gpu=str(it.gpus),
                     gpuMemory=f"{it.gpus * it.gpu_memory_gib} GB", instanceFamily="GPU instance")
        return attrs
    if c.service == "ComputeSavingsPlans":
        attrs.pop("region", None)
        attrs["productFamily"] = ""
        return {k: v for k, v in attrs.items() if v}
    if c.service == "AWSSupportBusiness":
        return {"ProductName": attrs["ProductName"], "servicecode": code,
                "servicename": attrs["ProductName"], "usagetype": c.sku}
    if c.sku.endswith("NatGateway-Hours"):
        attrs.update(productFamily="NAT Gateway", group="NGW:NatGateway",
                     groupDescription="Hourly charge for NAT Gateways")
        return attrs
    if "EBS:VolumeUsage" in c.sku:
        attrs.update(productFamily="Storage", volumeApiName="gp3", volumeType="General Purpose",
                     storageMedia="SSD-backed", maxIopsvolume="16000",
                     maxThroughputvolume="1000 MiB/s", maxVolumeSize="16 TiB")
        return attrs
    if code == "AmazonS3":
        if "TimedStorage" in c.sku:
            attrs.update(productFamily="Storage", storageClass="General Purpose",
                         volumeType="Standard", availability="99.99%",
                         durability="99.999999999%")
        else:
            tier = "S3-API-Tier1" if "Tier1" in c.sku else "S3-API-Tier2"
            attrs.update(productFamily="API Request", group=tier,
                         groupDescription="PUT/COPY/POST or LIST requests" if "Tier1" in c.sku
                         else "GET and all other requests")
        return attrs
    if c.instance_type:
        it = catalog.instance("aws", c.instance_type)
        attrs.update(
            productFamily="Compute Instance", instanceType=it.name, instanceFamily=it.family,
            instanceTypeFamily=it.name.split(".")[0], vcpu=str(it.vcpu),
            memory=f"{it.memory_gib:g} GiB", physicalProcessor=it.processor,
            clockSpeed=it.clock_speed, networkPerformance=it.network, storage=it.storage,
            dedicatedEbsThroughput=it.ebs_throughput, operatingSystem="Linux",
            licenseModel="No License required", preInstalledSw="NA", tenancy="Shared",
            capacitystatus="Used", currentGeneration="Yes", ecu="NA",
            processorArchitecture="64-bit", enhancedNetworkingSupported="Yes",
            classicnetworkingsupport="false", vpcnetworkingsupport="true",
            normalizationSizeFactor=f"{it.normalization_factor:g}",
            marketoption="Spot" if c.pricing == "spot" else "OnDemand",
            intelAvxAvailable="Yes" if "Intel" in it.processor else "No",
            intelAvx2Available="Yes" if "Intel" in it.processor else "No",
            intelTurboAvailable="Yes" if "Intel" in it.processor else "No",
            processorFeatures="Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo"
            if "Intel" in it.processor else "AMD Turbo")
        if it.gpus:
            attrs["gpu"] = str(it.gpus)
            attrs["gpuMemory"] = f"{it.gpus * it.gpu_memory_gib} GB"
        return {k: v for k, v in attrs.items() if v}
    return attrs


def product_key(c: Charge) -> tuple:
    return (c.kind in ("tax", "credit", "refund"), c.service, c.sku, c.operation, c.region,
            c.instance_type, c.transfer_type, c.transfer_from, c.transfer_to, c.pricing)


RI_META = {"reservation/StartTime": catalog.AWS_RI_START,
           "reservation/EndTime": catalog.AWS_RI_END,
           "reservation/ModificationStatus": "Original",
           "reservation/SubscriptionId": "8120374556"}
SP_META = {"savingsPlan/StartTime": catalog.AWS_SP_START, "savingsPlan/EndTime": catalog.AWS_SP_END,
           "savingsPlan/OfferingType": "ComputeSavingsPlans",
           "savingsPlan/PaymentOption": "Partial Upfront", "savingsPlan/PurchaseTerm": "1yr"}


USAGE_KINDS = ("usage", "commitment_usage", "commitment_negation")
# Lines converted and written at a time (one parquet row group): what bounds the writer's
# memory, whatever the bill's size; parts still hold up to chunk_rows lines.
ROW_GROUP_ROWS = 50_000
# Rates as AWS's parquet types them (text, 10 decimals, trailing zeros cut), per value: a
# bill has few distinct rates and many lines.
RATE_TEXT: dict[float, str] = {}


def rate_text(value: float) -> str:
    text = RATE_TEXT.get(value) if value else None  # 0.0 and -0.0 are one key, not one text
    if text is None:
        text = f"{value:.10f}".rstrip("0").rstrip(".")
        if value:
            RATE_TEXT[value] = text
    return text


def rate_text_column(arr: pa.Array) -> pa.Array:
    """rate_text of every value of a float column (nulls stay null), rendered once per
    distinct value (0.0 and -0.0 are distinct here, as rate_text renders them)."""
    distinct = pc.unique(arr)
    texts = pa.array([None if v is None else rate_text(v) for v in distinct.to_pylist()],
                     pa.string())
    return texts.take(pc.index_in(arr, value_set=distinct))


_ISO: dict[int, str] = {}
_PERIOD: dict[int, tuple[str, int, int]] = {}


def iso_cached(ts: int) -> str:
    text = _ISO.get(ts)
    if text is None:
        text = _ISO[ts] = iso(ts)
    return text


def period_bounds(ts: int) -> tuple[str, int, int]:
    """('YYYY-MM', period start, period end) of an instant, cached per hour."""
    hit = _PERIOD.get(ts)
    if hit is None:
        p0 = month_start(ts)
        hit = _PERIOD[ts] = (iso(p0)[:7], p0, next_month_start(p0))
    return hit


# base64 to line item id letters: lowercase, "+" -> "x", "/" -> "z" (one bytes.translate).
_ID_LETTERS = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ+/", b"abcdefghijklmnopqrstuvwxyzxz")


def line_item_id(line_key: str) -> str:
    """52 lowercase letters and digits, the shape of real ``identity/LineItemId`` values."""
    digest = hashlib.blake2b(("cur|" + line_key).encode(), digest_size=40).digest()
    return binascii.b2a_base64(digest, newline=False).translate(_ID_LETTERS)[:52].decode()


def pricing_term(c: Charge) -> str:
    return pricing_term_of(c.commitment_type, c.pricing)


def pricing_term_of(commitment_type: str, pricing: str) -> str:
    if commitment_type == "reserved_instance":
        return "Reserved"
    return "Spot" if pricing == "spot" else "OnDemand"


RI_META = {"reservation/StartTime": catalog.AWS_RI_START,
           "reservation/EndTime": catalog.AWS_RI_END,
           "reservation/ModificationStatus": "Original",
           "reservation/SubscriptionId": "8120374556",
           "pricing/PurchaseOption": "No Upfront", "pricing/LeaseContractLength": "1yr",
           "pricing/OfferingClass": "standard", "pricing/unit": "Hrs",
           "pricing/term": "Reserved"}
SP_META = {"savingsPlan/StartTime": catalog.AWS_SP_START, "savingsPlan/EndTime": catalog.AWS_SP_END,
           "savingsPlan/OfferingType": "ComputeSavingsPlans",
           "savingsPlan/PaymentOption": "Partial Upfront", "savingsPlan/PurchaseTerm": "1yr"}


def commitment_values(c: Charge, lit: str, ri_count: int) -> dict[str, object]:
    """reservation/* and savingsPlan/* columns of a commitment line (data dictionary
    semantics: DiscountedUsage carries the RI's effective cost, RIFee the unused part;
    SavingsPlanCoveredUsage its SP rate and effective cost, the hourly SavingsPlanRecurringFee
    the commitment and how much of it was used)."""
    v: dict[str, object] = {}
    if c.commitment_type == "reserved_instance":
        v.update(RI_META)
        v["reservation/ReservationARN"] = c.commitment_id
        factor = catalog.instance("aws", catalog.AWS_RI_INSTANCE_TYPE).normalization_factor
        v["reservation/NormalizedUnitsPerReservation"] = factor
        if lit == "DiscountedUsage":
            v["reservation/EffectiveCost"] = c.effective_cost
            v["reservation/RecurringFeeForUsage"] = c.effective_cost
            v["reservation/AmortizedUpfrontCostForUsage"] = 0.0
        else:  # RIFee
            unused_h = c.effective_cost / catalog.AWS_RI_HOURLY
            v["reservation/NumberOfReservations"] = float(ri_count)
            v["reservation/UnitsPerReservation"] = round(c.usage_amount / ri_count, 10)
            v["reservation/TotalReservedUnits"] = c.usage_amount
            v["reservation/TotalReservedNormalizedUnits"] = round(c.usage_amount * factor, 10)
            v["reservation/UnusedRecurringFee"] = c.effective_cost
            v["reservation/UnusedQuantity"] = round(unused_h, 10)
            v["reservation/UnusedNormalizedUnitQuantity"] = round(unused_h * factor, 10)
            v["reservation/AmortizedUpfrontFeeForBillingPeriod"] = 0.0
            v["reservation/UnusedAmortizedUpfrontFeeForBillingPeriod"] = 0.0
            v["reservation/UpfrontValue"] = 0.0
    elif c.commitment_type == "savings_plan":
        v.update(SP_META)
        v["savingsPlan/SavingsPlanARN"] = c.commitment_id
        if lit == "SavingsPlanCoveredUsage":
            v["savingsPlan/SavingsPlanRate"] = c.effective_unit_price
            v["savingsPlan/SavingsPlanEffectiveCost"] = c.effective_cost
        elif lit == "SavingsPlanRecurringFee":
            total = round(c.billed_cost / (1 - catalog.AWS_SP_UPFRONT_FRACTION), 10)
            v["savingsPlan/TotalCommitmentToDate"] = total
            v["savingsPlan/UsedCommitment"] = round(total - c.effective_cost, 10)
            v["savingsPlan/RecurringCommitmentForBillingPeriod"] = c.billed_cost
            v["savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod"] = round(
                total - c.billed_cost, 10)
            v["pricing/unit"] = "Hrs"
    return v


def normalization_factor(c: Charge) -> float | None:
    return normalization_factor_of(c.instance_type, c.service, c.kind)


def normalization_factor_of(instance_type: str, service: str, kind: str) -> float | None:
    it = catalog.INSTANCE_TYPES.get(("aws", instance_type))
    if it and service == "AmazonEC2" and kind in USAGE_KINDS and it.normalization_factor:
        return it.normalization_factor
    return None


# The Charge fields line_columns reads, pulled out of every line in one call.
_LINE_FIELDS = operator.attrgetter(
    "kind", "commitment_type", "billing_account_id", "sub_account_id", "service", "sku",
    "operation", "availability_zone", "resource_id", "usage_amount", "currency", "unit_price",
    "billed_cost", "sku_description", "usage_unit", "list_unit_price", "list_cost",
    "instance_type", "region")


# ---------------------------------------------------------------------------------------
# The writer
# ---------------------------------------------------------------------------------------


class AwsCurWriter:
    """Buffers one period's lines and writes them in the chosen formats (default all three)."""

    def __init__(self, world: World, out_dir: Path, tag_keys: list[str],
                 chunk_rows: int = 500_000, formats: tuple[str, ...] = FORMATS,
                 billed_end: int | None = None) -> None:
        unknown = sorted(set(formats) - set(FORMATS))
        if unknown or not formats:
            raise ValueError(f"AWS formats are a non-empty subset of {FORMATS}; got {unknown}")
        self.world = world
        # Where the bill ends (the window's end unless fewer days are billed): months over
        # by then are closed and carry an invoice id.
        self.billed_end = world.end if billed_end is None else billed_end
        self.out = out_dir / "aws"
        self.chunk_rows = chunk_rows
        self.formats = tuple(f for f in FORMATS if f in formats)
        self.tag_keys = tag_keys  # raw keys as on Charge.tags ("team", "aws:createdBy")
        self.tag_columns = [tag_column(k) for k in tag_keys]
        self.columns: list[tuple[str, str]] = (
            BASE_COLUMNS + [(f"product/{a}", "str") for a in PRODUCT_ATTRIBUTES]
            + PRICING_COLUMNS + RESERVATION_COLUMNS + SAVINGS_PLAN_COLUMNS
            + [(c, "str") for c in self.tag_columns])
        self.rows: list[Charge] = []
        self.row_products: list[int] = []
        # The chunk's distinct tag dicts (lines of one resource share one) and, per line,
        # which one it carries: tag columns are rendered per tag set, then taken per line.
        self.tag_sets: list[dict[str, str]] = []
        self.row_tag_sets: list[int] = []
        self._tag_set_index: dict[int, int] = {}
        # Likewise the chunk's distinct origins (see Charge.origin) and, per line, its own:
        # columns that do not depend on the line key or the hour are rendered per origin.
        self.origins: list[Charge] = []
        self.origin_keys: list[tuple[int, int]] = []  # product and tag set, per origin
        self.row_origins: list[int] = []
        self._origin_index: dict[int, int] = {}
        self.rate_codes: dict[tuple, tuple[str | None, str | None]] = {}
        self.product_index: dict[tuple, int] = {}
        self.products: list[dict[str, str]] = []
        self.parts: dict[str, int] = {}
        self.counts: dict[str, int] = {}
        self.invoice_ids = self._invoice_ids()
        self.sinks: dict[str, _GzipPart | pq.ParquetWriter] = {}  # the open part, per format
        self.part_rows = 0
        self.current: str | None = None

    def _invoice_ids(self) -> dict[str, str]:
        """Closed periods have an invoice id; the open one (the window ends inside it) not."""
        out = {}
        for period in self.world.periods():
            year, month = map(int, period.split("-"))
            p0 = ts_of(date(year, month, 1))
            if next_month_start(p0) <= self.billed_end:
                digest = hashlib.sha256(f"invoice|{self.world.seed}|{period}".encode())
                out[period] = str(1_000_000_000 + int(digest.hexdigest()[:12], 16) % 9_000_000_000)
        return out

    def assembly_id(self, period: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"assembly|{self.world.seed}|{period}"))

    def period_dir_name(self, period: str) -> str:
        year, month = map(int, period.split("-"))
        p0 = ts_of(date(year, month, 1))
        p1 = next_month_start(p0)
        return f"{iso(p0)[:10].replace('-', '')}-{iso(p1)[:10].replace('-', '')}"

    # ------------------------------------------------------------------ intake

    def add(self, period: str, charges: list[Charge]) -> None:
        self.current = period
        for c in charges:
            if c.provider != "aws":
                continue
            origin = c.origin or c  # alive as long as the line is: ids stay unique
            origin_idx = self._origin_index.get(id(origin))
            if origin_idx is not None:  # a copy: its origin's product and tag set
                idx, tag_idx = self.origin_keys[origin_idx]
            else:
                key = product_key(c)
                idx = self.product_index.get(key)
                if idx is None:
                    idx = len(self.products)
                    self.product_index[key] = idx
                    self.products.append(product_attributes(c))
                # By identity: the buffered lines keep their tag dicts alive, so no id is
                # reused within a chunk (the index is reset with the chunk).
                tag_idx = self._tag_set_index.get(id(c.tags))
                if tag_idx is None:
                    tag_idx = self._tag_set_index[id(c.tags)] = len(self.tag_sets)
                    self.tag_sets.append(c.tags)
                origin_idx = self._origin_index[id(origin)] = len(self.origins)
                self.origins.append(origin)
                self.origin_keys.append((idx, tag_idx))
            self.rows.append(c)
            self.row_products.append(idx)
            self.row_tag_sets.append(tag_idx)
            self.row_origins.append(origin_idx)
            if len(self.rows) >= min(ROW_GROUP_ROWS, self.chunk_rows - self.part_rows):
                self.flush(period)

    def close_period(self, period: str) -> None:
        self.flush(period)
        self.close_part()
        if "cur_legacy_csv" in self.formats:
            self.write_manifest(period)

    # ------------------------------------------------------------------ output

    def flush(self, period: str) -> None:
        """Append the buffered lines to the period's current part file in every format (a
        gzip stream, a parquet row group), starting a part when none is open; a part closes
        once it holds chunk_rows lines. Memory holds at most ROW_GROUP_ROWS lines."""
        if not self.rows:
            return
        n = len(self.rows)
        if not self.sinks:
            self.parts[period] = self.parts.get(period, 0) + 1
            self.part_rows = 0
        part = self.parts[period]
        typed = self.typed_columns(self.needed_columns())
        if "cur_legacy_csv" in self.formats:
            self.write_csv(period, part, typed, n)
        if "cur_legacy_parquet" in self.formats or "cur2_parquet" in self.formats:
            athena = self.athena_table(typed)
            if "cur_legacy_parquet" in self.formats:
                self.write_athena(period, part, athena)
            if "cur2_parquet" in self.formats:
                self.write_cur2(period, part, athena)
        self.part_rows += n
        if self.part_rows >= self.chunk_rows:
            self.close_part()
        self.rows = []
        self.row_products = []
        self.tag_sets = []
        self.row_tag_sets = []
        self._tag_set_index = {}
        self.origins = []
        self.origin_keys = []
        self.row_origins = []
        self._origin_index = {}

    def hour_columns(self, cs: list[Charge]) -> dict[str, list]:
        """The columns that depend on a line's key or hour, as python lists."""
        starts, ends, line_keys = [], [], []
        ts_of_dt: dict[object, int] = {}
        for c in cs:
            start, end = c.charge_start, c.charge_end
            starts.append(ts_of_dt.get(start) or ts_of_dt.setdefault(start,
                                                                      int(start.timestamp())))
            ends.append(ts_of_dt.get(end) or ts_of_dt.setdefault(end, int(end.timestamp())))
            line_keys.append(c.line_key)
        bounds = [period_bounds(t) for t in starts]
        intervals: dict[tuple[int, int], str] = {}
        return {
            "identity/LineItemId": [line_item_id(k) for k in line_keys],
            "identity/TimeInterval": [
                intervals.get(k) or intervals.setdefault(
                    k, f"{iso_cached(k[0])}/{iso_cached(k[1])}")
                for k in zip(starts, ends)],
            "bill/InvoiceId": [self.invoice_ids.get(b[0]) for b in bounds],
            "bill/BillingPeriodStartDate": [b[1] for b in bounds],
            "bill/BillingPeriodEndDate": [b[2] for b in bounds],
            "lineItem/UsageStartDate": starts, "lineItem/UsageEndDate": ends,
        }

    def line_columns(self, cs: list[Charge]) -> dict[str, list]:
        """The non-product, non-tag columns of lines ``cs`` as python lists, but for
        hour_columns.

        The Charge fields are pulled out in one pass (attrgetter), and whatever depends only
        on a few fields (line item type, hour, normalization factor, rate code) is computed
        once per distinct value: this runs once per line of a big bill (once per origin in
        typed_columns, which takes hour_columns per line)."""
        n = len(cs)
        (kinds, ctypes, payers, accounts, services, skus, operations, zones, resources,
         amounts, currencies, unit_prices, billed, descriptions, units, list_prices,
         list_costs, itypes, regions) = (zip(*map(_LINE_FIELDS, cs)) if n else ([],) * 19)
        lit_of: dict[tuple[str, str], str] = {}
        lits = [lit_of.get(k) or lit_of.setdefault(k, line_item_type_of(*k))
                for k in zip(kinds, ctypes)]
        usage = [k in USAGE_KINDS for k in kinds]
        factor_of: dict[tuple[str, str, str], float | None] = {}
        factors = [factor_of[k] if k in factor_of else
                   factor_of.setdefault(k, normalization_factor_of(*k))
                   for k in zip(itypes, services, kinds)]
        has_rate = [bool(p or a) for p, a in zip(unit_prices, amounts)]
        cols: dict[str, list] = {
            "bill/InvoicingEntity": [LEGAL_ENTITY] * n, "bill/BillingEntity": ["AWS"] * n,
            "bill/BillType": ["Anniversary"] * n,
            "bill/PayerAccountId": list(payers),
            "lineItem/UsageAccountId": list(accounts),
            "lineItem/LineItemType": lits,
            "lineItem/ProductCode": list(services),
            "lineItem/UsageType": [v or None for v in skus],
            "lineItem/Operation": [v or None for v in operations],
            "lineItem/AvailabilityZone": [v or None for v in zones],
            "lineItem/ResourceId": [v or None for v in resources],
            "lineItem/UsageAmount": list(amounts),
            "lineItem/NormalizationFactor": factors,
            "lineItem/NormalizedUsageAmount": [
                None if f is None else round(a * f, 10) for a, f in zip(amounts, factors)],
            "lineItem/CurrencyCode": list(currencies),
            "lineItem/UnblendedRate": [p if r else None for p, r in zip(unit_prices, has_rate)],
            "lineItem/UnblendedCost": list(billed),
            "lineItem/BlendedRate": [p if r else None for p, r in zip(unit_prices, has_rate)],
            "lineItem/BlendedCost": list(billed),
            "lineItem/LineItemDescription": list(descriptions),
            "lineItem/TaxType": ["Sales Tax" if k == "tax" else None for k in kinds],
            "lineItem/LegalEntity": [LEGAL_ENTITY] * n,
            "pricing/currency": list(currencies),
            "pricing/unit": [v or None if u else None for v, u in zip(units, usage)],
            "pricing/publicOnDemandRate": [p if u else None
                                           for p, u in zip(list_prices, usage)],
            "pricing/publicOnDemandCost": [c if u else None
                                           for c, u in zip(list_costs, usage)],
        }
        terms = {}
        rate_codes = []
        for i, u in enumerate(usage):
            if not u:
                rate_codes.append((None, None))
                continue
            c = cs[i]
            rate_codes.append(self.rate_code(c, lits[i]))
        cols["pricing/term"] = [
            None if not u else terms.get(k) or terms.setdefault(k, pricing_term_of(*k))
            for u, k in zip(usage, zip(ctypes, (c.pricing for c in cs)))]
        cols["pricing/RateCode"] = [r[0] for r in rate_codes]
        cols["pricing/RateId"] = [r[1] for r in rate_codes]
        for i, ctype in enumerate(ctypes):
            if ctype:
                for name, value in commitment_values(cs[i], lits[i],
                                                     self.world.ri_count).items():
                    column = cols.get(name)
                    if column is None:
                        column = cols[name] = [None] * n
                    column[i] = value
        return cols

    def rate_code(self, c: Charge, lit: str) -> tuple[str | None, str | None]:
        """pricing/RateCode (sku.offerTermCode.rateCode) and pricing/RateId of a usage line."""
        key = (c.sku, c.operation, c.region, lit == "DiscountedUsage")
        hit = self.rate_codes.get(key)
        if hit is None:
            if c.sku and c.region:
                sku = catalog.aws_product_sku(c.sku, c.operation, c.region)
                term = catalog.AWS_RESERVED_OFFER_TERM if key[3] else \
                    catalog.AWS_ON_DEMAND_OFFER_TERM
                hit = (f"{sku}.{term}.{catalog.AWS_ON_DEMAND_RATE_CODE}",
                       catalog.aws_rate_id(c.sku, c.operation, c.region, term))
            else:
                hit = (None, None)
            self.rate_codes[key] = hit
        return hit

    def needed_columns(self) -> set[str] | None:
        """The legacy columns the formats written read: all of them (None) for a legacy
        format; for CUR 2.0 alone, those it keeps as columns (its product map and resource
        tags are built from the chunk's distinct products and tag sets, not from them)."""
        if "cur_legacy_csv" in self.formats or "cur_legacy_parquet" in self.formats:
            return None
        cur2 = {name for name, _ in CUR2_COLUMNS} | {"pricing_unit"}
        return {name for name, _ in self.columns
                if not name.startswith("resourceTags/") and athena_name(name) in cur2}

    def typed_columns(self, needed: set[str] | None = None) -> dict[str, pa.Array]:
        """The legacy columns (every one, or the ``needed`` ones) as typed arrow arrays for
        the current chunk."""
        n = len(self.rows)
        # Per origin (a machine's first hour of the day stands for its other hours), then
        # taken per line; the columns of a line's own key and hour per line.
        lines = self.line_columns(self.origins)
        hours = self.hour_columns(self.rows)
        out: dict[str, pa.Array] = {}
        idx = pa.array(self.row_products, pa.int32())
        tag_idx = pa.array(self.row_tag_sets, pa.int32())
        origin_idx = pa.array(self.row_origins, pa.int32())
        for name, kind in self.columns:
            if needed is not None and name not in needed:
                continue
            if name in hours:
                values = hours[name]
                out[name] = pa.array(values, pa.int64()).cast(pa.timestamp("s")).cast(
                    pa.timestamp("ms")) if kind == "ts" else pa.array(values, pa.string())
                continue
            if name.startswith("product/"):
                attr = name[len("product/"):]
                values = pa.array([p.get(attr) for p in self.products], pa.string())
                out[name] = values.take(idx)
                continue
            if name.startswith("resourceTags/"):
                key = self.tag_keys[self.tag_columns.index(name)]
                out[name] = pa.array([t.get(key) for t in self.tag_sets],
                                     pa.string()).take(tag_idx)
                continue
            values = lines.get(name)
            if kind == "ts":
                out[name] = pa.array(values, pa.int64()).cast(pa.timestamp("s")).cast(
                    pa.timestamp("ms")).take(origin_idx)
            elif kind in ("money", "num", "rate", "qty"):
                out[name] = pa.nulls(n, pa.float64()) if values is None else \
                    pa.array(values, pa.float64()).take(origin_idx)
            else:
                out[name] = pa.nulls(n, pa.string()) if values is None else \
                    pa.array(values, pa.string()).take(origin_idx)
        return out

    def close_part(self) -> None:
        """Finish the open part files (gzip trailer, parquet footer)."""
        for sink in self.sinks.values():
            sink.close()
        self.sinks = {}
        self.part_rows = 0

    def sink(self, fmt: str, target: Path, schema: pa.Schema | None = None):
        """The open part file of a format, opened (with the CSV header) on first use."""
        sink = self.sinks.get(fmt)
        if sink is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            if schema is None:
                sink = _GzipPart(target)
                sink.write((",".join(csv_cell(name) for name, _ in self.columns) + "\n")
                           .encode("utf-8"))
            else:
                sink = pq.ParquetWriter(target, schema, compression="snappy")
            self.sinks[fmt] = sink
        return sink

    def count(self, target: Path, n: int) -> None:
        key = target.relative_to(self.out.parent).as_posix()
        self.counts[key] = self.counts.get(key, 0) + n

    def write_csv(self, period: str, part: int, typed: dict[str, pa.Array], n: int) -> None:
        """Legacy CUR CSV: every value as text, numbers with 10 decimals, ISO times with Z,
        quoted only where a value needs it (as CUR does; pyarrow's writer quotes every string).

        Rows are assembled from blocks: the product attributes of a line depend only on its
        product, so each product's block is rendered once; likewise each resource's tags.
        """
        blocks: list[list[str]] = []  # per column group, one rendered segment per row
        for group in self.column_groups():
            if group[0][0].startswith("product/"):
                segments = [",".join(csv_cell(p.get(name[len("product/"):]))
                                     for name, _ in group) for p in self.products]
                blocks.append([segments[i] for i in self.row_products])
            elif group[0][0].startswith("resourceTags/"):
                keys = [self.tag_keys[self.tag_columns.index(name)] for name, _ in group]
                segments = [",".join(csv_cell(t.get(k)) for k in keys) for t in self.tag_sets]
                blocks.append([segments[i] for i in self.row_tag_sets])
            else:
                for name, kind in group:
                    blocks.append(text_column(typed[name], kind))
        target = (self.out / "cur_legacy" / REPORT / self.period_dir_name(period)
                  / self.assembly_id(period) / f"{REPORT}-{part}.csv.gz")
        gz = self.sink("cur_legacy_csv", target)
        lines = map(",".join, zip(*blocks))
        while True:
            batch = list(itertools.islice(lines, 20_000))
            if not batch:
                break
            gz.write(("\n".join(batch) + "\n").encode("utf-8"))
        self.count(target, n)

    def column_groups(self) -> list[list[tuple[str, str]]]:
        """Consecutive columns grouped: product/*, resourceTags/*, and each other column."""
        groups: list[list[tuple[str, str]]] = []
        for name, kind in self.columns:
            block = name.split("/")[0] in ("product", "resourceTags")
            if block and groups and groups[-1][0][0].split("/")[0] == name.split("/")[0]:
                groups[-1].append((name, kind))
            else:
                groups.append([(name, kind)])
        return groups

    def athena_table(self, typed: dict[str, pa.Array]) -> pa.Table:
        cols: dict[str, pa.Array] = {}
        tag_groups: dict[str, list[str]] = {}
        for name, kind in self.columns:
            if name not in typed:  # a column the formats written do not read
                continue
            if name.startswith("resourceTags/"):
                tag_groups.setdefault(athena_name(name), []).append(name)
                continue
            arr = typed[name]
            if kind in ("rate", "qty"):
                arr = pa.nulls(len(arr), pa.string()) if arr.null_count == len(arr) else \
                    rate_text_column(arr)
            cols[athena_name(name)] = arr
        for snake, names in tag_groups.items():
            cols[snake] = merge_tag_columns([typed[n] for n in prefer_lowercase(names)])
        return pa.table(cols)

    def write_athena(self, period: str, part: int, table: pa.Table) -> None:
        year, month = map(int, period.split("-"))
        target = (self.out / "cur_legacy_parquet" / REPORT / REPORT / f"year={year}"
                  / f"month={month}" / f"{REPORT}-{part:05d}.snappy.parquet")
        self.sink("cur_legacy_parquet", target, table.schema).write_table(table)
        self.count(target, table.num_rows)

    def write_cur2(self, period: str, part: int, athena: pa.Table) -> None:
        n = athena.num_rows
        names = set(athena.column_names)
        map_type = pa.map_(pa.string(), pa.string())
        product_map_attrs = [a for a in PRODUCT_ATTRIBUTES
                             if athena_name(f"product/{a}") not in CUR2_FLAT_PRODUCT]
        cols: dict[str, pa.Array] = {}
        for name, kind in CUR2_COLUMNS:
            if name == "product":
                per_product = [[(athena_name(a), p[a]) for a in product_map_attrs if p.get(a)]
                               for p in self.products]
                cols[name] = pa.array(per_product, map_type).take(
                    pa.array(self.row_products, pa.int32()))
            elif name == "resource_tags":
                cols[name] = self.cur2_tags()
            elif name in ("cost_category", "discount"):
                cols[name] = pa.MapArray.from_arrays(pa.array([0] * (n + 1), pa.int32()),
                                                     pa.array([], pa.string()),
                                                     pa.array([], pa.string()))
            elif name == "bill_payer_account_name":
                cols[name] = pa.array([catalog.AWS_PAYER_ACCOUNT_NAME] * n, pa.string())
            elif name == "line_item_usage_account_name":
                ids = athena.column("line_item_usage_account_id")
                distinct = pc.unique(ids)
                account_names = pa.array(
                    [catalog.account_name("aws", i) for i in distinct.to_pylist()], pa.string())
                cols[name] = account_names.take(pc.index_in(ids, value_set=distinct))
            elif name == "product_instancesku":
                cols[name] = pa.nulls(n, pa.string())
            elif name == "product_pricing_unit":
                cols[name] = athena.column("pricing_unit")
            elif name in names:
                col = athena.column(name)
                cols[name] = col
            else:
                arrow_type = {"ts": pa.timestamp("ms"), "money": pa.float64(),
                              "num": pa.float64()}.get(kind, pa.string())
                cols[name] = pa.nulls(n, arrow_type)
        table = pa.table(cols)
        target = (self.out / "cur2" / EXPORT / "data" / f"BILLING_PERIOD={period}"
                  / f"{EXPORT}-{part:05d}.snappy.parquet")
        self.sink("cur2_parquet", target, table.schema).write_table(table)
        self.count(target, n)

    def cur2_tags(self) -> pa.Array:
        """CUR 2.0 resource_tags: keys ``user_<tag>`` / ``aws_<tag>`` in Athena spelling;
        keys that collide after that (``Team``/``team``) keep the lowercase spelling's value."""
        keys = [(athena_name(tag_column(k))[len("resource_tags_"):], k)
                for k in prefer_lowercase(self.tag_keys)]
        out = []
        for tags in self.tag_sets:
            entry: dict[str, str] = {}
            for snake, raw in keys:
                value = tags.get(raw)
                if value and snake not in entry:
                    entry[snake] = value
            out.append(sorted(entry.items()))
        return pa.array(out, pa.map_(pa.string(), pa.string())).take(
            pa.array(self.row_tag_sets, pa.int32()))

    def write_manifest(self, period: str) -> None:
        """The delivery's ``<report>-Manifest.json``, shaped like AWS's."""
        parts = self.parts.get(period, 0)
        year, month = map(int, period.split("-"))
        p0 = date(year, month, 1)
        p1 = next_month_start(ts_of(p0))
        period_dir = self.period_dir_name(period)
        assembly = self.assembly_id(period)
        manifest = {
            "assemblyId": assembly,
            "account": catalog.AWS_PAYER_ACCOUNT_ID,
            "columns": [{"category": name.split("/", 1)[0], "name": name.split("/", 1)[1],
                         "type": manifest_type(name, kind)} for name, kind in self.columns],
            "charset": "UTF-8",
            "compression": "GZIP",
            "contentType": "text/csv",
            "reportId": hashlib.sha256(f"report|{REPORT}".encode()).hexdigest(),
            "reportName": REPORT,
            "billingPeriod": {"start": f"{p0:%Y%m%d}T000000.000Z",
                              "end": f"{iso(p1)[:10].replace('-', '')}T000000.000Z"},
            "bucket": S3_BUCKET,
            "reportKeys": [f"{CSV_PREFIX}/{REPORT}/{period_dir}/{assembly}/{REPORT}-{i}.csv.gz"
                           for i in range(1, parts + 1)],
            "additionalArtifactKeys": [],
        }
        target = self.out / "cur_legacy" / REPORT / period_dir / f"{REPORT}-Manifest.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    def vars(self, out_dir: Path) -> dict[str, str]:
        """The dbt vars of the formats written, and only those: a var pointing at a format
        not written would match no file, and one for every format would count each line
        once per format before precedence."""
        out = {f"mlcost_aws_{fmt}": (out_dir / VARS[f"mlcost_aws_{fmt}"]).as_posix()
               for fmt in self.formats}
        if "cur_legacy_csv" in self.formats:
            out[MANIFESTS_VAR[0]] = (out_dir / MANIFESTS_VAR[1]).as_posix()
        return out


class _GzipPart:
    """A legacy CUR part file being written: gzip with no name or time in its header, so
    the same lines give the same bytes."""

    def __init__(self, target: Path) -> None:
        self.raw = target.open("wb")
        self.gz = gzip.GzipFile(filename="", mode="wb", fileobj=self.raw, mtime=0,
                                compresslevel=6)

    def write(self, data: bytes) -> None:
        self.gz.write(data)

    def close(self) -> None:
        self.gz.close()
        self.raw.close()


def tag_column(key: str) -> str:
    return f"resourceTags/{key}" if key.startswith("aws:") else f"resourceTags/user:{key}"


def prefer_lowercase(names: list[str]) -> list[str]:
    """Order spellings so the all-lowercase one comes first (then alphabetical)."""
    return sorted(names, key=lambda n: (n != n.lower(), n))


def merge_tag_columns(arrays: list[pa.Array]) -> pa.Array:
    if len(arrays) == 1:
        return arrays[0]
    lists = [a.to_pylist() for a in arrays]
    return pa.array([next((v for v in vals if v), None) for vals in zip(*lists)], pa.string())


def manifest_type(name: str, kind: str) -> str:
    if name == "identity/TimeInterval":
        return "Interval"
    if kind == "ts":
        return "DateTime"
    if name in ("lineItem/UsageAmount", "lineItem/UnblendedCost", "lineItem/BlendedCost"):
        return "BigDecimal"
    if kind in ("money", "num", "rate", "qty"):
        return "OptionalBigDecimal"
    if name.startswith(("resourceTags/", "product/", "reservation/", "savingsPlan/",
                        "pricing/")) or name in ("bill/InvoiceId", "lineItem/ResourceId",
                                                  "lineItem/AvailabilityZone", "lineItem/TaxType"):
        return "OptionalString"
    return "String"


def aws_tag_keys(world: World) -> list[str]:
    """Every tag key any AWS resource carries: aws:* first, then user keys, sorted."""
    keys: set[str] = {"team", "environment"}  # the NAT gateway's tags
    for inst in world.instances:
        if inst.provider == "aws":
            keys.update(inst.tags)
            keys.update(inst.disk_tags)
    for vol in world.volumes:
        if vol.provider == "aws":
            keys.update(vol.tags)
    for b in world.buckets:
        if b.provider == "aws":
            keys.update(b.tags)
    return sorted(keys, key=lambda k: (not k.startswith("aws:"), k))
