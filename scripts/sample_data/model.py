"""Provider-neutral records of the simulated ML company.

The simulation (``world.py``) produces these; each writer in ``writers/`` maps them onto one
cloud's real export schema. Keeping one neutral record per billed slice is what lets the
ground-truth manifest be computed once, from the simulation, independently of any writer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


# slots: millions of them pass through the writers. Not frozen: a frozen dataclass sets each
# of its 38 fields through object.__setattr__, which made building a Charge the largest single
# cost of a big sample; nothing changes a Charge once built (by convention, not enforced).
@dataclass(slots=True)
class Charge:
    """One billed slice: a resource (or account-level item) over one charge period.

    Costs are in ``currency``. ``billed_cost`` is what the invoice line says, ``effective_cost``
    the amortized cost (commitment fees spread onto the usage they cover), ``list_cost`` the
    public on-demand price of the same usage.
    """

    provider: str  # "aws" | "gcp" | "azure"
    line_key: str  # stable, unique per charge within a provider (used to derive native line ids)
    billing_account_id: str  # AWS payer account, GCP billing account, Azure billing account
    sub_account_id: str  # AWS usage account, GCP project id, Azure subscription id
    sub_account_name: str
    kind: str
    # kind is one of:
    #   "usage"                 plain usage (on-demand or spot)
    #   "commitment_usage"      usage covered by a commitment (SP covered usage, RI discounted
    #                           usage, GCP CUD-covered usage, Azure reservation usage)
    #   "commitment_negation"   AWS SavingsPlanNegation (billed_cost negative)
    #   "commitment_fee"        recurring fee for a commitment (SP recurring fee, RIFee, CUD fee,
    #                           Azure reservation purchase)
    #   "credit" | "refund" | "tax"
    charge_start: datetime  # UTC, inclusive
    charge_end: datetime  # UTC, exclusive
    service: str  # provider-native service code: "AmazonEC2", "Compute Engine", "Virtual Machines"
    sku: str  # AWS usage type ("USE1-BoxUsage:p4d.24xlarge"), GCP SKU id, Azure meter id
    sku_description: str
    operation: str  # AWS operation ("RunInstances:SV001" for spot), GCP/Azure: "" where none
    region: str  # provider-native region code ("us-east-1", "us-central1", "eastus"); "" global
    availability_zone: str  # "" where not zonal
    resource_id: str  # "" for account-level charges
    resource_name: str
    instance_type: str  # "" when not a VM
    usage_amount: float  # in usage_unit
    usage_unit: str  # "Hrs", "GB", "GB-Mo", "seconds", ...
    running_seconds: float  # seconds the resource ran inside the charge period (0 if n/a)
    pricing: str  # "on_demand" | "spot" | "committed" | "" (non-usage)
    list_cost: float
    billed_cost: float
    effective_cost: float
    currency: str = "USD"
    commitment_id: str = ""  # SP/RI ARN, CUD name, Azure reservation id
    commitment_type: str = ""  # "savings_plan" | "reserved_instance" | "cud" | "azure_reservation"
    # where the bytes came from and went to: a region code, "internet", "gcp", "aws"...;
    # "" for the internet on an inbound line
    transfer_from: str = ""
    transfer_to: str = ""
    # the route: "inter_az" | "inter_region" | "internet" | "inter_cloud" | "nat" | "peering"
    # | "private_link", or one of them with "_inbound" (data into the line's region)
    transfer_type: str = ""
    tags: dict[str, str] = field(default_factory=dict)  # raw keys as the user spelled them
    owner_team: str = ""  # truth: which team owns this resource, whatever the tags say
    # Rates per usage_unit, as the price list states them (added for the writers: a rate
    # derived as cost / usage would not print the way price lists and exports do). 0 where
    # the line has no rate (fees, credits, tax).
    unit_price: float = 0.0  # the rate billed_cost was charged at (spot price for spot)
    list_unit_price: float = 0.0  # public on-demand rate (list_cost / usage_amount)
    effective_unit_price: float = 0.0  # commitment rate for covered usage, else unit_price
    # The Charge whose every field but line_key, charge_start and charge_end this one copies
    # (the simulation builds a machine's other hours of a day from its first hour's), so a
    # writer may compute what depends on those fields once per origin; None: not a copy.
    origin: Charge | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Job:
    job_id: str
    job_name: str
    job_type: str  # training | fine_tune | batch_inference | notebook | serving
    user_email: str
    team: str
    project: str
    model_name: str
    provider: str
    region: str
    instance_type: str
    node_count: int
    gpu_model: str
    gpus_per_node: int  # GPUs the job asks for on each node (<= the instance's GPUs)
    is_spot: bool
    checkpoint_enabled: bool
    submitted_at: datetime
    status: str  # final status: succeeded | failed | killed | preempted | running
    # The platform's hash of the job's resolved configuration; "" when it records none
    # (an optional contract column: most jobs leave it empty).
    config_hash: str = ""
    # The dataset the job reads (s3://, gs://, abfss://, https://...); "" when not reported.
    dataset_uri: str = ""


@dataclass(frozen=True)
class Attempt:
    attempt_id: str
    job_id: str
    attempt_number: int  # 1-based
    status: str  # succeeded | failed | killed | preempted | running
    started_at: datetime
    ended_at: datetime | None  # None while running
    failure_reason: str  # "" when succeeded or running
    gpu_utilization_pct: float | None
    resumed_from_checkpoint_id: str  # "" when started fresh
    # the highest GPU memory in use on any one GPU of the attempt, GB; None when not
    # measured (as utilization is)
    gpu_memory_peak_gb: float | None = None


@dataclass(frozen=True)
class AttemptNode:
    attempt_id: str
    node_index: int
    resource_id: str  # the billing line's resource id (EC2 instance id, GCE global name, Azure VM id)
    instance_type: str
    gpus_used: int
    # The disks attached to the node, ';'-separated, as the cloud names them (an EBS volume
    # id, a GCE disk path, an Azure disk id); "" when not reported.
    volume_ids: str = ""


@dataclass(frozen=True)
class Checkpoint:
    checkpoint_id: str
    job_id: str
    attempt_id: str
    saved_at: datetime
    step: int
    uri: str
    size_gb: float
