"""The simulated ML company: its people, jobs, machines and what the clouds bill for them.

``build_world`` decides everything that happens in the window (jobs, their attempts,
checkpoints, which instance ran when, storage, transfers, commitments) from one seed.
``World.iter_batches`` then turns that into billing ``Charge`` records one day at a time, so
that large scales never hold every line in memory: the world itself is small (thousands of
machines), the charges are many (millions of instance-hours).

Times inside the simulation are integer UTC epoch seconds, so that overlaps, running
seconds and the ground truth are exact; ``Charge``/``Job`` records get ``datetime`` values.

Conventions every writer relies on (also in SCHEMAS.md, "Charge conventions"):

* A VM-hour is one Charge per SKU: AWS one line (usage type), GCP one per component (core,
  RAM, GPU), Azure one (meter). ``running_seconds`` is the seconds the machine ran in the hour
  (SageMaker: instance-seconds over all instances of the training job).
* ``billed_cost`` is what the invoice line nets to. AWS Savings Plan covered usage bills the
  on-demand cost and a separate ``commitment_negation`` Charge takes it back; RI, GCP CUD and
  Azure reservation covered usage bill 0 (GCP writers: ``cost`` = list_cost with a
  COMMITTED_USAGE_DISCOUNT credit of billed_cost - list_cost). ``effective_cost`` is the
  amortized cost; a commitment fee's effective cost is its unused part.
* Money is rounded to 10 decimals on every Charge, so any writer that prints up to 10
  decimals reproduces the totals exactly.
"""

from __future__ import annotations

import calendar
import hashlib
import math
import operator
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from . import catalog
from .model import Attempt, AttemptNode, Charge, Checkpoint, Job

UTC = timezone.utc
HOUR = 3600
DAY = 86400
MIN_DAYS = 7

# --------------------------------------------------------------------------------------
# Time and noise helpers
# --------------------------------------------------------------------------------------


def ts_of(value: date | datetime) -> int:
    """Epoch seconds of a date (midnight UTC) or an aware datetime."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    return calendar.timegm(value.timetuple())


@lru_cache(maxsize=200_000)
def dt_of(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


_DT_CACHE: dict[int, datetime] = {}


def dt_cached(ts: int) -> datetime:
    """dt_of for the few thousand hour boundaries every Charge starts and ends on: one
    (immutable) datetime per instant instead of one per line."""
    value = _DT_CACHE.get(ts)
    if value is None:
        value = _DT_CACHE[ts] = datetime.fromtimestamp(ts, tz=UTC)
    return value


def iso(ts: int | None) -> str:
    """ISO-8601 UTC with a Z, the job contract's timestamp format; '' for None."""
    return "" if ts is None else dt_of(ts).strftime("%Y-%m-%dT%H:%M:%SZ")


def month_start(ts: int) -> int:
    d = dt_of(ts)
    return calendar.timegm((d.year, d.month, 1, 0, 0, 0))


def next_month_start(ts: int) -> int:
    d = dt_of(ts)
    year, month = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return calendar.timegm((year, month, 1, 0, 0, 0))


@lru_cache(maxsize=None)
def days_in_month(ts: int) -> int:
    d = dt_of(ts)
    return calendar.monthrange(d.year, d.month)[1]


def period_of(ts: int) -> str:
    """Billing period 'YYYY-MM' of an instant (UTC)."""
    return dt_of(ts).strftime("%Y-%m")


def noise(*parts: object) -> float:
    """A stable pseudo-random number in [0, 1) from the parts (no global RNG state).

    Day-by-day charge generation uses this instead of an RNG so that generating day 12
    never depends on having generated days 0-11 first.
    """
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def money(x: float) -> float:
    """Money as every Charge carries it: rounded to 10 decimals (CUR's precision)."""
    return round(x, 10) + 0.0


# --------------------------------------------------------------------------------------
# The company
# --------------------------------------------------------------------------------------

TEAMS = ["nlp", "vision", "recsys", "speech", "platform"]

TEAM_INFO: dict[str, dict] = {
    "nlp": {"projects": ["llm-pretrain", "chat-assistant"],
            "models": ["atlas-7b", "atlas-70b", "atlas-chat-13b"], "cost_center": "CC-1100",
            "clouds": {"aws": 0.6, "gcp": 0.3, "azure": 0.1},
            "people": ["maria.garcia", "wei.chen", "arjun.patel", "sofia.rossi"]},
    "vision": {"projects": ["detector-v3", "segmentation"], "models": ["vit-l", "yolo-x"],
               "cost_center": "CC-1200", "clouds": {"aws": 0.4, "gcp": 0.6, "azure": 0.0},
               "people": ["liam.obrien", "yuki.tanaka", "fatima.khan", "jonas.muller"]},
    "recsys": {"projects": ["ranking", "two-tower-retrieval"], "models": ["dlrm-v2", "two-tower"],
               "cost_center": "CC-1300", "clouds": {"aws": 0.8, "gcp": 0.2, "azure": 0.0},
               "people": ["priya.nair", "diego.santos", "emma.johnson", "omar.haddad"]},
    "speech": {"projects": ["asr-multilingual", "tts"], "models": ["whisper-ft", "tts-v2"],
               "cost_center": "CC-1400", "clouds": {"aws": 0.2, "gcp": 0.0, "azure": 0.8},
               "people": ["ana.silva", "kenji.watanabe", "chloe.martin", "ivan.petrov"]},
    "platform": {"projects": ["feature-store", "inference-gateway"],
                 "models": ["embedder", "reranker"], "cost_center": "CC-1500",
                 "clouds": {"aws": 0.5, "gcp": 0.25, "azure": 0.25},
                 "people": ["sam.taylor", "nina.kowalski", "lucas.fischer", "grace.kim"]},
}

# Checkpoint size (model + optimizer state) per model, GB
MODEL_CKPT_GB = {"atlas-7b": 92.0, "atlas-70b": 910.0, "atlas-chat-13b": 170.0, "vit-l": 3.6,
                 "yolo-x": 0.9, "dlrm-v2": 45.0, "two-tower": 12.0, "whisper-ft": 18.5,
                 "tts-v2": 2.5, "embedder": 6.2, "reranker": 4.1}

FAILURE_REASONS = [("CUDA out of memory", 0.35), ("NCCL timeout", 0.25),
                   ("NaN loss detected", 0.15), ("Segmentation fault in dataloader worker", 0.1),
                   ("ECC error: uncorrectable GPU memory error", 0.05),
                   ("Checkpoint write failed: storage quota exceeded", 0.1)]
PREEMPTION_REASON = {"aws": "Spot interruption", "gcp": "Spot VM preempted",
                     "azure": "Spot VM evicted"}
KILLED_REASON = "Killed by user"


@dataclass(frozen=True)
class Person:
    email: str
    first: str
    last: str
    team: str
    tag_team_key: str | None  # how this person spells the team tag, None = forgets it
    tag_cc_key: str | None
    tag_owner_key: str | None
    tag_project: bool
    tag_environment: bool


def make_people(rng: random.Random) -> list[Person]:
    """~20 users, 4 per team, each with their own (imperfect) tagging habits."""
    people = []
    for team in TEAMS:
        for handle in TEAM_INFO[team]["people"]:
            first, last = handle.split(".")
            r = rng.random()
            team_key = "team" if r < 0.55 else ("Team" if r < 0.8 else None)
            r = rng.random()
            cc_key = "cost-center" if r < 0.45 else ("cost_center" if r < 0.75 else None)
            r = rng.random()
            owner_key = "owner" if r < 0.5 else ("created-by" if r < 0.8 else None)
            people.append(Person(f"{handle}@{catalog.EMAIL_DOMAIN}", first, last, team,
                                 team_key, cc_key, owner_key, rng.random() < 0.7,
                                 rng.random() < 0.6))
    return people


# --------------------------------------------------------------------------------------
# World records
# --------------------------------------------------------------------------------------


@dataclass
class Instance:
    """One machine run: a resource id billed while it runs over [start, end)."""

    provider: str
    resource_id: str
    resource_name: str
    instance_type: str
    region: str
    zone: str
    sub_account: str
    start: int
    end: int
    spot: bool
    owner_team: str
    tags: dict[str, str]
    role: str  # job | shared | serving | notebook | cpu | orphan | sagemaker
    count: int = 1  # SageMaker: instances in the training job
    disk_id: str = ""
    disk_name: str = ""
    disk_gb: int = 0
    disk_tags: dict[str, str] = field(default_factory=dict)
    serving_egress: bool = False
    planted_idle_s: int = 0

    @property

    def gpus(self) -> int:
        return catalog.instance_gpus(self.provider, self.instance_type)


@dataclass
class Volume:
    """A disk that is not a VM's boot disk, or one left behind unattached."""

    provider: str
    resource_id: str
    name: str
    region: str
    zone: str
    sub_account: str
    start: int
    end: int
    gb: int
    owner_team: str
    tags: dict[str, str]


@dataclass
class Bucket:
    provider: str
    name: str
    resource_id: str
    region: str
    sub_account: str
    owner_team: str
    tags: dict[str, str]
    base_gb: float
    growth_gb_per_day: float
    checkpoints: list[tuple[int, float]] = field(default_factory=list)  # (saved ts, GB)
    retention_days: int = 7
    role: str = ""  # datasets | checkpoints


@dataclass
class Transfer:
    """One metered data transfer in one hour (a bucket sync, a dataset read)."""

    provider: str
    resource_id: str
    resource_name: str
    sub_account: str
    region: str
    owner_team: str
    tags: dict[str, str]
    hour: int
    gb: float
    # inter_az | inter_region | internet | inter_cloud | nat | peering | private_link, or
    # one of those with "_inbound": then ``region`` receives and ``to`` is the other end
    transfer_type: str
    to: str  # region code, "internet", "gcp", "aws", "azure"
    service: str  # AmazonS3 / AmazonEC2, Cloud Storage / Networking, Bandwidth


@dataclass
class NamedJob:
    job_id: str
    label: str


# Shared nodes for packed batch jobs (Builder.packed_jobs), mostly on AWS as the bill is; in
# research accounts and of types no commitment covers, so the other machines' discounts
# and costs stay as without them.
PACKED_NODES = [("aws", "p4d.24xlarge", "us-east-1"), ("gcp", "a3-highgpu-8g", "europe-west4"),
                ("azure", "Standard_ND96asr_v4", "eastus")]
PACKED_WEIGHTS = [0.7, 0.15, 0.15]


@dataclass
class JobPlan:
    """What a job wants; the attempt simulation decides what actually happens."""

    job_type: str
    person: Person
    project: str
    model_name: str
    provider: str
    region: str
    instance_type: str
    node_count: int
    gpus_per_node: int
    is_spot: bool
    ckpt_every_s: int  # 0 = never checkpoints
    work_s: int
    sub_account: str
    submitted_at: int
    max_attempts: int = 3
    p_fail: float = 0.1
    p_kill: float = 0.03


@dataclass
class AttemptRun:
    attempt: Attempt
    start: int
    end: int | None
    checkpoints: list[Checkpoint]


@dataclass
class ServingTraffic:
    """One hour of an endpoint's traffic from one tenant (the contract's ml_serving_traffic
    row): hour is the UTC start of the hour; tokens are None where the endpoint does not
    count them."""

    endpoint_id: str  # the serving job's job_id
    hour: int
    tenant: str
    model_name: str
    requests: int
    input_tokens: int | None
    output_tokens: int | None
    errors: int


# Tenants of each sample endpoint (by model), their peak requests per hour at scale 1 and,
# for the generative endpoint, tokens per request (input, output).
SERVING_TENANTS = {
    "dlrm-v2": [("home-feed", 52000), ("search", 21000), ("ads", 9000)],
    "embedder": [("search", 30000), ("support-bot", 8000)],
    "yolo-x": [("moderation", 6000), ("retail-shelf", 2500)],
    "whisper-ft": [("call-center", 1800), ("meetings", 700), ("voicemail", 300)],
}
SERVING_TOKENS = {"whisper-ft": (1500, 160)}
# The endpoint whose traffic comes as SageMaker CloudWatch metrics (per variant), not in
# the contract table.
SERVING_CLOUDWATCH_MODEL = "embedder"


@dataclass
class PlantedPlateau:
    """An attempt whose validation loss stops improving at a known evaluation."""

    attempt_id: str
    source: str  # "mlflow" (the MLflow writer logs it) | "ml_jobs" (metric_history.csv)
    evaluation: int  # 1-based evaluation the run plateaus at
    step: int
    at: int  # when that evaluation was logged


@dataclass
class World:
    seed: int
    start: int
    end: int
    days: int
    scale: float
    people: list[Person]
    jobs: list[Job] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    nodes: list[AttemptNode] = field(default_factory=list)
    checkpoints: list[Checkpoint] = field(default_factory=list)
    instances: list[Instance] = field(default_factory=list)
    volumes: list[Volume] = field(default_factory=list)
    buckets: list[Bucket] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    named_jobs: list[NamedJob] = field(default_factory=list)
    named_failures: list[str] = field(default_factory=list)  # attempt ids
    planted_idle: list[str] = field(default_factory=list)  # resource ids
    # Attempt nodes no billing line can match: (attempt id, node index, reason).
    planted_unmatched: list[tuple[str, int, str]] = field(default_factory=list)
    attempt_times: dict[str, tuple[int, int | None]] = field(default_factory=dict)
    sp_commitment: float = 0.0
    ri_count: int = 0
    cud_gpus: int = 0
    res_count: int = 0
    # Issue 15's planted facts (Builder.repeat_and_checkpoint_scenarios): MLflow runs of a
    # job written with these params and tags instead of drawn ones (job id -> {"params":
    # [(key, value)], "tags": {key: value}}), the planted repeats (repeat job id -> the
    # earlier job, the keys that match), the jobs whose runs differ (controls) and the
    # jobs whose old checkpoints the retention report must find.
    planted_mlflow_runs: dict[str, dict] = field(default_factory=dict)
    planted_repeats: dict[str, dict] = field(default_factory=dict)
    planted_non_repeats: list[str] = field(default_factory=list)
    planted_checkpoint_jobs: list[str] = field(default_factory=list)
    # indexes built by finalize()
    instances_by_day: list[list[Instance]] = field(default_factory=list)
    volumes_by_day: list[list[Volume]] = field(default_factory=list)
    transfers_by_day: list[list[Transfer]] = field(default_factory=list)
    # Jobs planted to be right-sized (Builder.rightsizing_scenario): job ids.
    planted_rightsizing: list[str] = field(default_factory=list)
    # Runs past their plateau (Builder.plateau_runs): the attempts whose val_loss flattens.
    planted_plateaus: list[PlantedPlateau] = field(default_factory=list)
    # Storage whose only tie to what uses it is one kind of evidence: (evidence, resource
    # id) of the AWS disks of Builder.planted_storage_machines and the datasets bucket.
    planted_storage_ties: list[tuple[str, str]] = field(default_factory=list)
    # Scheduling waste (Builder.scheduling_scenario): the notebook machine left up over a
    # weekend with a DST change and the local date of that day, and the on-demand batch
    # job started in peak hours on an instance type spot also runs in that month.
    planted_off_hours_machine: str = ""
    planted_off_hours_dst_date: str = ""
    planted_peak_job: str = ""
    # Serving traffic (Builder.serving_traffic_scenario): hourly rows per endpoint and
    # tenant; the endpoint written as CloudWatch metrics (job id); the planted bad rows of
    # the contract table with the quarantine reason each must get; and the hours of an
    # endpoint planted with cost and no traffic ((job id, hour)).
    serving_traffic: list[ServingTraffic] = field(default_factory=list)
    serving_cloudwatch_job: str = ""
    planted_bad_traffic: list[tuple[ServingTraffic, str]] = field(default_factory=list)
    planted_quiet_hours: list[tuple[str, int]] = field(default_factory=list)

    # ------------------------------------------------------------------ charge generation

    def periods(self) -> list[str]:
        out: list[str] = []
        for d in range(self.days):
            p = period_of(self.start + d * DAY)
            if p not in out:
                out.append(p)
        return out

    def iter_batches(self) -> Iterator[tuple[str, str, list[Charge]]]:
        """Yield ('day', period, charges) for each day, then ('close', period, charges) with
        the period's month-level lines (tax, support, credits, refunds, RI/reservation fees)
        right after the period's last day."""
        gen = ChargeGenerator(self)
        current = period_of(self.start)
        for d in range(self.days):
            day0 = self.start + d * DAY
            period = period_of(day0)
            if period != current:
                yield "close", current, gen.close_period(current)
                current = period
            yield "day", period, gen.day(d)
        yield "close", current, gen.close_period(current)


# --------------------------------------------------------------------------------------
# World building
# --------------------------------------------------------------------------------------


class Builder:
    """Builds a World. One RNG, consumed in a fixed order: same seed, same world."""

    def __init__(self, seed: int, start: date, days: int, scale: float,
                 attempts_factor: float = 1.0) -> None:
        if days < MIN_DAYS:
            raise ValueError(f"--days must be at least {MIN_DAYS} (the planted scenarios need "
                             f"a week); got {days}")
        if scale <= 0:
            raise ValueError(f"--scale must be positive; got {scale}")
        self.rng = random.Random(seed)
        self.seed = seed
        self.scale = scale
        self.attempts_factor = attempts_factor
        start_ts = ts_of(start)
        self.w = World(seed=seed, start=start_ts, end=start_ts + days * DAY, days=days,
                       scale=scale, people=make_people(self.rng))
        self.job_seq = 0
        self.used_ids: set[str] = set()
        self.buckets: dict[tuple[str, str], Bucket] = {}

    # ----------------------------------------------------------------------- ids & tags

    def _unique(self, make) -> str:
        while True:
            value = make()
            if value not in self.used_ids:
                self.used_ids.add(value)
                return value

    def hex_id(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def aws_instance_id(self) -> str:
        return self._unique(lambda: "i-0" + self.hex_id(17))

    def aws_volume_id(self) -> str:
        return self._unique(lambda: "vol-0" + self.hex_id(17))

    def gcp_instance_number(self) -> str:
        return self._unique(lambda: str(self.rng.randrange(10**18, 10**19)))

    def person(self, team: str) -> Person:
        return self.rng.choice([p for p in self.w.people if p.team == team])

    def tags_for(self, provider: str, person: Person, project: str, env: str,
                 job_id: str = "", scheduler: bool = False) -> dict[str, str]:
        """Tags as this person (or the job scheduler) would set them on a resource.

        GCP labels only allow lowercase keys and values, so GCP resources spell the team
        `team` or `team_name` and owners as `first-last`.
        """
        team = person.team
        tags: dict[str, str] = {}
        if scheduler:
            tags["team"] = team
            tags["project"] = project
            tags["owner"] = person.email
            tags["environment"] = env
            if job_id:
                tags["job_id"] = job_id
            cc = TEAM_INFO[team]["cost_center"]
            tags["cost-center"] = cc
        else:
            if person.tag_team_key == "team":
                tags["team"] = team
            elif person.tag_team_key == "Team":
                tags["Team"] = team.upper() if self.rng.random() < 0.5 else team.capitalize()
            if person.tag_cc_key:
                tags[person.tag_cc_key] = TEAM_INFO[team]["cost_center"]
            if person.tag_owner_key:
                tags[person.tag_owner_key] = person.email
            if person.tag_project:
                tags["project"] = project
            if person.tag_environment:
                tags["environment"] = env
        if provider == "gcp":
            gcp: dict[str, str] = {}
            for key, value in tags.items():
                key = key.lower()
                if key == "team" and person.tag_team_key == "Team" and not scheduler:
                    key = "team_name"
                if "@" in value:
                    value = value.split("@")[0].replace(".", "-")
                gcp[key] = value.lower().replace(".", "-")
            tags = gcp
        if provider == "aws":
            tags["aws:createdBy"] = (
                "AssumedRole:AROA3XFRBF23KQ7YPLM2E:karpenter" if scheduler
                else f"AssumedRole:AROA3XFRBF23NW5VDX6TQ:{person.email}")
        return tags

    # ---------------------------------------------------------------------- accounts

    @staticmethod

    def sub_account(provider: str, prod: bool) -> str:
        if provider == "aws":
            return catalog.AWS_PROD if prod else catalog.AWS_RESEARCH
        if provider == "gcp":
            return catalog.GCP_PROD if prod else catalog.GCP_RESEARCH
        return catalog.AZURE_PROD if prod else catalog.AZURE_RESEARCH

    # ---------------------------------------------------------------------- machines

    def new_instance(self, plan_provider: str, instance_type: str, region: str, zone: str,
                     sub_account: str, start: int, end: int, spot: bool, owner_team: str,
                     tags: dict[str, str], role: str, name_hint: str) -> Instance:
        it = catalog.instance(plan_provider, instance_type)
        if plan_provider == "aws":
            rid = self.aws_instance_id()
            name = name_hint
            disk_id = self.aws_volume_id()
            disk_name = disk_id
        elif plan_provider == "gcp":
            number = self.gcp_instance_number()
            name = self._unique(lambda: f"{name_hint}-{self.hex_id(4)}")
            rid = f"//compute.googleapis.com/projects/{sub_account}/zones/{zone}/instances/{number}"
            disk_name = name
            disk_id = (f"//compute.googleapis.com/projects/{sub_account}/zones/{zone}/disks/"
                       f"{disk_name}")
        else:
            name = self._unique(lambda: f"{name_hint}-{self.hex_id(4)}")
            rg = f"rg-{owner_team}-ml"
            rid = (f"/subscriptions/{sub_account}/resourceGroups/{rg}/providers/"
                   f"Microsoft.Compute/virtualMachines/{name}")
            disk_name = f"{name}_OsDisk_1_{self.hex_id(32)}"
            disk_id = (f"/subscriptions/{sub_account}/resourceGroups/{rg}/providers/"
                       f"Microsoft.Compute/disks/{disk_name}")
        disk_tags = dict(tags) if self.rng.random() < 0.6 else {}
        disk_tags.pop("aws:createdBy", None)
        inst = Instance(plan_provider, rid, name, instance_type, region, zone, sub_account,
                        start, end, spot, owner_team, tags, role, disk_id=disk_id,
                        disk_name=disk_name, disk_gb=it.root_disk_gb, disk_tags=disk_tags)
        self.w.instances.append(inst)
        return inst

    def zone(self, provider: str, region: str) -> str:
        zones = catalog.region(provider, region).zones
        return self.rng.choice(zones) if zones else ""

    # ---------------------------------------------------------------------- jobs

    def new_job_id(self) -> str:
        self.job_seq += 1
        return f"job-{self.job_seq:05d}-{self.hex_id(6)}"

    def job_name(self, plan: JobPlan) -> str:
        short = {"training": "train", "fine_tune": "ft", "batch_inference": "batch",
                 "notebook": "nb", "serving": "serve"}[plan.job_type]
        return f"{plan.model_name}-{short}-{dt_of(plan.submitted_at):%m%d-%H%M}"

    def simulate_attempts(self, job_id: str, plan: JobPlan, first_start: int, horizon: int,
                          script: list[tuple[str, int | None, str]] | None = None,
                          retry_gap: tuple[int, int] = (300, 1800)) -> list[AttemptRun]:
        """Run a job's attempts until it succeeds, is killed, gives up or the window ends.

        A script fixes each attempt's (status, seconds, reason); seconds None means "until
        the work is done". Without one, failures, kills and spot preemptions are drawn.
        Work saved in a checkpoint survives an attempt; without checkpoints a retry starts
        from scratch.
        """
        rng = self.rng
        runs: list[AttemptRun] = []
        saved_work = 0  # work seconds preserved by the last checkpoint
        last_ckpt: Checkpoint | None = None
        steps_per_s = rng.choice([0.25, 0.5, 1.0, 2.0])
        ckpt_gb = MODEL_CKPT_GB[plan.model_name]
        t = first_start
        number = 0
        ckpt_seq = 0
        while True:
            number += 1
            start = t
            resumed = last_ckpt.checkpoint_id if (plan.ckpt_every_s and last_ckpt) else ""
            base = saved_work if plan.ckpt_every_s else 0
            remaining = max(60, plan.work_s - base)
            if script is not None:
                status, seconds, reason = script[number - 1]
                end = start + (remaining if seconds is None else seconds)
            else:
                events = [(start + remaining, "succeeded", "")]
                if rng.random() < plan.p_fail:
                    events.append((start + int(remaining * rng.uniform(0.05, 0.95)), "failed",
                                   pick_weighted(rng, FAILURE_REASONS)))
                if rng.random() < plan.p_kill:
                    events.append((start + int(remaining * rng.uniform(0.1, 0.9)), "killed",
                                   KILLED_REASON))
                if plan.is_spot:
                    mtbp = 12 * HOUR if plan.provider == "azure" else 16 * HOUR
                    events.append((start + 600 + int(rng.expovariate(1 / mtbp)), "preempted",
                                   PREEMPTION_REASON[plan.provider]))
                end, status, reason = min(events)
            attempt_id = f"{job_id}-a{number}"
            if end >= horizon:
                status, reason, end_or_none = "running", "", None
                last_t = horizon
            else:
                end_or_none = end
                last_t = end
            ckpts: list[Checkpoint] = []
            if plan.ckpt_every_s:
                tc = start + plan.ckpt_every_s
                while tc < last_t:
                    ckpt_seq += 1
                    progress = base + (tc - start)
                    step = int(progress * steps_per_s)
                    ckpt = Checkpoint(
                        checkpoint_id=f"{job_id}-ckpt-{ckpt_seq:04d}", job_id=job_id,
                        attempt_id=attempt_id, saved_at=dt_of(tc), step=step,
                        uri=checkpoint_uri(plan, job_id, step),
                        size_gb=round(ckpt_gb * (0.98 + 0.04 * rng.random()), 3))
                    ckpts.append(ckpt)
                    saved_work = progress
                    last_ckpt = ckpt
                    tc += plan.ckpt_every_s
            util = attempt_utilization(rng, plan.job_type, status)
            attempt = Attempt(attempt_id=attempt_id, job_id=job_id, attempt_number=number,
                              status=status, started_at=dt_of(start),
                              ended_at=None if end_or_none is None else dt_of(end_or_none),
                              failure_reason=reason, gpu_utilization_pct=util,
                              resumed_from_checkpoint_id=resumed,
                              gpu_memory_peak_gb=attempt_memory_peak(
                                  self.seed, attempt_id, plan, util))
            runs.append(AttemptRun(attempt, start, end_or_none, ckpts))
            if status in ("succeeded", "running", "killed"):
                break
            if script is not None and number >= len(script):
                break
            if script is None and number >= plan.max_attempts:
                break
            t = end + rng.randint(*retry_gap)
            if t >= horizon - 600:
                break
        return runs

    def job_on_shared_node(self, plan: JobPlan, start: int, horizon: int, node: Instance,
                           itype: str, gpus: int, **attempt_options) -> list[AttemptRun] | None:
        """A job run in one GPU lane of a shared node, its attempts recorded on that node;
        None (nothing recorded) when an attempt would still run at ``horizon``."""
        job_id = self.new_job_id()
        runs = self.simulate_attempts(job_id, plan, start, horizon + 10**9, **attempt_options)
        if any(r.end is None or r.end > horizon for r in runs):
            return None
        for r in runs:
            self.w.nodes.append(AttemptNode(r.attempt.attempt_id, 0, node.resource_id,
                                            itype, gpus))
        self.record_job(job_id, plan, runs)
        return runs

    def record_job(self, job_id: str, plan: JobPlan, runs: list[AttemptRun]) -> Job:
        job = Job(job_id=job_id, job_name=self.job_name(plan), job_type=plan.job_type,
                  user_email=plan.person.email, team=plan.person.team, project=plan.project,
                  model_name=plan.model_name, provider=plan.provider, region=plan.region,
                  instance_type=plan.instance_type, node_count=plan.node_count,
                  gpu_model=catalog.instance(plan.provider, plan.instance_type).gpu_model,
                  gpus_per_node=plan.gpus_per_node, is_spot=plan.is_spot,
                  checkpoint_enabled=plan.ckpt_every_s > 0,
                  submitted_at=dt_of(plan.submitted_at), status=runs[-1].attempt.status)
        self.w.jobs.append(job)
        for run in runs:
            self.w.attempts.append(run.attempt)
            self.w.attempt_times[run.attempt.attempt_id] = (run.start, run.end)
            self.w.checkpoints.extend(run.checkpoints)
            for ckpt in run.checkpoints:
                self.bucket_for_checkpoints(plan).checkpoints.append(
                    (ts_of(ckpt.saved_at), ckpt.size_gb))
        return job

    def place_dedicated(self, job_id: str, plan: JobPlan, runs: list[AttemptRun],
                        idle_after_s: int = 0, scheduler: bool = False,
                        role: str = "job") -> list[Instance]:
        """Give each attempt its own fresh instances (as a cluster scheduler would).

        Instances boot a few minutes before the attempt starts and stop shortly after it
        ends, so attempt time always lies inside instance time. ``idle_after_s`` keeps the
        last attempt's first node running that much longer: the planted idle.
        """
        rng = self.rng
        out = []
        env = "prod" if plan.job_type in ("batch_inference", "serving") else "research"
        for i, run in enumerate(runs):
            zone = self.zone(plan.provider, plan.region)
            last = i == len(runs) - 1
            for node_index in range(plan.node_count):
                boot = rng.randint(60, 420)
                if run.end is None:
                    end = self.w.end + HOUR
                elif run.attempt.status == "preempted":
                    end = run.end + (0 if node_index == 0 else rng.randint(10, 90))
                else:
                    end = run.end + rng.randint(15, 120)
                extra = idle_after_s if (last and node_index == 0 and run.end is not None) else 0
                tags = self.tags_for(plan.provider, plan.person, plan.project, env,
                                     job_id=job_id if scheduler else "", scheduler=scheduler)
                hint = f"{plan.model_name}-{plan.job_type.replace('_', '-')}-{node_index}"
                inst = self.new_instance(plan.provider, plan.instance_type, plan.region, zone,
                                         plan.sub_account, run.start - boot, end + extra,
                                         plan.is_spot, plan.person.team, tags, role,
                                         hint[:40])
                inst.planted_idle_s = extra
                if extra:
                    self.w.planted_idle.append(inst.resource_id)
                self.w.nodes.append(AttemptNode(run.attempt.attempt_id, node_index,
                                                inst.resource_id, plan.instance_type,
                                                plan.gpus_per_node))
                out.append(inst)
        return out

    def add_job(self, plan: JobPlan, horizon: int | None = None,
                script: list[tuple[str, int | None, str]] | None = None,
                idle_after_s: int = 0, scheduler: bool | None = None,
                queue_s: int | None = None) -> tuple[str, list[AttemptRun]]:
        job_id = self.new_job_id()
        queue = self.rng.randint(60, 2400) if queue_s is None else queue_s
        runs = self.simulate_attempts(job_id, plan, plan.submitted_at + queue,
                                      horizon or self.w.end, script)
        if scheduler is None:
            scheduler = plan.provider == "aws" and plan.job_type == "training" and \
                self.rng.random() < 0.5
        self.place_dedicated(job_id, plan, runs, idle_after_s, scheduler)
        self.record_job(job_id, plan, runs)
        return job_id, runs

    # ---------------------------------------------------------------------- storage

    def bucket(self, provider: str, role: str, team: str, region: str) -> Bucket:
        key = (provider, f"{role}|{team}|{region}")
        if key in self.buckets:
            return self.buckets[key]
        prod = role == "datasets"
        sub = self.sub_account(provider, prod=False if role == "checkpoints" else prod)
        person = self.person(team)
        name = storage_name(provider, role, team, region)
        if provider == "aws":
            rid = name
        elif provider == "gcp":
            rid = f"//storage.googleapis.com/projects/_/buckets/{name}"
        else:
            rg = f"rg-{team}-ml"
            rid = (f"/subscriptions/{sub}/resourceGroups/{rg}/providers/"
                   f"Microsoft.Storage/storageAccounts/{name}")
        tags = self.tags_for(provider, person, TEAM_INFO[team]["projects"][0], "research")
        tags.pop("aws:createdBy", None)
        if self.rng.random() < 0.35:
            tags = {}
        base = (self.rng.uniform(40_000, 120_000) if role == "datasets"
                else self.rng.uniform(500, 5_000)) * self.scale
        b = Bucket(provider, name, rid, region, sub, team, tags, round(base, 3),
                   round(self.rng.uniform(50, 400) * self.scale, 3) if role == "datasets"
                   else 0.0, role=role)
        self.buckets[key] = b
        self.w.buckets.append(b)
        return b

    def bucket_for_checkpoints(self, plan: JobPlan) -> Bucket:
        return self.bucket(plan.provider, "checkpoints", plan.person.team,
                           CHECKPOINT_HOME[plan.provider])

    # ---------------------------------------------------------------------- build

    def build(self) -> World:
        self.fleet()
        self.named_scenarios()
        self.background()
        self.transfers()
        self.commitments()
        self.unmatched_node()
        # before the packed jobs, which stay last: with or without them (--attempts-factor)
        # the planted job keeps its id
        self.rightsizing_scenario()
        self.scheduling_scenario()
        self.packed_jobs(self.attempts_factor)
        self.repeat_and_checkpoint_scenarios()
        self.storage_evidence()
        finalize(self.w)
        self.plateau_runs()
        self.serving_traffic_scenario()
        return self.w

    def serving_traffic_scenario(self) -> None:
        """Hourly traffic of the serving endpoints per tenant, with a daily cycle (busiest
        mid-afternoon UTC, about a sixth of that at night), in every hour one of the
        endpoint's deployments runs. The vision endpoint gets a three-hour outage of its
        clients (billed, no traffic); the contract table gets three bad rows: a negative
        request count, an hour no deployment ran, an endpoint that is no serving job, and
        one row delivered twice. Drawn from an RNG of its own: no other draw moves."""
        w = self.w
        rng = random.Random(f"{self.seed}|serving_traffic")
        attempts_by_job: dict[str, list[tuple[int, int]]] = {}
        for a in w.attempts:
            start, end = w.attempt_times[a.attempt_id]
            attempts_by_job.setdefault(a.job_id, []).append(
                (start, w.end if end is None else end))
        serving = sorted((j for j in w.jobs if j.job_type == "serving"),
                         key=lambda j: j.job_id)
        quiet_job = next((j.job_id for j in serving if j.model_name == "yolo-x"), "")
        quiet_from = day_floor(w.start + 4 * DAY) + 2 * HOUR
        w.planted_quiet_hours = [(quiet_job, quiet_from + i * HOUR) for i in range(3)]
        quiet = set(w.planted_quiet_hours)
        for job in serving:
            if job.model_name == SERVING_CLOUDWATCH_MODEL:
                w.serving_cloudwatch_job = job.job_id
            runs = attempts_by_job[job.job_id]
            first = hour_floor(min(start for start, _ in runs))
            tokens = SERVING_TOKENS.get(job.model_name)
            for hour in range(first, w.end, HOUR):
                if not any(start < hour + HOUR and end > hour for start, end in runs):
                    continue
                if (job.job_id, hour) in quiet:
                    continue
                hour_of_day = (hour // HOUR) % 24
                cycle = 0.16 + 0.84 * max(0.0, math.cos((hour_of_day - 15) / 24 * 2 * math.pi)) ** 2
                for tenant, peak in SERVING_TENANTS.get(job.model_name, []):
                    requests = max(1, round(peak * self.scale * cycle * rng.uniform(0.85, 1.15)))
                    errors = round(requests * rng.uniform(0.0, 0.004))
                    input_tokens = output_tokens = None
                    if tokens:
                        input_tokens = round(requests * tokens[0] * rng.uniform(0.9, 1.1))
                        output_tokens = round(requests * tokens[1] * rng.uniform(0.8, 1.2))
                    w.serving_traffic.append(ServingTraffic(
                        job.job_id, hour, tenant, job.model_name, requests, input_tokens,
                        output_tokens, errors))
        contract = [t for t in w.serving_traffic if t.endpoint_id != w.serving_cloudwatch_job]
        if not contract:
            return
        sample = contract[len(contract) // 2]
        w.planted_bad_traffic = [
            (replace(sample, tenant="load-test", requests=-40, errors=0),
             "negative requests"),
            (replace(sample, hour=hour_floor(w.start - 3 * DAY)),
             "hour outside any serving attempt"),
            (replace(sample, endpoint_id="legacy-recommender-endpoint"), "unknown endpoint"),
            (sample, "duplicate endpoint_id, hour, tenant and model_name: one row is kept"),
        ]

    def rightsizing_scenario(self) -> None:
        """A fine-tune on a 4-GPU g5.12xlarge that keeps its GPUs 20 % busy and uses 6.4 GB
        of each 24 GB GPU: one A10G (a g5.xlarge, billed on demand in the same account and
        region by the g5.xlarge notebook of the named scenarios) would do. Drawn from an
        RNG of its own, so every other draw stays as without it."""
        shared_rng = self.rng
        self.rng = random.Random(f"{self.seed}|rightsizing")
        try:
            plan = JobPlan("fine_tune", self.person("recsys"), "ranking", "dlrm-v2", "aws",
                           "us-east-1", "g5.12xlarge", 1, 4, False, 0, 7 * HOUR,
                           catalog.AWS_RESEARCH, day_floor(self.at(100)) + 9 * HOUR)
            job_id, runs = self.add_job(plan, script=[("succeeded", None, "")],
                                        scheduler=False, queue_s=240)
        finally:
            self.rng = shared_rng
        for run in runs:
            planted = replace(run.attempt, gpu_utilization_pct=20.0, gpu_memory_peak_gb=6.4)
            index = self.w.attempts.index(run.attempt)
            self.w.attempts[index] = planted
        self.w.planted_rightsizing.append(job_id)

    def scheduling_scenario(self) -> None:
        """Scheduling waste (rpt_ml_scheduling_opportunities), before the packed jobs (which
        count the attempts before them), from an RNG and job numbers of its own, so every
        other draw and id stays as it was.

        Off hours: a GPU notebook machine of the speech team (Europe/Berlin, Mon-Fri 8-17)
        started on a Friday morning and stopped on Monday evening, over a local day with a
        DST change (25 or 23 hours; else a plain Sunday when the window has none): a session
        on Friday and one on Monday that runs past 17:00, nothing at night or at the weekend.
        Peak time: a batch inference job on demand on a g5.2xlarge, started 10:30 New York
        time on the first weekday after the window's first day (inside the default peak
        hours), and a spot g5.2xlarge batch job the same UTC day at 00:30 New York time, so
        spot capacity of that type is in the same bill."""
        shared_rng, shared_seq = self.rng, self.job_seq
        self.rng = random.Random(f"{self.seed}|scheduling")
        self.job_seq = SCHEDULING_JOB_SEQ
        try:
            self._planted_off_hours_notebook()
            self._planted_peak_job()
        finally:
            self.rng, self.job_seq = shared_rng, shared_seq

    def _local_ts(self, zone: ZoneInfo, day: date, hour: int, minute: int = 0) -> int:
        return int(datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone).timestamp())

    def _planted_off_hours_notebook(self) -> None:
        w = self.w
        zone = ZoneInfo(SCHEDULING_WORKING_HOURS[0])
        first = dt_of(w.start + 3 * DAY).astimezone(zone).date()
        last = dt_of(w.end - 2 * DAY).astimezone(zone).date()
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]

        def day_hours(day: date) -> int:
            return (self._local_ts(zone, day + timedelta(days=1), 0)
                    - self._local_ts(zone, day, 0)) // HOUR

        dst_days = [d for d in days if day_hours(d) != 24 and d.weekday() in (5, 6)]
        weekend = [d for d in days if d.weekday() == 6] + [d for d in days if d.weekday() == 5]
        planted = (dst_days or weekend or days)[0]
        friday = planted - timedelta(days=(planted.weekday() - 4))
        monday = friday + timedelta(days=3)
        person = self.person(SCHEDULING_TEAM)
        project = TEAM_INFO[SCHEDULING_TEAM]["projects"][0]
        plan = JobPlan("notebook", person, project, "whisper-ft", "aws", "us-east-1",
                       "g5.xlarge", 1, 1, False, 0, 0, catalog.AWS_RESEARCH,
                       self._local_ts(zone, friday, 8, 40))
        tags = self.tags_for("aws", person, project, "research")
        machine = self.new_instance(
            "aws", "g5.xlarge", "us-east-1", self.zone("aws", "us-east-1"),
            catalog.AWS_RESEARCH, self._local_ts(zone, friday, 8, 35),
            self._local_ts(zone, monday, 19, 20), False, SCHEDULING_TEAM, tags, "notebook",
            f"{person.first}-asr-notebook")
        sessions = [(friday, (9, 5), (16, 0)), (monday, (9, 30), (18, 30))]
        for day, (h0, m0), (h1, m1) in sessions:
            start = self._local_ts(zone, day, h0, m0)
            end = self._local_ts(zone, day, h1, m1)
            job_id = self.new_job_id()
            attempt = Attempt(f"{job_id}-a1", job_id, 1, "succeeded", dt_of(start),
                              dt_of(end), "", round(self.rng.uniform(5, 30), 1), "")
            self.record_job(job_id, replace(plan, submitted_at=start - 60),
                            [AttemptRun(attempt, start, end, [])])
            w.nodes.append(AttemptNode(attempt.attempt_id, 0, machine.resource_id,
                                       "g5.xlarge", 1))
        w.planted_off_hours_machine = machine.resource_id
        w.planted_off_hours_dst_date = planted.isoformat()

    def _planted_peak_job(self) -> None:
        w = self.w
        zone = ZoneInfo(PEAK_HOURS[0])
        day = dt_of(w.start + DAY + 12 * HOUR).astimezone(zone).date()
        while day.weekday() not in PEAK_HOURS[1]:
            day += timedelta(days=1)
        person = self.person("platform")
        start = self._local_ts(zone, day, 10, 30)
        plan = JobPlan("batch_inference", person, "inference-gateway", "embedder", "aws",
                       "us-east-1", "g5.2xlarge", 1, 1, False, 0, 3 * HOUR,
                       catalog.AWS_RESEARCH, start - 120)
        job_id, _ = self.add_job(plan, script=[("succeeded", None, "")], scheduler=False,
                                 queue_s=120)
        spot = replace(plan, is_spot=True, submitted_at=self._local_ts(zone, day, 0, 30) - 120)
        self.add_job(spot, script=[("succeeded", None, "")], scheduler=False, queue_s=120)
        w.planted_peak_job = job_id

    def plateau_runs(self) -> None:
        """Two runs whose val_loss plateaus (fct_ml_plateau_waste): a run MLflow tracks,
        flat after its 4th evaluation, and a run of a job MLflow does not track whose
        evaluations the platform exports in metric_history.csv, flat after its 6th. Every
        other run that logs val_loss improves it by 10% an evaluation, so never plateaus.
        Picked by hashes among succeeded attempts of two hours or more that ran inside
        the window on machines no commitment covers (their cost accrues evenly over time,
        so the cost after the plateau is the same by time as by hour); nothing is drawn
        from the shared RNG, so the rest of the world is as without them."""
        w = self.w
        jobs = {j.job_id: j for j in w.jobs}
        named = {n.job_id for n in w.named_jobs} | {
            a.job_id for a in w.attempts if a.attempt_id in set(w.named_failures)}
        unmatched = {attempt_id for attempt_id, _, _ in w.planted_unmatched}
        instances = {i.resource_id: i for i in w.instances}
        nodes: dict[str, list[AttemptNode]] = {}
        for node in w.nodes:
            nodes.setdefault(node.attempt_id, []).append(node)
        for source, evaluation in (("mlflow", 4), ("ml_jobs", 6)):
            candidates = []
            for a in w.attempts:
                job = jobs[a.job_id]
                if (a.status != "succeeded" or a.ended_at is None or a.job_id in named
                        or a.attempt_id in unmatched or not logs_val_loss(w.seed, a.attempt_id)
                        or job.job_type not in ("training", "fine_tune")):
                    continue
                start, end = ts_of(a.started_at), ts_of(a.ended_at)
                if start < w.start or end - start < 2 * HOUR or end >= w.end:
                    continue
                if source == "mlflow" and not (mlflow_tracks(w.seed, job) and noise(
                        "mlflow-untagged", w.seed, a.attempt_id) >= 0.1):
                    continue
                if source == "ml_jobs" and not exports_metric_history(w.seed, job):
                    continue
                machines = [instances.get(n.resource_id) for n in nodes.get(a.attempt_id, [])]
                if not machines or not all(m is not None and evenly_billed(m) for m in machines):
                    continue
                candidates.append((noise("plateau-pick", w.seed, source, a.attempt_id), a))
            if not candidates:
                continue
            attempt = min(candidates, key=lambda pair: pair[0])[1]
            step, at = metric_points(w, attempt)[evaluation - 1]
            w.planted_plateaus.append(
                PlantedPlateau(attempt.attempt_id, source, evaluation, step, at))

    def repeat_and_checkpoint_scenarios(self) -> None:
        """Issue 15's planted facts, after everything else and from an RNG of their own (the
        shared one is put back after), so every earlier draw stays as it was.

        Repeated runs: a fine-tune run again with the same config_hash six days after the
        first succeeded, and an MLflow-tracked fine-tune run again with the same params
        (but its output_dir), git commit and dataset digest three days after; controls of the
        same models with another config_hash or another learning rate are no repeats.
        Checkpoint retention: a training job early in the window that checkpoints hourly,
        fails after 4 h 10 min and resumes from its 4th checkpoint: of its 9 checkpoints, the
        newest 3 are kept and the 4th (resumed from) is never a candidate.
        """
        shared_rng, shared_seq = self.rng, self.job_seq
        self.rng = random.Random(f"{self.seed}|repeat-and-checkpoint-scenarios")
        # Job numbers of their own too: the same jobs whatever packed_jobs added before.
        self.job_seq = PLANTED_JOB_SEQ
        try:
            self._planted_repeats()
            self._planted_checkpoint_retention()
        finally:
            self.rng, self.job_seq = shared_rng, shared_seq

    def _repeat_job(self, plan: JobPlan, config_hash: str = "") -> tuple[str, list[AttemptRun]]:
        job_id, runs = self.add_job(plan, script=[("succeeded", None, "")], scheduler=False,
                                    queue_s=300)
        if config_hash:
            job = self.w.jobs[-1]
            assert job.job_id == job_id
            self.w.jobs[-1] = replace(job, config_hash=config_hash)
        return job_id, runs

    def _plant_repeat(self, job_id: str, runs: list[AttemptRun], earlier_id: str,
                      earlier_runs: list[AttemptRun], matched_keys: str) -> None:
        """Record a planted repeat when the simulation made it one: the earlier job
        succeeded, ended before the repeat started and within the default window."""
        earlier_end = earlier_runs[-1].end
        start = runs[0].start
        if (earlier_runs[-1].attempt.status == "succeeded" and earlier_end is not None
                and earlier_end <= start <= earlier_end + REPEAT_WINDOW_DAYS * DAY):
            self.w.planted_repeats[job_id] = {"earlier_job_id": earlier_id,
                                              "matched_keys": matched_keys}

    def _planted_repeats(self) -> None:
        w = self.w
        stretch = w.days / 45
        # config_hash: the platform hashes the resolved config; the team does not use MLflow
        person = self.person("platform")
        config = "cfg-" + self.hex_id(16)

        def platform_plan(submitted: int) -> JobPlan:
            return JobPlan("fine_tune", person, "feature-store", "embedder", "aws", "us-east-1",
                           "g5.2xlarge", 1, 1, False, 0, 3 * HOUR, catalog.AWS_RESEARCH,
                           submitted)

        first_id, first_runs = self._repeat_job(
            platform_plan(w.start + int(5 * DAY * stretch) + 9 * HOUR), config)
        gap = first_runs[-1].end or w.end
        repeat_id, repeat_runs = self._repeat_job(
            platform_plan(gap + int(6 * DAY * stretch)), config)
        self._plant_repeat(repeat_id, repeat_runs, first_id, first_runs, "config_hash")
        control_id, _ = self._repeat_job(
            platform_plan(gap + int(8 * DAY * stretch)), "cfg-" + self.hex_id(16))
        w.planted_non_repeats.append(control_id)
        # MLflow: the same params, git commit and dataset digest; output_dir differs per run
        person = self.person("nlp")
        commit = self.hex_id(40)
        digest = self.hex_id(8)

        def nlp_plan(submitted: int) -> JobPlan:
            return JobPlan("fine_tune", person, "chat-assistant", "atlas-7b", "aws",
                           "us-east-1", "g5.2xlarge", 1, 1, False, 0, 2 * HOUR,
                           catalog.AWS_RESEARCH, submitted)

        def tracked(job_id: str, learning_rate: str) -> None:
            w.planted_mlflow_runs[job_id] = {
                "params": [("model_name", "atlas-7b"), ("learning_rate", learning_rate),
                           ("batch_size", "32"), ("num_nodes", "1"), ("gpus_per_node", "1"),
                           ("max_steps", "20000"), ("precision", "bf16"),
                           ("output_dir", f"/mnt/runs/{job_id}")],
                "tags": {"mlflow.source.git.commit": commit, "dataset_digest": digest}}

        first_id, first_runs = self._repeat_job(
            nlp_plan(w.start + int(12 * DAY * stretch) + 14 * HOUR))
        tracked(first_id, "2e-05")
        gap = first_runs[-1].end or w.end
        repeat_id, repeat_runs = self._repeat_job(nlp_plan(gap + int(3 * DAY * stretch)))
        tracked(repeat_id, "2e-05")
        self._plant_repeat(repeat_id, repeat_runs, first_id, first_runs,
                           "params,git_commit,dataset_digest")
        control_id, _ = self._repeat_job(nlp_plan(gap + int(4 * DAY * stretch)))
        tracked(control_id, "3e-05")
        w.planted_non_repeats.append(control_id)

    def _planted_checkpoint_retention(self) -> None:
        plan = JobPlan("training", self.person("recsys"), "ranking", "dlrm-v2", "aws",
                       "us-east-1", "g5.2xlarge", 1, 1, False, HOUR, 10 * HOUR,
                       catalog.AWS_RESEARCH, self.w.start + DAY + 7 * HOUR)
        job_id, _ = self.add_job(plan, script=[("failed", 4 * HOUR + 10 * 60, "NCCL timeout"),
                                               ("succeeded", None, "")],
                                 scheduler=False, queue_s=600)
        self.w.planted_checkpoint_jobs.append(job_id)

    def storage_evidence(self) -> None:
        """What ties storage to the machines and jobs that use it, as the job contract and
        the bill can tell (int_storage_resource_days_checked): the datasets jobs read
        (Job.dataset_uri) and the disks of part of the nodes (AttemptNode.volume_ids),
        then three AWS machines running a week or more whose disk only one kind of
        evidence ties: shared cluster tags, the billed lifetime, the contract's volume
        ids. Drawn last, from hashes and an RNG of its own, so everything else stays as
        without them."""
        w = self.w
        saved, self.rng = self.rng, random.Random(f"storage-evidence|{self.seed}")
        try:
            disks = {i.resource_id: i for i in w.instances
                     if i.disk_id and i.role != "sagemaker"}
            w.nodes = [
                replace(n, volume_ids=contract_volume_id(disks[n.resource_id]))
                if n.resource_id in disks and noise("volume-ids", n.attempt_id,
                                                     n.node_index) < 0.4 else n
                for n in w.nodes]
            w.jobs = [replace(j, dataset_uri=dataset_uri(j))
                      if j.job_type in ("training", "fine_tune", "batch_inference") else j
                      for j in w.jobs]
            self.planted_storage_machines()
        finally:
            self.rng = saved

    def planted_storage_machines(self) -> None:
        """Three AWS research machines running a week or more, each disk tied to its
        machine by one kind of evidence only (w.planted_storage_ties)."""
        w = self.w
        sub = catalog.AWS_RESEARCH
        person = self.person("platform")
        project = TEAM_INFO["platform"]["projects"][0]
        before, after = w.start - 9 * DAY, w.end + 2 * DAY
        # Tags: a long-running node of an EKS cluster; the cluster tag is on the node and
        # its disk, as EKS tags both. Its lifetime spans the bill, so it ties nothing.
        tags = self.tags_for("aws", person, project, "research")
        tags["aws:eks:cluster-name"] = "tl-ml-batch"
        tagged = self.new_instance("aws", "m7i.2xlarge", "us-east-1",
                                   self.zone("aws", "us-east-1"), sub, before, after, False,
                                   "platform", tags, "cpu", "batch-eks-node")
        tagged.disk_tags = {k: v for k, v in tags.items() if k != "aws:createdBy"}
        # Lifetime: a machine started and stopped inside the bill, with no tie tags.
        start = w.start + DAY + 1800
        end = min(start + 10 * DAY, w.end - 6 * HOUR) + 1234
        tags = self.tags_for("aws", person, project, "research")
        lived = self.new_instance("aws", "m7i.2xlarge", "us-east-1",
                                  self.zone("aws", "us-east-1"), sub, start, end, False,
                                  "platform", tags, "cpu", "feature-backfill")
        lived.disk_tags = {k: v for k, v in tags.items() if k != "aws:createdBy"}
        # Contract: a GPU notebook up for the whole bill, whose node lists its disk; it
        # reads the AWS datasets bucket all along (the bucket only jobs ever touch).
        plan = JobPlan("notebook", person, project, "embedder", "aws", "us-west-2",
                       "g5.xlarge", 1, 1, False, 0, 0, sub, w.start - HOUR)
        tags = self.tags_for("aws", person, project, "research")
        listed = self.new_instance("aws", "g5.xlarge", "us-west-2",
                                   self.zone("aws", "us-west-2"), sub, before, after, False,
                                   "platform", tags, "notebook", "embedder-notebook")
        listed.disk_tags = {k: v for k, v in tags.items() if k != "aws:createdBy"}
        # Its own id series: with an attempts factor, packed jobs take the next numbers.
        job_id = f"job-s0001-{self.hex_id(6)}"
        attempt = Attempt(f"{job_id}-a1", job_id, 1, "running", dt_of(w.start), None, "",
                          round(self.rng.uniform(5, 30), 1), "")
        self.record_job(job_id, plan, [AttemptRun(attempt, w.start, None, [])])
        datasets = self.buckets[("aws", "datasets|platform|us-east-1")]
        w.jobs[-1] = replace(w.jobs[-1],
                             dataset_uri=f"s3://{datasets.name}/embeddings/corpus-v2/")
        w.nodes.append(AttemptNode(attempt.attempt_id, 0, listed.resource_id, "g5.xlarge", 1,
                                   volume_ids=listed.disk_id))
        w.planted_storage_ties = [
            ("machine_tags", tagged.disk_id), ("machine_lifetime", lived.disk_id),
            ("job_volume_ids", listed.disk_id), ("job_storage_uris", datasets.resource_id)]

    def packed_jobs(self, factor: float) -> None:
        """With an attempts factor above 1, about (factor - 1) times the attempts the world
        already has, added as short batch jobs packed onto shared GPU nodes: a node-hour
        carries several attempts, so attempts grow much faster than billing lines (a node
        adds one compute and one disk line an hour). Drawn last, from an RNG of their own,
        so everything else (and the truth of the planted scenarios) stays as without them."""
        target = round(len(self.w.attempts) * (factor - 1)) if factor > 1 else 0
        if not target:
            return
        saved, self.rng = self.rng, random.Random(f"packed-jobs|{self.seed}")
        try:
            added = 0
            while added < target:
                provider, itype, region = self.rng.choices(PACKED_NODES, PACKED_WEIGHTS)[0]
                added += self.packed_block(provider, itype, region, target - added)
        finally:
            self.rng = saved

    def packed_block(self, provider: str, itype: str, region: str, budget: int) -> int:
        """One shared node running short batch jobs back to back in GPU lanes (as
        shared_block, with jobs of minutes), until about ``budget`` attempts; returns how
        many attempts it ran."""
        w, rng = self.w, self.rng
        length = rng.randint(4, 12) * HOUR
        t0 = w.start + rng.randrange(HOUR, max(2 * HOUR, w.end - w.start - length - 2 * HOUR))
        t1 = t0 + length
        owner = rng.choice(["nlp", "recsys", "vision", "platform"])
        tags = self.tags_for(provider, self.person(owner), TEAM_INFO[owner]["projects"][0],
                             "research")
        node = self.new_instance(provider, itype, region, self.zone(provider, region),
                                 self.sub_account(provider, False), t0, t1, False, owner, tags,
                                 "shared", f"batch-pool-{self.hex_id(4)}")
        attempts = 0
        for gpus in rng.choice([[2, 2, 2, 2], [1, 1, 2, 4], [4, 4], [1, 1, 1, 1, 2, 2]]):
            t = t0 + rng.randint(60, 900)
            while attempts < budget:
                team = rng.choice(TEAMS)
                plan = JobPlan("batch_inference", self.person(team),
                               rng.choice(TEAM_INFO[team]["projects"]),
                               rng.choice(TEAM_INFO[team]["models"]), provider, region, itype, 1,
                               gpus, False, 0, int(duration(rng, 0.4, 0.6, 0.1, 2) * HOUR),
                               node.sub_account, t - rng.randint(30, 600), 2, 0.08, 0.02)
                runs = self.job_on_shared_node(plan, t, t1 - 300, node, itype, gpus,
                                               retry_gap=(60, 600))
                if runs is None:
                    break
                attempts += len(runs)
                t = runs[-1].end + rng.randint(60, 900)
        return attempts

    def unmatched_node(self) -> None:
        """One node whose id names an EC2 instance of an account whose bill is not loaded:
        its job gets no cost for it and the node is listed as unmatched. Added last, from
        hashes only, so the rest of the world is the same as without it."""
        w = self.w
        jobs = {j.job_id: j for j in w.jobs}
        named = {n.job_id for n in w.named_jobs}
        candidates = sorted(
            a.attempt_id for a in w.attempts
            if a.status == "succeeded" and a.ended_at is not None and a.job_id not in named
            and jobs[a.job_id].provider == "aws" and jobs[a.job_id].job_type == "training")
        if not candidates:
            return
        attempt_id = candidates[0]
        nodes = [n for n in w.nodes if n.attempt_id == attempt_id]
        digest = hashlib.blake2b(f"unmatched|{w.seed}".encode(), digest_size=9).hexdigest()
        resource_id = f"arn:aws:ec2:us-east-1:{catalog.AWS_UNBILLED}:instance/i-0{digest[:17]}"
        index = max(n.node_index for n in nodes) + 1
        w.nodes.append(AttemptNode(attempt_id, index, resource_id, nodes[0].instance_type,
                                   nodes[0].gpus_used))
        w.planted_unmatched.append(
            (attempt_id, index, "no billing line for this resource id in any period"))

    def fleet(self) -> None:
        """Always-on machines: CPU services, serving endpoints, storage left behind."""
        w, rng = self.w, self.rng
        before = w.start - rng.randint(5, 40) * DAY
        after = w.end + 2 * DAY
        cpu_specs = [("aws", "m7i.2xlarge", "us-east-1", True, 14),
                     ("aws", "c7i.4xlarge", "us-east-1", False, 8),
                     ("gcp", "n2-standard-8", "us-central1", True, 3),
                     ("azure", "Standard_D8s_v5", "eastus", True, 2)]
        for provider, itype, region, prod, n in cpu_specs:
            for i in range(max(1, round(n * self.scale))):
                team = "platform" if prod else rng.choice(["nlp", "recsys", "platform"])
                person = self.person(team)
                tags = self.tags_for(provider, person, TEAM_INFO[team]["projects"][0],
                                     "prod" if prod else "research")
                if rng.random() < 0.3:
                    tags = {k: v for k, v in tags.items() if k == "aws:createdBy"}
                self.new_instance(provider, itype, region, self.zone(provider, region),
                                  self.sub_account(provider, prod), before, after, False, team,
                                  tags, "cpu", f"{team}-svc-{i}")
        # Serving endpoints: long-running "jobs" whose attempts are deployments.
        self.ri_count = max(1, round(catalog.AWS_RI_COUNT * self.scale))
        self.res_count = max(1, round(catalog.AZURE_RES_COUNT * self.scale))
        serving = [("aws", "g5.12xlarge", "us-east-1", "recsys", "ranking", "dlrm-v2",
                    self.ri_count + 1),
                   ("aws", "g5.2xlarge", "us-east-1", "platform", "inference-gateway",
                    "embedder", max(1, round(4 * self.scale))),
                   ("gcp", "g2-standard-8", "us-central1", "vision", "detector-v3", "yolo-x",
                    max(1, round(2 * self.scale))),
                   ("azure", "Standard_NC24ads_A100_v4", "eastus", "speech",
                    "asr-multilingual", "whisper-ft", self.res_count + 1)]
        for provider, itype, region, team, project, model, nodes in serving:
            self.serving_job(provider, itype, region, team, project, model, nodes)
        # Unattached disks nobody deleted.
        for provider, region, n in [("aws", "us-east-1", 3), ("gcp", "us-central1", 1),
                                    ("azure", "eastus", 1)]:
            for i in range(max(1, round(n * self.scale))):
                team = rng.choice(TEAMS)
                person = self.person(team)
                zone = self.zone(provider, region)
                sub = self.sub_account(provider, False)
                gb = rng.choice([1000, 2000, 4000]) if provider != "azure" else 1024
                if provider == "aws":
                    rid = self.aws_volume_id()
                    name = rid
                elif provider == "gcp":
                    name = f"{person.first}-scratch-{self.hex_id(4)}"
                    rid = f"//compute.googleapis.com/projects/{sub}/zones/{zone}/disks/{name}"
                else:
                    name = f"{person.first}-data-{self.hex_id(4)}"
                    rid = (f"/subscriptions/{sub}/resourceGroups/rg-{team}-ml/providers/"
                           f"Microsoft.Compute/disks/{name}")
                tags = {} if rng.random() < 0.6 else self.tags_for(
                    provider, person, TEAM_INFO[team]["projects"][0], "research")
                tags.pop("aws:createdBy", None)
                w.volumes.append(Volume(provider, rid, name, region, zone, sub, before, after,
                                        gb, team, tags))
        # Dataset buckets (read by training; synced across clouds).
        self.bucket("aws", "datasets", "platform", "us-east-1")
        self.bucket("gcp", "datasets", "platform", "us-central1")
        self.bucket("azure", "datasets", "speech", "eastus")

    def serving_job(self, provider: str, itype: str, region: str, team: str, project: str,
                    model: str, nodes: int) -> None:
        """A serving endpoint: deployed at the window start, redeployed every ~week
        (blue/green: new instances start before the old ones stop), still up at the end."""
        rng = self.rng
        w = self.w
        person = self.person(team)
        it = catalog.instance(provider, itype)
        plan = JobPlan("serving", person, project, model, provider, region, itype, nodes,
                       it.gpus, False, 0, 0, self.sub_account(provider, True),
                       w.start + rng.randint(0, 1800))
        job_id = self.new_job_id()
        runs: list[AttemptRun] = []
        t = plan.submitted_at + rng.randint(120, 600)
        number = 0
        while True:
            number += 1
            next_t = t + rng.randint(6 * DAY, 12 * DAY)
            if next_t >= w.end - 6 * HOUR:
                end = None
            else:
                end = next_t + rng.randint(300, 900)  # overlap with the next deployment
            attempt = Attempt(f"{job_id}-a{number}", job_id, number,
                              "running" if end is None else "succeeded", dt_of(t),
                              None if end is None else dt_of(end), "",
                              round(rng.uniform(15, 60), 1), "")
            runs.append(AttemptRun(attempt, t, end, []))
            if end is None:
                break
            t = next_t
        insts = self.place_dedicated(job_id, plan, runs, role="serving")
        for inst in insts:
            inst.serving_egress = True
        self.record_job(job_id, plan, runs)

    # ---------------------------------------------------------------- named scenarios

    def at(self, hours: float) -> int:
        """A scenario start: hours after the window start on a 7-day clock, stretched to
        the window length so scenarios spread over the window."""
        stretch = self.w.days / MIN_DAYS
        return self.w.start + int(hours * HOUR * stretch)

    def named(self, job_id: str, label: str) -> None:
        self.w.named_jobs.append(NamedJob(job_id, label))

    def named_scenarios(self) -> None:
        w, rng = self.w, self.rng
        p = {team: self.person(team) for team in TEAMS}
        # 1. p5 pretraining on spot, preempted twice, resumed from checkpoints
        plan = JobPlan("training", p["nlp"], "llm-pretrain", "atlas-70b", "aws", "us-west-2",
                       "p5.48xlarge", 2, 8, True, 45 * 60, 22 * HOUR,
                       catalog.AWS_RESEARCH, self.at(18))
        job_id, runs = self.add_job(plan, script=[
            ("preempted", 7 * HOUR + 10 * 60, PREEMPTION_REASON["aws"]),
            ("preempted", 5 * HOUR + 5 * 60, PREEMPTION_REASON["aws"]),
            ("succeeded", None, "")], scheduler=True, queue_s=900)
        self.named(job_id, "p5 pretraining on spot, preempted twice, resumed from checkpoints")
        w.named_failures.extend(r.attempt.attempt_id for r in runs[:2])
        # The p5 run reads its dataset from us-east-1: inter-region transfer at each start.
        for r in runs:
            self.dataset_read("aws", r.start, 1800.0 * plan.node_count, "us-west-2", "nlp")
        # 2. a3 run that failed after 9 h with no checkpoint
        plan = JobPlan("training", p["nlp"], "llm-pretrain", "atlas-7b", "gcp", "europe-west4",
                       "a3-highgpu-8g", 2, 8, False, 0, 30 * HOUR, catalog.GCP_RESEARCH,
                       self.at(30))
        job_id, runs = self.add_job(plan, script=[("failed", 9 * HOUR, "NCCL timeout")],
                                    queue_s=600)
        self.named(job_id, "a3 run that failed after 9 h with no checkpoint")
        w.named_failures.append(runs[0].attempt.attempt_id)
        self.dataset_read("gcp", runs[0].start, 900.0, "europe-west4", "nlp")
        # 3. four fine-tunes sharing one p4d node (2 GPUs each)
        t0 = self.at(50)
        node_end = t0 + 12 * HOUR
        tags = self.tags_for("aws", p["recsys"], "ranking", "research")
        node = self.new_instance("aws", "p4d.24xlarge", "us-east-1", "us-east-1b",
                                 catalog.AWS_RESEARCH, t0, node_end, False, "recsys", tags,
                                 "shared", "shared-ft-pool-0")
        shared = [("recsys", "ranking", "dlrm-v2", 5 * 60, 4 * HOUR),
                  ("recsys", "two-tower-retrieval", "two-tower", 20 * 60, 6 * HOUR),
                  ("nlp", "chat-assistant", "atlas-7b", 35 * 60, 9 * HOUR),
                  ("vision", "segmentation", "vit-l", 60 * 60, 5 * HOUR + 30 * 60)]
        for i, (team, project, model, offset, work) in enumerate(shared):
            person = self.person(team)
            plan = JobPlan("fine_tune", person, project, model, "aws", "us-east-1",
                           "p4d.24xlarge", 1, 2, False, 30 * 60 if i % 2 == 0 else 0, work,
                           catalog.AWS_RESEARCH, t0 + offset - 120)
            job_id = self.new_job_id()
            runs = self.simulate_attempts(job_id, plan, t0 + offset, node_end - 300,
                                          script=[("succeeded", None, "")])
            self.w.nodes.append(AttemptNode(runs[0].attempt.attempt_id, 0, node.resource_id,
                                            "p4d.24xlarge", 2))
            self.record_job(job_id, plan, runs)
            self.named(job_id, f"4 fine-tunes sharing one p4d node ({i + 1} of 4)")
        # 4. a p4d fine-tune whose instance was left running 30 h after it finished
        plan = JobPlan("fine_tune", p["vision"], "detector-v3", "vit-l", "aws", "us-east-1",
                       "p4d.24xlarge", 1, 8, False, 0, 6 * HOUR, catalog.AWS_RESEARCH,
                       self.at(66))
        job_id, runs = self.add_job(plan, script=[("succeeded", None, "")],
                                    idle_after_s=30 * HOUR, scheduler=False)
        self.named(job_id, "p4d fine-tune whose instance was left running 30 h after it "
                           "finished (planted idle)")
        # 5. ND96asr_v4 training: OOM, then resumed from checkpoint and succeeded
        plan = JobPlan("training", p["speech"], "asr-multilingual", "whisper-ft", "azure",
                       "eastus", "Standard_ND96asr_v4", 2, 8, False, 60 * 60, 13 * HOUR,
                       catalog.AZURE_RESEARCH, self.at(80))
        job_id, runs = self.add_job(plan, script=[
            ("failed", 3 * HOUR + 20 * 60, "CUDA out of memory"), ("succeeded", None, "")],
            queue_s=420)
        self.named(job_id, "ND96asr_v4 training: CUDA OOM after 3.3 h, resumed from "
                           "checkpoint, succeeded")
        w.named_failures.append(runs[0].attempt.attempt_id)
        # 6. a notebook on g5.xlarge: 4 h of work, then idle all night
        plan = JobPlan("notebook", p["vision"], "segmentation", "vit-l", "aws", "us-east-1",
                       "g5.xlarge", 1, 1, False, 0, 4 * HOUR, catalog.AWS_RESEARCH,
                       day_floor(self.at(96)) + 14 * HOUR)
        job_id, runs = self.add_job(plan, script=[("succeeded", None, "")],
                                    idle_after_s=14 * HOUR, queue_s=60)
        self.named(job_id, "g5.xlarge notebook: 4 h session, then idle 14 h overnight")
        # 7. SageMaker training job on 2 x ml.p4d.24xlarge
        plan = JobPlan("training", p["nlp"], "chat-assistant", "atlas-chat-13b", "aws",
                       "us-east-1", "ml.p4d.24xlarge", 2, 8, False, 40 * 60, 8 * HOUR,
                       catalog.AWS_PROD, self.at(118))
        job_id = self.sagemaker_job(plan, script=[("succeeded", None, "")])
        self.named(job_id, "SageMaker training on 2 x ml.p4d.24xlarge")
        # 8. Azure NC24ads batch inference on spot: evicted three times, gave up
        plan = JobPlan("batch_inference", p["speech"], "tts", "tts-v2", "azure", "eastus",
                       "Standard_NC24ads_A100_v4", 3, 1, True, 0, 5 * HOUR,
                       catalog.AZURE_PROD, self.at(128))
        job_id, runs = self.add_job(plan, script=[
            ("preempted", 70 * 60, PREEMPTION_REASON["azure"]),
            ("preempted", 40 * 60, PREEMPTION_REASON["azure"]),
            ("preempted", 95 * 60, PREEMPTION_REASON["azure"])])
        self.named(job_id, "NC24ads_A100_v4 spot batch inference evicted three times, "
                           "gave up")
        w.named_failures.extend(r.attempt.attempt_id for r in runs)
        # 9. a2 training on 2 nodes, still running when the window ends
        plan = JobPlan("training", p["vision"], "detector-v3", "vit-l", "gcp", "us-central1",
                       "a2-highgpu-8g", 2, 8, False, 60 * 60, 200 * HOUR, catalog.GCP_RESEARCH,
                       w.end - 20 * HOUR)
        job_id, runs = self.add_job(plan, script=[("succeeded", None, "")], queue_s=300)
        self.named(job_id, "a2-highgpu-8g x2 training still running at the end of the window")
        # A GPU VM nobody runs jobs on (planted idle without any job).
        person = p["vision"]
        tags = self.tags_for("gcp", person, "segmentation", "research")
        inst = self.new_instance("gcp", "a2-highgpu-1g", "us-central1", "us-central1-a",
                                 catalog.GCP_RESEARCH, self.at(40), self.at(40) + 4 * DAY,
                                 False, "vision", tags, "orphan", f"{person.first}-dev-box")
        inst.planted_idle_s = 4 * DAY
        w.planted_idle.append(inst.resource_id)

    def sagemaker_job(self, plan: JobPlan, script=None) -> str:
        job_id = self.new_job_id()
        runs = self.simulate_attempts(job_id, plan, plan.submitted_at + self.rng.randint(180, 600),
                                      self.w.end, script)
        run = runs[0]
        runs = runs[:1]
        name = f"{plan.model_name}-{dt_of(run.start):%Y-%m-%d-%H-%M-%S}-{self.hex_id(3)}"
        arn = f"arn:aws:sagemaker:{plan.region}:{plan.sub_account}:training-job/{name}"
        end = self.w.end + HOUR if run.end is None else run.end
        tags = self.tags_for("aws", plan.person, plan.project, "research", job_id=job_id,
                             scheduler=True)
        tags.pop("aws:createdBy", None)
        inst = Instance("aws", arn, name, plan.instance_type, plan.region, "", plan.sub_account,
                        run.start, end, False, plan.person.team, tags, "sagemaker",
                        count=plan.node_count)
        self.w.instances.append(inst)
        for i in range(plan.node_count):
            self.w.nodes.append(AttemptNode(run.attempt.attempt_id, i, arn, plan.instance_type,
                                            plan.gpus_per_node))
        self.record_job(job_id, plan, runs)
        return job_id

    def dataset_read(self, provider: str, start: int, gb: float, to_region: str,
                     team: str) -> None:
        """A training run in another region pulls its dataset: inter-region transfer."""
        home = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}[provider]
        b = self.bucket(provider, "datasets", "platform" if provider != "azure" else "speech",
                        home)
        service = {"aws": "AmazonS3", "gcp": "Networking", "azure": "Bandwidth"}[provider]
        self.w.transfers.append(Transfer(provider, b.resource_id, b.name, b.sub_account,
                                         home, b.owner_team, b.tags, hour_floor(start),
                                         round(gb, 3), "inter_region", to_region, service))
        if provider == "aws":
            # AWS meters the same bytes again in the receiving region, on a free In line.
            self.w.transfers.append(Transfer(provider, b.resource_id, b.name, b.sub_account,
                                             to_region, b.owner_team, b.tags,
                                             hour_floor(start), round(gb, 3),
                                             "inter_region_inbound", home, service))

    # ---------------------------------------------------------------- background jobs

    def count(self, per_day: float) -> int:
        return max(1, round(per_day * self.w.days * self.scale))

    def pick_provider(self, team: str, allowed: tuple[str, ...]) -> str:
        weights = [TEAM_INFO[team]["clouds"].get(p, 0.0) for p in allowed]
        if sum(weights) == 0:
            return self.rng.choice(allowed)
        return self.rng.choices(allowed, weights)[0]

    def background(self) -> None:
        """Jobs drawn at random, linear in --scale: the bulk of the bill."""
        w, rng = self.w, self.rng
        span = w.end - w.start
        training = {"aws": [("p4d.24xlarge", "us-east-1", [1, 2, 2, 4], 0.3),
                            ("p5.48xlarge", "us-west-2", [1, 2], 0.45)],
                    "gcp": [("a2-highgpu-8g", "us-central1", [1, 2], 0.3),
                            ("a3-highgpu-8g", "europe-west4", [1, 2], 0.2)],
                    "azure": [("Standard_ND96asr_v4", "eastus", [1, 2], 0.2),
                              ("Standard_ND96isr_H100_v5", "southcentralus", [1], 0.1)]}
        fine_tune = {"aws": [("g5.12xlarge", "us-east-1", [1], 0.3),
                             ("p4d.24xlarge", "us-east-1", [1], 0.2)],
                     "gcp": [("a2-highgpu-1g", "us-central1", [1], 0.3)],
                     "azure": [("Standard_NC24ads_A100_v4", "eastus", [1], 0.3)]}
        batch = {"aws": [("g5.xlarge", "us-east-1", [2, 3, 4, 6], 0.7)],
                 "gcp": [("g2-standard-8", "us-central1", [2, 3, 4], 0.6)],
                 "azure": [("Standard_NC4as_T4_v3", "eastus", [2, 3], 0.5),
                           ("Standard_NC24ads_A100_v4", "eastus", [1, 2], 0.3)]}
        notebook = {"aws": [("g5.xlarge", "us-east-1", [1], 0.0),
                            ("g5.2xlarge", "us-east-1", [1], 0.0)],
                    "gcp": [("g2-standard-8", "us-central1", [1], 0.0)],
                    "azure": [("Standard_NC4as_T4_v3", "eastus", [1], 0.0)]}
        specs = [("training", training, 3.0, [0.35, 0.2, 0.15, 0.25, 0.05]),
                 ("fine_tune", fine_tune, 2.5, [0.25, 0.2, 0.25, 0.2, 0.1]),
                 ("batch_inference", batch, 5.0, [0.2, 0.25, 0.3, 0.15, 0.1]),
                 ("notebook", notebook, 3.0, [0.2, 0.2, 0.2, 0.2, 0.2])]
        for job_type, options, per_day, team_weights in specs:
            for _ in range(self.count(per_day)):
                team = rng.choices(TEAMS, team_weights)[0]
                provider = self.pick_provider(team, ("aws", "gcp", "azure"))
                itype, region, node_choices, p_spot = rng.choice(options[provider])
                submitted = w.start + rng.randrange(0, span - 2 * HOUR)
                if job_type == "notebook":
                    submitted = day_floor(submitted) + rng.randint(13 * HOUR, 17 * HOUR)
                    if submitted >= w.end - 4 * HOUR:
                        submitted -= DAY
                self.background_job(job_type, team, provider, itype, region,
                                    rng.choice(node_choices), rng.random() < p_spot, submitted)
        for _ in range(self.count(0.3)):
            team = rng.choices(TEAMS, [0.5, 0.1, 0.2, 0.1, 0.1])[0]
            person = self.person(team)
            itype = rng.choice(["ml.p4d.24xlarge", "ml.g5.12xlarge"])
            it = catalog.instance("aws", itype)
            plan = JobPlan("training", person, rng.choice(TEAM_INFO[team]["projects"]),
                           rng.choice(TEAM_INFO[team]["models"]), "aws", "us-east-1", itype,
                           rng.choice([1, 1, 2]), it.gpus, False,
                           rng.choice([0, 30 * 60]), int(duration(rng, 6, 0.5, 1, 24) * HOUR),
                           catalog.AWS_PROD, w.start + rng.randrange(0, span - 4 * HOUR),
                           max_attempts=1)
            self.sagemaker_job(plan)
        for provider, itype, region in [("aws", "p4d.24xlarge", "us-east-1"),
                                        ("gcp", "a2-highgpu-8g", "us-central1"),
                                        ("azure", "Standard_ND96asr_v4", "eastus")]:
            for _ in range(max(1, round(w.days * self.scale * 0.25))):
                self.shared_block(provider, itype, region)

    def background_job(self, job_type: str, team: str, provider: str, itype: str, region: str,
                       nodes: int, spot: bool, submitted: int) -> None:
        rng = self.rng
        person = self.person(team)
        it = catalog.instance(provider, itype)
        if job_type == "training":
            work = duration(rng, 10, 0.7, 2, 60)
            ckpt = rng.choice([30, 45, 60, 90]) * 60 if rng.random() < 0.75 else 0
            p_fail, p_kill, max_att = 0.12, 0.03, 4
        elif job_type == "fine_tune":
            work = duration(rng, 3, 0.6, 0.5, 16)
            ckpt = rng.choice([20, 30, 60]) * 60 if rng.random() < 0.5 else 0
            p_fail, p_kill, max_att = 0.10, 0.04, 3
        elif job_type == "batch_inference":
            work = duration(rng, 1.5, 0.6, 0.25, 8)
            ckpt, p_fail, p_kill, max_att = 0, 0.06, 0.02, 3
        else:
            work = rng.uniform(1.5, 8)
            ckpt, p_fail, p_kill, max_att = 0, 0.0, 0.05, 1
        prod = job_type == "batch_inference"
        plan = JobPlan(job_type, person, rng.choice(TEAM_INFO[team]["projects"]),
                       rng.choice(TEAM_INFO[team]["models"]), provider, region, itype, nodes,
                       it.gpus, spot, ckpt, int(work * HOUR), self.sub_account(provider, prod),
                       submitted, max_att, p_fail, p_kill)
        idle = 0
        if job_type == "notebook" and rng.random() < 0.3:
            idle = rng.randint(8, 16) * HOUR  # left on overnight
        elif job_type == "training" and rng.random() < 0.03:
            idle = rng.randint(2, 20) * HOUR
        self.add_job(plan, idle_after_s=idle, queue_s=60 if job_type == "notebook" else None)

    def shared_block(self, provider: str, itype: str, region: str) -> None:
        """An 8-GPU node shared by small fine-tunes packed into GPU lanes.

        Lanes (e.g. 4+2+2 GPUs) never exceed the node's GPUs, so concurrent jobs always fit;
        the node runs from the block start to the block end, idle between jobs.
        """
        w, rng = self.w, self.rng
        length = rng.randint(8, 36) * HOUR
        t0 = w.start + rng.randrange(HOUR, max(2 * HOUR, w.end - w.start - length - 2 * HOUR))
        t1 = t0 + length
        owner = rng.choice(["nlp", "recsys", "vision", "platform"])
        person = self.person(owner)
        tags = self.tags_for(provider, person, TEAM_INFO[owner]["projects"][0], "research")
        node = self.new_instance(provider, itype, region, self.zone(provider, region),
                                 self.sub_account(provider, False), t0, t1, False, owner, tags,
                                 "shared", f"shared-ft-pool-{self.hex_id(3)}")
        lanes = rng.choice([[4, 2, 2], [2, 2, 2, 2], [4, 4], [1, 1, 2, 4], [2, 2, 4]])
        for gpus in lanes:
            t = t0 + rng.randint(120, 1800)
            while True:
                team = rng.choice(TEAMS)
                lane_person = self.person(team)
                work = int(duration(rng, 2.5, 0.6, 0.5, 10) * HOUR)
                plan = JobPlan("fine_tune", lane_person, rng.choice(TEAM_INFO[team]["projects"]),
                               rng.choice(TEAM_INFO[team]["models"]), provider, region, itype, 1,
                               gpus, False, rng.choice([0, 20 * 60, 30 * 60]), work,
                               node.sub_account, t - rng.randint(60, 900), 3, 0.1, 0.03)
                runs = self.job_on_shared_node(plan, t, t1 - 300, node, itype, gpus)
                if runs is None:
                    break
                t = runs[-1].end + rng.randint(300, 3 * HOUR)

    # ---------------------------------------------------------------- transfers

    def transfers(self) -> None:
        """Daily cross-cloud syncs and dataset pulls by runs in other regions."""
        w, rng = self.w, self.rng
        aws_ds = self.bucket("aws", "datasets", "platform", "us-east-1")
        gcp_ds = self.bucket("gcp", "datasets", "platform", "us-central1")
        az_ds = self.bucket("azure", "datasets", "speech", "eastus")
        network = az_ds.resource_id.split("/providers/")[0] + "/providers/Microsoft.Network"
        vnet = f"{network}/virtualNetworks/vnet-speech-eastus"
        endpoint = f"{network}/privateEndpoints/pe-speech-datasets"
        for d in range(w.days):
            day0 = w.start + d * DAY
            # S3 -> GCS dataset sync (appears in the CUR as internet egress)
            w.transfers.append(Transfer("aws", aws_ds.resource_id, aws_ds.name,
                                        aws_ds.sub_account, "us-east-1", aws_ds.owner_team,
                                        aws_ds.tags, day0 + 2 * HOUR,
                                        round(rng.uniform(150, 600) * self.scale, 3),
                                        "inter_cloud", "gcp", "AmazonS3"))
            # GCS -> S3 evaluation results
            w.transfers.append(Transfer("gcp", gcp_ds.resource_id, gcp_ds.name,
                                        gcp_ds.sub_account, "us-central1", gcp_ds.owner_team,
                                        gcp_ds.tags, day0 + 3 * HOUR,
                                        round(rng.uniform(20, 120) * self.scale, 3),
                                        "inter_cloud", "aws", "Networking"))
            # Azure blob replication to the second region
            w.transfers.append(Transfer("azure", az_ds.resource_id, az_ds.name,
                                        az_ds.sub_account, "eastus", az_ds.owner_team,
                                        az_ds.tags, day0 + 4 * HOUR,
                                        round(rng.uniform(30, 200) * self.scale, 3),
                                        "inter_region", "southcentralus", "Bandwidth"))
            # The speech VNet peers with the platform hub in the same region (billed on
            # both ends), and reads the datasets account through a Private Link endpoint.
            for kind, resource in (("peering", vnet), ("private_link", endpoint)):
                for way in ("", "_inbound"):
                    gb = round((10 + 90 * noise(kind + way, d)) * self.scale, 3)
                    w.transfers.append(Transfer("azure", resource, resource.rsplit("/", 1)[1],
                                                az_ds.sub_account, "eastus",
                                                az_ds.owner_team, az_ds.tags,
                                                day0 + 5 * HOUR, gb, kind + way, "eastus",
                                                "Virtual Network"))
        # runs in a region away from their datasets pull them at every attempt start
        for inst in list(w.instances):
            if inst.role != "job":
                continue
            if inst.provider == "aws" and inst.region == "us-west-2" and \
                    inst.start >= w.start and rng.random() < 0.7:
                self.dataset_read("aws", inst.start + 600, rng.uniform(300, 1500), "us-west-2",
                                  inst.owner_team)
            elif inst.provider == "gcp" and inst.region == "europe-west4" and \
                    inst.start >= w.start and rng.random() < 0.7:
                self.dataset_read("gcp", inst.start + 600, rng.uniform(200, 900),
                                  "europe-west4", inst.owner_team)

    # ---------------------------------------------------------------- commitments

    def commitments(self) -> None:
        """Size the Savings Plan to about half the eligible on-demand EC2 spend, so some
        hours use it fully and some leave part of it unused."""
        w = self.w
        total = 0.0
        for inst in w.instances:
            if inst.provider != "aws" or inst.spot or inst.role == "sagemaker" or \
                    inst.sub_account != catalog.AWS_PROD:
                continue
            it = catalog.instance("aws", inst.instance_type)
            secs = max(0, min(inst.end, w.end) - max(inst.start, w.start))
            total += it.hourly * sp_factor(inst.instance_type) * secs / HOUR
        hours = (w.end - w.start) / HOUR
        w.sp_commitment = round(max(1.0, 0.6 * total / hours), 3)
        w.ri_count = self.ri_count
        w.res_count = self.res_count
        # The A100 CUD: about 60% of the average on-demand A2 GPUs running in us-central1.
        gpu_secs = 0
        for inst in w.instances:
            if inst.provider == "gcp" and inst.instance_type.startswith("a2-") and \
                    not inst.spot and inst.region == "us-central1":
                gpu_secs += inst.gpus * max(0, min(inst.end, w.end) - max(inst.start, w.start))
        w.cud_gpus = max(1, round(0.6 * gpu_secs / (w.end - w.start)))


def build_world(seed: int, start: date, days: int, scale: float,
                attempts_factor: float = 1.0) -> World:
    """The whole simulated window for one seed (attempts_factor: Builder.packed_jobs)."""
    return Builder(seed, start, days, scale, attempts_factor).build()


def finalize(w: World) -> None:
    """Sort everything into a canonical order and index machines by day."""
    w.instances.sort(key=lambda i: (i.start, i.resource_id))
    w.volumes.sort(key=lambda v: (v.start, v.resource_id))
    # One metered line per resource, hour and route: reads by several nodes in the same
    # hour add up, as the meter would.
    merged: dict[tuple, Transfer] = {}
    for tr in w.transfers:
        key = (tr.provider, tr.resource_id, tr.hour, tr.transfer_type, tr.to, tr.service)
        if key in merged:
            merged[key].gb = round(merged[key].gb + tr.gb, 3)
        else:
            merged[key] = tr
    w.transfers = sorted(merged.values(),
                         key=lambda t: (t.hour, t.resource_id, t.transfer_type, t.to))
    w.instances_by_day = [[] for _ in range(w.days)]
    w.volumes_by_day = [[] for _ in range(w.days)]
    w.transfers_by_day = [[] for _ in range(w.days)]
    for inst in w.instances:
        for d in _days_spanned(w, inst.start, inst.end):
            w.instances_by_day[d].append(inst)
    for vol in w.volumes:
        for d in _days_spanned(w, vol.start, vol.end):
            w.volumes_by_day[d].append(vol)
    for tr in w.transfers:
        if w.start <= tr.hour < w.end:
            w.transfers_by_day[(tr.hour - w.start) // DAY].append(tr)
    for b in w.buckets:
        b.checkpoints.sort()


def _days_spanned(w: World, start: int, end: int) -> range:
    first = max(0, (start - w.start) // DAY)
    last = min(w.days - 1, (end - 1 - w.start) // DAY)
    return range(first, last + 1)


# --------------------------------------------------------------------------------------
# Small helpers for the builder
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# Metrics runs log (the MLflow writer and the job contract's metric_history)
# --------------------------------------------------------------------------------------

MLFLOW_TRACKED_TEAMS = ("nlp", "vision", "recsys", "speech")
METRIC_POINTS = 12  # metric points a run logs over its run time


def mlflow_tracks(seed: int, job: Job) -> bool:
    """Whether the team's MLflow tracks the job (not every training job is tracked)."""
    return (job.team in MLFLOW_TRACKED_TEAMS and job.job_type in ("training", "fine_tune")
            and noise("mlflow-tracked", seed, job.job_id) >= 0.2)


def exports_metric_history(seed: int, job: Job) -> bool:
    """Whether the platform exports the job's metrics in metric_history.csv: some training
    jobs MLflow does not track."""
    return (job.job_type in ("training", "fine_tune") and not mlflow_tracks(seed, job)
            and noise("metric-history", seed, job.job_id) < 0.6)


def logs_val_loss(seed: int, attempt_id: str) -> bool:
    """Most runs evaluate val_loss; some log only their training metrics."""
    return noise("val-loss-logged", seed, attempt_id) >= 0.15


def evenly_billed(inst: Instance) -> bool:
    """A machine whose compute cost accrues evenly over its running time: no commitment
    (RI, Savings Plan, CUD, reservation) can cover it, so no hour bills differently."""
    if inst.role == "sagemaker":
        return False
    if inst.provider == "aws":
        return inst.spot or inst.sub_account != catalog.AWS_PROD
    if inst.provider == "gcp":
        return inst.spot or not (inst.instance_type.startswith("a2-")
                                 and inst.region == "us-central1")
    return inst.spot or not (inst.instance_type == catalog.AZURE_RES_INSTANCE_TYPE
                             and inst.region == "eastus")


def metric_points(w: World, a: Attempt) -> list[tuple[int, int]]:
    """(step, time) of the METRIC_POINTS points a run logs, spread over its run time (a
    preempted run's process died a minute before its machine; a running one logs up to
    the window's end, at most two days)."""
    start = ts_of(a.started_at)
    if a.status == "preempted" and a.ended_at is not None:
        stop = ts_of(a.ended_at) - 60
    elif a.ended_at is not None:
        stop = ts_of(a.ended_at)
    else:
        stop = min(w.end, start + 3600 * 48)
    return [((a.attempt_number - 1) * 10_000 + i * 250,
             start + (stop - start) * i // METRIC_POINTS)
            for i in range(1, METRIC_POINTS + 1)]


def val_loss_evaluations(w: World, a: Attempt) -> list[tuple[int, int, float | None]]:
    """(step, time, value) of the run's val_loss evaluations, one per metric point; value
    None is a NaN (the last evaluation of a run that failed on a NaN loss). A planted run
    improves 10% an evaluation up to its plateau, then stays within 0.2-0.8% above its
    best; every other run improves 10% an evaluation to the end."""
    planted = {p.attempt_id: p.evaluation for p in w.planted_plateaus}.get(a.attempt_id)
    base = 2.0 + noise("val-loss-base", w.seed, a.attempt_id)
    out: list[tuple[int, int, float | None]] = []
    points = metric_points(w, a)
    for i, (step, t) in enumerate(points, 1):
        if planted is not None and i > planted:
            value = base * 0.9 ** planted * (
                1.002 + 0.006 * noise("val-loss-flat", a.attempt_id, i))
        else:
            value = base * 0.9 ** i
        nan = (a.status == "failed" and a.failure_reason == "NaN loss detected"
               and i == len(points))
        out.append((step, t, None if nan else round(value, 6)))
    return out


def pick_weighted(rng: random.Random, items: list[tuple[str, float]]) -> str:
    return rng.choices([i for i, _ in items], [w for _, w in items])[0]


def duration(rng: random.Random, median_h: float, sigma: float, lo: float, hi: float) -> float:
    return min(hi, max(lo, rng.lognormvariate(math.log(median_h), sigma)))


def day_floor(ts: int) -> int:
    return ts - ts % DAY


def hour_floor(ts: int) -> int:
    return ts - ts % HOUR


def attempt_utilization(rng: random.Random, job_type: str, status: str) -> float | None:
    if rng.random() < 0.08:
        return None
    if job_type == "notebook":
        return round(rng.uniform(3, 35), 1)
    if status in ("failed", "killed"):
        return round(rng.uniform(20, 90), 1)
    return round(rng.uniform(55, 97), 1)


def attempt_memory_peak(seed: int, attempt_id: str, plan: JobPlan,
                        util: float | None) -> float | None:
    """Peak memory on one GPU of an attempt, GB: 20-95 % of the GPU's memory, from noise
    (no RNG draw); None when utilization is not measured either, or without GPUs."""
    gpu_memory = catalog.instance(plan.provider, plan.instance_type).gpu_memory_gib
    if util is None or not gpu_memory:
        return None
    return round(gpu_memory * (0.2 + 0.75 * noise("gpu-memory", seed, attempt_id)), 2)


CHECKPOINT_HOME = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}
# Defaults of the marts' vars mlcost_repeat_window_days, mlcost_checkpoints_keep and
# mlcost_checkpoint_archive_days, which the planted facts and their truth assume.
REPEAT_WINDOW_DAYS = 30
# First job number of those scenarios (job-90001-...), apart from the drawn jobs'.
PLANTED_JOB_SEQ = 90_000
CHECKPOINTS_KEEP = 3
CHECKPOINT_ARCHIVE_DAYS = 30
# Builder.scheduling_scenario: its jobs' numbers (job-93001-...), apart from the others';
# the working hours of the team whose notebook machine it plants (its row of the seed
# working_hours.csv); the default of var mlcost_peak_hours. Days: Monday = 0.
SCHEDULING_JOB_SEQ = 93_000
SCHEDULING_TEAM = "speech"
SCHEDULING_WORKING_HOURS = ("Europe/Berlin", (0, 1, 2, 3, 4), 8, 17)
PEAK_HOURS = ("America/New_York", (0, 1, 2, 3, 4), 9, 17)


def storage_name(provider: str, role: str, team: str, region: str) -> str:
    """Bucket (S3, GCS) or storage account (Azure) name of a team's datasets or checkpoints."""
    if provider == "azure":
        return f"tlml{role[:5]}{team[:6]}"
    return f"tl-ml-{role}-{team}-{region}"


def checkpoint_uri(plan: JobPlan, job_id: str, step: int) -> str:
    """Where a trainer writes a checkpoint: the team's checkpoint bucket, or on Azure the
    `checkpoints` container of its storage account as an ADLS Gen2 (abfss) URI."""
    team = plan.person.team
    name = storage_name(plan.provider, "checkpoints", team, CHECKPOINT_HOME[plan.provider])
    path = f"{plan.project}/{job_id}/step-{step:08d}/"
    if plan.provider == "aws":
        return f"s3://{name}/{path}"
    if plan.provider == "gcp":
        return f"gs://{name}/{path}"
    return f"abfss://checkpoints@{name}.dfs.core.windows.net/{team}/{path}"


def contract_volume_id(inst: Instance) -> str:
    """A node's disk as its platform records it: the EBS volume id, the GCE disk's
    `projects/.../disks/name` path, the Azure disk id; now and then with a local scratch
    disk the bill never shows (the contract's list, ';'-separated)."""
    disk = inst.disk_id
    if inst.provider == "gcp":
        disk = disk.removeprefix("//compute.googleapis.com/")
    if noise("scratch-disk", inst.resource_id) < 0.25:
        return f"{disk};local-nvme-{inst.resource_name[:12]}"
    return disk


def dataset_uri(job: Job) -> str:
    """The dataset a batch job reads: for about 60% its cloud's datasets bucket (Azure as
    an abfss or a blob https URI), for a few a public dataset on the web, else unknown."""
    pick = noise("dataset-uri", job.job_id)
    home = {"aws": "us-east-1", "gcp": "us-central1", "azure": "eastus"}[job.provider]
    team = "speech" if job.provider == "azure" else "platform"
    name = storage_name(job.provider, "datasets", team, home)
    path = f"{job.project}/{job.model_name}/v{1 + int(pick * 10) % 3}/"
    if pick < 0.3:
        if job.provider == "aws":
            return f"s3://{name}/{path}"
        if job.provider == "gcp":
            return f"gs://{name}/{path}"
        return f"abfss://datasets@{name}.dfs.core.windows.net/{path}"
    if pick < 0.6:
        if job.provider == "azure":
            return f"https://{name}.blob.core.windows.net/datasets/{path}"
        return f"{'s3' if job.provider == 'aws' else 'gs'}://{name}/{path}"
    if pick < 0.7:
        return f"https://huggingface.co/datasets/tensorloop/{job.model_name}/"
    return ""


def sp_factor(instance_type: str) -> float:
    family = instance_type.split(".")[0]
    return catalog.AWS_SP_RATE_FACTOR.get(family, 0.72)


# --------------------------------------------------------------------------------------
# Charge generation
# --------------------------------------------------------------------------------------


@dataclass
class Slice:
    inst: Instance
    hour: int
    secs: int
    cover: str = ""  # "" | ri | sp | cud | res


# Charge's fields after charge_end, in order (what _hourly copies from a template).
_FIELDS = list(Charge.__dataclass_fields__)
assert _FIELDS[6:8] == ["charge_start", "charge_end"]
assert _FIELDS[-1] == "origin"
_AFTER_PERIOD = operator.attrgetter(*_FIELDS[8:-1])


class ChargeGenerator:
    """Turns the world into Charges, one day (or one month-close) at a time."""

    def __init__(self, w: World) -> None:
        self.w = w
        # per period: (provider, sub_account, service) -> billed, for tax and support
        self.period_billed: dict[str, dict[tuple[str, str, str], float]] = {}
        self.ri_effective: dict[str, float] = {}
        self.res_effective: dict[str, float] = {}
        self.research_ec2: dict[str, float] = {}
        self._period_of_start: dict[datetime, str] = {}
        self._accounts: dict[tuple[str, str], tuple[str, str]] = {}
        # The day's hourly lines by what they depend on (see _hourly); emptied every day.
        self._templates: dict[tuple, list[tuple]] = {}

    # ------------------------------------------------------------------ bookkeeping

    def _book(self, charges: list[Charge]) -> list[Charge]:
        periods = self._period_of_start
        for c in charges:
            period = periods.get(c.charge_start)
            if period is None:
                period = periods[c.charge_start] = c.charge_start.strftime("%Y-%m")
            book = self.period_billed.setdefault(period, {})
            key = (c.provider, c.sub_account_id, c.service)
            book[key] = book.get(key, 0.0) + c.billed_cost
            if c.commitment_type == "reserved_instance" and c.kind == "commitment_usage":
                self.ri_effective[period] = self.ri_effective.get(period, 0.0) + c.effective_cost
            if c.commitment_type == "azure_reservation" and c.kind == "commitment_usage":
                self.res_effective[period] = self.res_effective.get(period, 0.0) + \
                    c.effective_cost
            if c.provider == "aws" and c.sub_account_id == catalog.AWS_RESEARCH and \
                    c.service == "AmazonEC2" and c.kind == "usage":
                self.research_ec2[period] = self.research_ec2.get(period, 0.0) + c.billed_cost
        return charges

    # ------------------------------------------------------------------ one day

    def day(self, d: int) -> list[Charge]:
        w = self.w
        day0 = w.start + d * DAY
        day1 = day0 + DAY
        self._templates = {}
        by_hour: dict[int, list[Slice]] = {}
        for inst in w.instances_by_day[d]:
            h = max(day0, hour_floor(inst.start))
            stop = min(day1, inst.end)
            while h < stop:
                secs = min(h + HOUR, inst.end) - max(h, inst.start)
                if secs > 0:
                    by_hour.setdefault(h, []).append(Slice(inst, h, secs))
                h += HOUR
        out: list[Charge] = []
        for h in range(day0, day1, HOUR):
            slices = by_hour.get(h, [])
            out.extend(self.hour(h, slices))
        for vol in w.volumes_by_day[d]:
            h = max(day0, hour_floor(vol.start))
            stop = min(day1, vol.end)
            while h < stop:
                secs = min(h + HOUR, vol.end) - max(h, vol.start)
                out.extend(self._hourly(("volume", id(vol), secs), h, lambda: [
                    self.volume_charge(vol.provider, vol.resource_id, vol.name, vol.region,
                                       vol.zone, vol.sub_account, vol.gb, h, secs,
                                       vol.owner_team, vol.tags)]))
                h += HOUR
        for tr in w.transfers_by_day[d]:
            out.append(self.transfer_charge(tr.provider, tr.resource_id, tr.resource_name,
                                            tr.sub_account, tr.region, tr.hour, tr.gb,
                                            tr.transfer_type, tr.to, tr.service, tr.owner_team,
                                            tr.tags))
        for b in w.buckets:
            out.extend(self.bucket_charges(b, day0))
        return self._book(out)

    def hour(self, h: int, slices: list[Slice]) -> list[Charge]:
        w = self.w
        out: list[Charge] = []
        aws = [s for s in slices if s.inst.provider == "aws"]
        gcp = [s for s in slices if s.inst.provider == "gcp"]
        azure = [s for s in slices if s.inst.provider == "azure"]
        sp_used = self.apply_aws_commitments(aws)
        cud_used = self.apply_gcp_cud(gcp)
        self.apply_azure_reservation(azure)
        for s in slices:
            i = s.inst
            out.extend(self._hourly(("compute", id(i), s.secs, s.cover), h,
                                    lambda: self.compute_charges(s)))
            if i.disk_id and i.role != "sagemaker":
                out.extend(self._hourly(("disk", id(i), s.secs), h, lambda: [
                    self.volume_charge(i.provider, i.disk_id, i.disk_name, i.region, i.zone,
                                       i.sub_account, i.disk_gb, h, s.secs, i.owner_team,
                                       i.disk_tags)]))
            if s.inst.serving_egress:
                out.extend(self.serving_egress(s))
        if w.start <= h < w.end:
            out.append(self.sp_fee(h, sp_used))
            out.append(self.cud_fee(h, cud_used))
            out.extend(self.nat_charges(h, aws))
        return out

    def _hourly(self, key: tuple, h: int, build) -> list[Charge]:
        """The Charges ``build()`` makes for hour ``h``, where everything but the line key's
        trailing ``|h`` and the charge period [h, h + 1 hour) depends on ``key`` alone (a
        machine's or disk's world record, its running seconds in the hour, its commitment
        cover; the month's length is the same all day). The first hour of a key in a day is
        built; the others copy its fields (and name it as their ``origin``): the same values,
        without recomputing prices, descriptions and roundings for every hour of every
        machine."""
        templates = self._templates.get(key)
        if templates is None:
            charges = build()
            suffix = len(str(h))
            assert all(c.line_key.endswith(f"|{h}") and c.charge_start == dt_cached(h)
                       and c.charge_end == dt_cached(h + HOUR) for c in charges)
            self._templates[key] = [
                (c.line_key[:-suffix], c.provider, c.billing_account_id, c.sub_account_id,
                 c.sub_account_name, c.kind, _AFTER_PERIOD(c), c) for c in charges]
            return charges
        start, end, hour = dt_cached(h), dt_cached(h + HOUR), str(h)
        return [Charge(provider, prefix + hour, payer, account, name, kind, start, end, *rest,
                       origin)
                for prefix, provider, payer, account, name, kind, rest, origin in templates]

    # ------------------------------------------------------------------ commitments

    def apply_aws_commitments(self, aws: list[Slice]) -> float:
        """RI first (whole lines up to its capacity), then the Savings Plan on the lines with
        the highest discount, each line fully covered or not at all. Returns SP used $.

        Both were bought in ml-prod with commitment sharing turned off, so only ml-prod
        usage gets the discount (research runs at on-demand or spot prices)."""
        w = self.w
        cap = w.ri_count * HOUR
        for s in sorted(aws, key=lambda s: s.inst.resource_id):
            i = s.inst
            if (i.role != "sagemaker" and not i.spot and i.sub_account == catalog.AWS_PROD
                    and i.instance_type == catalog.AWS_RI_INSTANCE_TYPE
                    and i.region == "us-east-1" and s.secs <= cap):
                s.cover = "ri"
                cap -= s.secs
        remaining = w.sp_commitment
        eligible = [s for s in aws if s.inst.role != "sagemaker" and not s.inst.spot
                    and s.inst.sub_account == catalog.AWS_PROD and not s.cover]
        eligible.sort(key=lambda s: (sp_factor(s.inst.instance_type), s.inst.resource_id))
        used = 0.0
        for s in eligible:
            it = catalog.instance("aws", s.inst.instance_type)
            cost = money(it.hourly * sp_factor(it.name) * s.secs / HOUR)
            if cost <= remaining + 1e-12:
                s.cover = "sp"
                remaining -= cost
                used += cost
        return used

    def apply_gcp_cud(self, gcp: list[Slice]) -> float:
        """The A100 CUD covers whole GPU lines in us-central1 up to its GPU-seconds; returns
        the effective cost of the covered lines."""
        cap = self.w.cud_gpus * HOUR
        used = 0.0
        for s in sorted(gcp, key=lambda s: s.inst.resource_id):
            i = s.inst
            if i.instance_type.startswith("a2-") and not i.spot and i.region == "us-central1":
                need = i.gpus * s.secs
                if need <= cap:
                    s.cover = "cud"
                    cap -= need
                    used += money(catalog.instance("gcp", i.instance_type).gpu_rate *
                                  catalog.GCP_CUD_RATE_FACTOR * i.gpus * s.secs / HOUR)
        return used

    def apply_azure_reservation(self, azure: list[Slice]) -> None:
        cap = self.w.res_count * HOUR
        for s in sorted(azure, key=lambda s: s.inst.resource_id):
            i = s.inst
            if (i.instance_type == catalog.AZURE_RES_INSTANCE_TYPE and not i.spot
                    and i.region == "eastus" and s.secs <= cap):
                s.cover = "res"
                cap -= s.secs

    # ------------------------------------------------------------------ charge builders

    def _charge(self, provider: str, line_key: str, sub_account: str, kind: str, start: int,
                end: int, service: str, sku: str, sku_description: str, operation: str,
                region: str, zone: str, resource_id: str, resource_name: str,
                instance_type: str, usage_amount: float, usage_unit: str,
                running_seconds: float, pricing: str, list_cost: float, billed_cost: float,
                effective_cost: float, owner_team: str = "", tags: dict | None = None,
                commitment_id: str = "", commitment_type: str = "", transfer_from: str = "",
                transfer_to: str = "", transfer_type: str = "", unit_price: float = 0.0,
                list_unit_price: float = 0.0, effective_unit_price: float = 0.0) -> Charge:
        accounts = self._accounts.get((provider, sub_account))
        if accounts is None:
            accounts = self._accounts[(provider, sub_account)] = (
                catalog.billing_account(provider, sub_account),
                catalog.account_name(provider, sub_account))
        # Positional, in Charge's field order: the hottest call of a big sample.
        return Charge(provider, line_key, accounts[0], sub_account, accounts[1], kind,
                      dt_cached(start), dt_cached(end), service, sku, sku_description,
                      operation, region, zone, resource_id, resource_name, instance_type,
                      round(usage_amount, 10), usage_unit, float(running_seconds), pricing,
                      round(list_cost, 10) + 0.0, round(billed_cost, 10) + 0.0,
                      round(effective_cost, 10) + 0.0, "USD", commitment_id,
                      commitment_type, transfer_from, transfer_to, transfer_type,
                      tags if tags is not None else {}, owner_team, unit_price,
                      list_unit_price, effective_unit_price)

    def compute_charges(self, s: Slice) -> list[Charge]:
        i = s.inst
        h = s.hour
        if i.provider == "aws":
            return self.aws_compute(s)
        it = catalog.instance(i.provider, i.instance_type)
        hours = s.secs / HOUR
        out = []
        if i.provider == "gcp":
            for component, sku, qty in catalog.gcp_vm_skus(it, i.region, i.spot):
                usage = qty * hours
                list_price = sku.unit_price / (it.spot_factor if i.spot else 1.0)
                list_cost = list_price * usage
                billed = sku.unit_price * usage
                kind, pricing, effective, eff_rate = "usage", ("spot" if i.spot else "on_demand"), \
                    billed, sku.unit_price
                cid = ctype = ""
                if s.cover == "cud" and component == "gpu":
                    eff_rate = round(sku.unit_price * catalog.GCP_CUD_RATE_FACTOR, 10)
                    kind, pricing, billed, effective = "commitment_usage", "committed", 0.0, \
                        eff_rate * usage
                    cid, ctype = catalog.GCP_CUD_NAME, "cud"
                out.append(self._charge(
                    "gcp", f"gcp|{kind}|{i.resource_id}|{sku.sku_id}|{h}", i.sub_account, kind, h,
                    h + HOUR, "Compute Engine", sku.sku_id, sku.description, "", i.region, i.zone,
                    i.resource_id, i.resource_name, i.instance_type, usage, sku.unit, s.secs,
                    pricing, list_cost, billed, effective, i.owner_team, i.tags, cid, ctype,
                    unit_price=sku.unit_price, list_unit_price=round(list_price, 10),
                    effective_unit_price=eff_rate))
            return out
        # azure
        meter = catalog.azure_vm_meter(it, i.region, i.spot)
        list_cost = it.hourly * hours
        billed = meter.unit_price * hours
        kind, pricing, effective, eff_rate = "usage", ("spot" if i.spot else "on_demand"), \
            billed, meter.unit_price
        cid = ctype = ""
        if s.cover == "res":
            eff_rate = round(it.hourly * catalog.AZURE_RES_RATE_FACTOR, 10)
            kind, pricing, billed, effective = "commitment_usage", "committed", 0.0, \
                eff_rate * hours
            cid, ctype = catalog.AZURE_RES_ID, "azure_reservation"
        out.append(self._charge(
            "azure", f"azure|{kind}|{i.resource_id}|{meter.sku_id}|{h}", i.sub_account, kind, h,
            h + HOUR, "Virtual Machines", meter.sku_id, meter.description, "", i.region, "",
            i.resource_id, i.resource_name, i.instance_type, hours, "1 Hour", s.secs, pricing,
            list_cost, billed, effective, i.owner_team, i.tags, cid, ctype,
            unit_price=meter.unit_price, list_unit_price=it.hourly,
            effective_unit_price=eff_rate))
        return out

    def aws_compute(self, s: Slice) -> list[Charge]:
        i = s.inst
        h = s.hour
        it = catalog.instance("aws", i.instance_type)
        reg = catalog.region("aws", i.region)
        hours = s.secs / HOUR
        if i.role == "sagemaker":
            usage = hours * i.count
            usage_type = f"{reg.transfer_prefix}-Train:{it.name}"
            return [self._charge(
                "aws", f"aws|usage|{i.resource_id}|{usage_type}|{h}", i.sub_account, "usage", h,
                h + HOUR, "AmazonSageMaker", usage_type,
                f"${it.hourly:g} per Train:{it.name} hour in {reg.location}", "RunInstance",
                i.region, "", i.resource_id, i.resource_name, it.name, usage, "Hrs",
                s.secs * i.count, "on_demand", it.hourly * usage, it.hourly * usage,
                it.hourly * usage, i.owner_team, i.tags, unit_price=it.hourly,
                list_unit_price=it.hourly, effective_unit_price=it.hourly)]
        prefix = f"{reg.usage_prefix}-" if reg.usage_prefix else ""
        list_cost = it.hourly * hours
        if i.spot:
            rate = round(it.hourly * it.spot_factor, 4)
            usage_type = f"{prefix}SpotUsage:{it.name}"
            return [self._charge(
                "aws", f"aws|usage|{i.resource_id}|{usage_type}|{h}", i.sub_account, "usage", h,
                h + HOUR, "AmazonEC2", usage_type,
                f"${rate:g} per Linux/UNIX (Amazon VPC) Spot Instance-hour for {it.name} in "
                f"{reg.location}", "RunInstances:SV001", i.region, i.zone, i.resource_id,
                i.resource_name, it.name, hours, "Hrs", s.secs, "spot", list_cost,
                rate * hours, rate * hours, i.owner_team, i.tags, unit_price=rate,
                list_unit_price=it.hourly, effective_unit_price=rate)]
        usage_type = f"{prefix}BoxUsage:{it.name}"
        od_desc = f"${it.hourly:g} per On Demand Linux {it.name} Instance Hour"
        if s.cover == "ri":
            rate = catalog.AWS_RI_HOURLY
            return [self._charge(
                "aws", f"aws|commitment_usage|{i.resource_id}|{usage_type}|{h}", i.sub_account,
                "commitment_usage", h, h + HOUR, "AmazonEC2", usage_type,
                f"USD {rate} hourly fee per Linux/UNIX (Amazon VPC), {it.name} instance",
                "RunInstances", i.region, i.zone, i.resource_id, i.resource_name, it.name,
                hours, "Hrs", s.secs, "committed", list_cost, 0.0, rate * hours, i.owner_team,
                i.tags, catalog.AWS_RI_ARN, "reserved_instance", unit_price=0.0,
                list_unit_price=it.hourly, effective_unit_price=rate)]
        if s.cover == "sp":
            rate = round(it.hourly * sp_factor(it.name), 10)
            covered = self._charge(
                "aws", f"aws|commitment_usage|{i.resource_id}|{usage_type}|{h}", i.sub_account,
                "commitment_usage", h, h + HOUR, "AmazonEC2", usage_type, od_desc,
                "RunInstances", i.region, i.zone, i.resource_id, i.resource_name, it.name,
                hours, "Hrs", s.secs, "committed", list_cost, list_cost, rate * hours,
                i.owner_team, i.tags, catalog.AWS_SP_ARN, "savings_plan",
                unit_price=it.hourly, list_unit_price=it.hourly, effective_unit_price=rate)
            sku = catalog.aws_product_sku(usage_type, "RunInstances", i.region)
            negation = self._charge(
                "aws", f"aws|commitment_negation|{i.resource_id}|{usage_type}|{h}",
                i.sub_account, "commitment_negation", h, h + HOUR, "AmazonEC2", usage_type,
                f"SavingsPlanNegation used by AccountId : {i.sub_account} and UsageSku : {sku}",
                "RunInstances", i.region, i.zone, i.resource_id, i.resource_name, it.name,
                hours, "Hrs", s.secs, "committed", 0.0, -covered.billed_cost, 0.0,
                i.owner_team, i.tags, catalog.AWS_SP_ARN, "savings_plan",
                unit_price=-it.hourly, list_unit_price=it.hourly, effective_unit_price=0.0)
            return [covered, negation]
        return [self._charge(
            "aws", f"aws|usage|{i.resource_id}|{usage_type}|{h}", i.sub_account, "usage", h,
            h + HOUR, "AmazonEC2", usage_type, od_desc, "RunInstances", i.region, i.zone,
            i.resource_id, i.resource_name, it.name, hours, "Hrs", s.secs, "on_demand",
            list_cost, list_cost, list_cost, i.owner_team, i.tags, unit_price=it.hourly,
            list_unit_price=it.hourly, effective_unit_price=it.hourly)]

    def volume_charge(self, provider: str, rid: str, name: str, region: str, zone: str,
                      sub: str, gb: int, h: int, secs: int, owner: str,
                      tags: dict[str, str]) -> Charge:
        month_fraction = secs / (days_in_month(h) * DAY)
        if provider == "aws":
            reg = catalog.region("aws", region)
            prefix = f"{reg.usage_prefix}-" if reg.usage_prefix else ""
            usage = gb * month_fraction
            rate = catalog.AWS_EBS_GP3_GB_MONTH
            return self._charge(
                "aws", f"aws|usage|{rid}|{prefix}EBS:VolumeUsage.gp3|{h}", sub, "usage", h,
                h + HOUR, "AmazonEC2", f"{prefix}EBS:VolumeUsage.gp3",
                f"${rate} per GB-month of General Purpose (gp3) provisioned storage - "
                f"{reg.location}", "CreateVolume-Gp3", region, zone, rid, name, "", usage,
                "GB-Mo", 0, "on_demand", rate * usage, rate * usage, rate * usage, owner, tags,
                unit_price=rate, list_unit_price=rate, effective_unit_price=rate)
        if provider == "gcp":
            sku = catalog.gcp_pd_sku(region)
            usage = gb * month_fraction
            cost = sku.unit_price * usage
            return self._charge(
                "gcp", f"gcp|usage|{rid}|{sku.sku_id}|{h}", sub, "usage", h, h + HOUR,
                "Compute Engine", sku.sku_id, sku.description, "", region, zone, rid, name, "",
                usage, sku.unit, 0, "on_demand", cost, cost, cost, owner, tags,
                unit_price=sku.unit_price, list_unit_price=sku.unit_price,
                effective_unit_price=sku.unit_price)
        meter = catalog.azure_disk_meter("P30" if gb >= 1000 else "P15", region)
        usage = month_fraction
        cost = meter.unit_price * usage
        return self._charge(
            "azure", f"azure|usage|{rid}|{meter.sku_id}|{h}", sub, "usage", h, h + HOUR,
            "Storage", meter.sku_id, meter.description, "", region, "", rid, name, "", usage,
            meter.unit, 0, "on_demand", cost, cost, cost, owner, tags,
            unit_price=meter.unit_price, list_unit_price=meter.unit_price,
            effective_unit_price=meter.unit_price)

    def transfer_charge(self, provider: str, rid: str, name: str, sub: str, region: str, h: int,
                        gb: float, transfer_type: str, to: str, service: str, owner: str,
                        tags: dict[str, str], xaz: bool = False) -> Charge:
        """One metered transfer line. Inter-cloud transfers bill as internet egress: only
        the truth knows the other end is a cloud. ``xaz``: an AWS inter-AZ line on the
        xAZ-In / xAZ-Out meters instead of DataTransfer-Regional-Bytes."""
        # Inbound lines bill in the receiving region (``region``); ``to`` names the other
        # end. The charge keeps the direction of the bytes: from the sender to the receiver.
        sender, receiver = region, to
        if transfer_type == "internet_inbound":
            sender, receiver = "", region
        elif transfer_type == "inter_region_inbound":
            sender, receiver = to, region
        elif transfer_type.endswith("_inbound"):
            sender, receiver = region, region
        if provider == "aws":
            src = catalog.region("aws", region).transfer_prefix
            if transfer_type == "inter_region":
                usage_type = f"{src}-{catalog.region('aws', to).transfer_prefix}-AWS-Out-Bytes"
                rate, op = catalog.AWS_INTER_REGION_GB, "GetObject"
                desc = (f"${rate} per GB - {catalog.region('aws', region).location} data "
                        f"transfer to {catalog.region('aws', to).location}")
            elif transfer_type == "inter_region_inbound":
                # The receiving region comes first on In lines.
                usage_type = f"{src}-{catalog.region('aws', to).transfer_prefix}-AWS-In-Bytes"
                rate, op = catalog.AWS_INTER_REGION_IN_GB, "GetObject"
                desc = (f"${rate:.2f} per GB - {catalog.region('aws', region).location} data "
                        f"transfer from {catalog.region('aws', to).location}")
            elif transfer_type == "internet_inbound":
                usage_type = f"{src}-DataTransfer-In-Bytes"
                rate, op = catalog.AWS_INTERNET_IN_GB, "RunInstances"
                desc = f"${rate:.2f} per GB - data transfer in per month"
            elif transfer_type in ("inter_az", "inter_az_inbound") and xaz:
                way = "In" if transfer_type == "inter_az_inbound" else "Out"
                usage_type = f"{src}-DataTransfer-xAZ-{way}-Bytes"
                rate, op = catalog.AWS_INTER_AZ_GB, f"InterZone-{way}"
                desc = f"${rate} per GB - data transfer {way.lower()} between availability zones"
            elif transfer_type == "inter_az":
                usage_type = f"{src}-DataTransfer-Regional-Bytes"
                rate, op = catalog.AWS_INTER_AZ_GB, "InterZone-Out"
                desc = (f"${rate} per GB - regional data transfer - in/out/between EC2 AZs "
                        "or using elastic IPs or ELB")
            elif transfer_type == "nat":
                usage_type = f"{src}-NatGateway-Bytes"
                rate, op = catalog.AWS_NAT_GB, "NatGateway"
                desc = f"${rate} per GB Data Processed by NAT Gateways"
            else:
                usage_type = f"{src}-DataTransfer-Out-Bytes"
                rate = catalog.AWS_INTERNET_OUT_GB
                op = "GetObject" if service == "AmazonS3" else "RunInstances"
                desc = (f"${rate} per GB - first 10 TB / month data transfer out beyond the "
                        "global free tier")
            cost = rate * gb
            return self._charge(
                "aws", f"aws|usage|{rid}|{usage_type}|{op}|{h}", sub, "usage", h, h + HOUR,
                service, usage_type, desc, op, region, "", rid, name, "", gb, "GB", 0,
                "on_demand", cost, cost, cost, owner, tags, transfer_from=sender,
                transfer_to=receiver, transfer_type=transfer_type, unit_price=rate,
                list_unit_price=rate, effective_unit_price=rate)
        if provider == "gcp":
            sku = catalog.gcp_network_sku(
                "internet" if transfer_type == "inter_cloud" else transfer_type, region, to)
            cost = sku.unit_price * gb
            return self._charge(
                "gcp", f"gcp|usage|{rid}|{sku.sku_id}|{h}", sub, "usage", h, h + HOUR,
                "Networking", sku.sku_id, sku.description, "", region, "", rid, name, "", gb,
                sku.unit, 0, "on_demand", cost, cost, cost, owner, tags, transfer_from=region,
                transfer_to=to, transfer_type=transfer_type, unit_price=sku.unit_price,
                list_unit_price=sku.unit_price, effective_unit_price=sku.unit_price)
        if transfer_type.startswith(("peering", "private_link")):
            meter = catalog.azure_virtual_network_meter(transfer_type, region)
        else:
            meter = catalog.azure_bandwidth_meter(
                "inter_region" if transfer_type == "inter_region" else "internet", region)
        cost = meter.unit_price * gb
        return self._charge(
            "azure", f"azure|usage|{rid}|{meter.sku_id}|{h}", sub, "usage", h, h + HOUR,
            meter.service, meter.sku_id, meter.description, "", region, "", rid, name, "", gb,
            meter.unit, 0, "on_demand", cost, cost, cost, owner, tags, transfer_from=sender,
            transfer_to=receiver, transfer_type=transfer_type, unit_price=meter.unit_price,
            list_unit_price=meter.unit_price, effective_unit_price=meter.unit_price)

    def serving_egress(self, s: Slice) -> list[Charge]:
        """Serving endpoints answer the internet and call services in other zones."""
        i = s.inst
        frac = s.secs / HOUR
        out = []
        internet_gb = round((1.0 + 5.0 * noise("egress", i.resource_id, s.hour)) * frac, 6)
        if i.provider == "aws":
            out.append(self.transfer_charge("aws", i.resource_id, i.resource_name, i.sub_account,
                                            i.region, s.hour, internet_gb, "internet",
                                            "internet", "AmazonEC2", i.owner_team, i.tags))
            # Requests arrive from the internet (free In line); some hours call a database
            # in another zone, metered on the xAZ-In / xAZ-Out meters.
            in_gb = round((0.5 + 2.0 * noise("ingress", i.resource_id, s.hour)) * frac, 6)
            out.append(self.transfer_charge("aws", i.resource_id, i.resource_name, i.sub_account,
                                            i.region, s.hour, in_gb, "internet_inbound",
                                            "internet", "AmazonEC2", i.owner_team, i.tags))
            if noise("xaz-hour", i.resource_id, s.hour) < 0.25:
                for way in ("inter_az", "inter_az_inbound"):
                    xaz_gb = round((0.2 + noise(way, i.resource_id, s.hour)) * frac, 6)
                    out.append(self.transfer_charge(
                        "aws", i.resource_id, i.resource_name, i.sub_account, i.region,
                        s.hour, xaz_gb, way, i.region, "AmazonEC2", i.owner_team, i.tags,
                        xaz=True))
            az_gb = round((2.0 + 8.0 * noise("interaz", i.resource_id, s.hour)) * frac, 6)
            out.append(self.transfer_charge("aws", i.resource_id, i.resource_name, i.sub_account,
                                            i.region, s.hour, az_gb, "inter_az", i.region,
                                            "AmazonEC2", i.owner_team, i.tags))
        elif i.provider == "gcp":
            out.append(self.transfer_charge("gcp", i.resource_id, i.resource_name, i.sub_account,
                                            i.region, s.hour, internet_gb, "internet",
                                            "internet", "Networking", i.owner_team, i.tags))
            az_gb = round((1.0 + 4.0 * noise("interaz", i.resource_id, s.hour)) * frac, 6)
            out.append(self.transfer_charge("gcp", i.resource_id, i.resource_name, i.sub_account,
                                            i.region, s.hour, az_gb, "inter_az", i.region,
                                            "Networking", i.owner_team, i.tags))
        else:
            out.append(self.transfer_charge("azure", i.resource_id, i.resource_name,
                                            i.sub_account, i.region, s.hour, internet_gb,
                                            "internet", "internet", "Bandwidth", i.owner_team,
                                            i.tags))
        return out

    def nat_charges(self, h: int, aws: list[Slice]) -> list[Charge]:
        """The research VPC's NAT gateway: hourly, plus bytes from GPU boxes pulling
        packages and model weights."""
        rid = (f"arn:aws:ec2:us-east-1:{catalog.AWS_RESEARCH}:natgateway/"
               f"nat-0{hashlib.sha256(str(self.w.seed).encode()).hexdigest()[:17]}")
        busy = sum(1 for s in aws if s.inst.sub_account == catalog.AWS_RESEARCH
                   and s.inst.region == "us-east-1" and s.inst.gpus > 0)
        tags = {"team": "platform", "environment": "research"}
        rate = catalog.AWS_NAT_HOUR
        out = [self._charge(
            "aws", f"aws|usage|{rid}|USE1-NatGateway-Hours|{h}", catalog.AWS_RESEARCH, "usage",
            h, h + HOUR, "AmazonEC2", "USE1-NatGateway-Hours",
            f"${rate} per NAT Gateway Hour", "NatGateway", "us-east-1", "", rid, "", "", 1.0,
            "Hrs", 0, "on_demand", rate, rate, rate, "platform", tags, unit_price=rate,
            list_unit_price=rate, effective_unit_price=rate)]
        gb = round(0.2 + busy * (0.3 + 0.7 * noise("nat", h)), 6)
        out.append(self.transfer_charge("aws", rid, "", catalog.AWS_RESEARCH, "us-east-1", h, gb,
                                        "nat", "internet", "AmazonEC2", "platform", tags))
        return out

    def sp_fee(self, h: int, used: float) -> Charge:
        """The hourly SavingsPlanRecurringFee. Partial upfront: the line bills the recurring
        half; the effective cost is the unused part of the whole commitment (the upfront half
        was paid before the window and is amortized onto the hours)."""
        c = self.w.sp_commitment
        recurring = money(c * (1 - catalog.AWS_SP_UPFRONT_FRACTION))
        return self._charge(
            "aws", f"aws|commitment_fee|{catalog.AWS_SP_ARN}|{h}", catalog.AWS_PROD,
            "commitment_fee", h, h + HOUR, "ComputeSavingsPlans", catalog.AWS_SP_USAGE_TYPE,
            f"1 year Partial Upfront Compute Savings Plan with {c} USD hourly commitment", "",
            "", "", catalog.AWS_SP_ARN, "", "", 1.0, "Hrs", 0, "", 0.0, recurring,
            max(0.0, c - used), commitment_id=catalog.AWS_SP_ARN,
            commitment_type="savings_plan", unit_price=recurring)

    def cud_fee(self, h: int, used: float) -> Charge:
        sku = catalog.gcp_cud_fee_sku("us-central1")
        n = self.w.cud_gpus
        billed = money(sku.unit_price * n)
        return self._charge(
            "gcp", f"gcp|commitment_fee|{catalog.GCP_CUD_NAME}|{h}", catalog.GCP_RESEARCH,
            "commitment_fee", h, h + HOUR, "Compute Engine", sku.sku_id, sku.description, "",
            "us-central1", "", catalog.GCP_CUD_NAME, "a100-commitment-2026", "", float(n),
            sku.unit, 0, "", 0.0, billed, max(0.0, billed - used),
            commitment_id=catalog.GCP_CUD_NAME, commitment_type="cud",
            unit_price=sku.unit_price)

    def bucket_charges(self, b: Bucket, day0: int) -> list[Charge]:
        """Daily storage line for a bucket: datasets grow; checkpoint buckets hold the
        checkpoints of the last ``retention_days`` (a lifecycle rule deletes older ones)."""
        w = self.w
        gb = b.base_gb + b.growth_gb_per_day * ((day0 - w.start) / DAY)
        lo = day0 - b.retention_days * DAY
        gb += sum(size for saved, size in b.checkpoints if lo < saved <= day0 + DAY)
        month_fraction = 1.0 / days_in_month(day0)
        usage = gb * month_fraction
        out = []
        if b.provider == "aws":
            reg = catalog.region("aws", b.region)
            prefix = f"{reg.usage_prefix}-" if reg.usage_prefix else ""
            rate = catalog.AWS_S3_STANDARD_GB_MONTH
            out.append(self._charge(
                "aws", f"aws|usage|{b.resource_id}|{prefix}TimedStorage-ByteHrs|{day0}",
                b.sub_account, "usage", day0, day0 + DAY, "AmazonS3",
                f"{prefix}TimedStorage-ByteHrs",
                f"${rate} per GB - first 50 TB / month of storage used", "StandardStorage",
                b.region, "", b.resource_id, b.name, "", usage, "GB-Mo", 0, "on_demand",
                rate * usage, rate * usage, rate * usage, b.owner_team, b.tags,
                unit_price=rate, list_unit_price=rate, effective_unit_price=rate))
            puts = 2000 + int(40000 * noise("put", b.name, day0))
            gets = 20000 + int(400000 * noise("get", b.name, day0))
            for ut, op, count, price in [(f"{prefix}Requests-Tier1", "PutObject", puts,
                                          catalog.AWS_S3_TIER1_PER_1000),
                                         (f"{prefix}Requests-Tier2", "GetObject", gets,
                                          catalog.AWS_S3_TIER2_PER_1000)]:
                rate = price / 1000
                out.append(self._charge(
                    "aws", f"aws|usage|{b.resource_id}|{ut}|{day0}", b.sub_account, "usage",
                    day0, day0 + DAY, "AmazonS3", ut,
                    f"${price} per 1,000 "
                    f"{'PUT, COPY, POST, or LIST' if op == 'PutObject' else 'GET and all other'}"
                    " requests",
                    op, b.region, "", b.resource_id, b.name, "", float(count), "Requests", 0,
                    "on_demand", rate * count, rate * count, rate * count, b.owner_team,
                    b.tags, unit_price=rate, list_unit_price=rate, effective_unit_price=rate))
            return out
        if b.provider == "gcp":
            sku = catalog.gcp_gcs_sku(b.region)
            cost = sku.unit_price * usage
            return [self._charge(
                "gcp", f"gcp|usage|{b.resource_id}|{sku.sku_id}|{day0}", b.sub_account, "usage",
                day0, day0 + DAY, "Cloud Storage", sku.sku_id, sku.description, "", b.region, "",
                b.resource_id, b.name, "", usage, sku.unit, 0, "on_demand", cost, cost, cost,
                b.owner_team, b.tags, unit_price=sku.unit_price,
                list_unit_price=sku.unit_price, effective_unit_price=sku.unit_price)]
        meter = catalog.azure_blob_meter(b.region)
        cost = meter.unit_price * usage
        return [self._charge(
            "azure", f"azure|usage|{b.resource_id}|{meter.sku_id}|{day0}", b.sub_account,
            "usage", day0, day0 + DAY, "Storage", meter.sku_id, meter.description, "", b.region,
            "", b.resource_id, b.name, "", usage, meter.unit, 0, "on_demand", cost, cost, cost,
            b.owner_team, b.tags, unit_price=meter.unit_price,
            list_unit_price=meter.unit_price, effective_unit_price=meter.unit_price)]

    # ------------------------------------------------------------------ month close

    def close_period(self, period: str) -> list[Charge]:
        """Month-level lines, dated the first instant of the period as invoices date them:
        RI fee and Azure reservation purchase, AWS support, credits, one refund, tax."""
        w = self.w
        year, month = map(int, period.split("-"))
        p0 = calendar.timegm((year, month, 1, 0, 0, 0))
        p1 = next_month_start(p0)
        in_window = (min(p1, w.end) - max(p0, w.start)) / HOUR
        first_period = period == period_of(w.start)
        out: list[Charge] = []
        # EC2 RI recurring fee for the hours of the period inside the window
        ri_hours = w.ri_count * in_window
        ri_billed = money(catalog.AWS_RI_HOURLY * ri_hours)
        out.append(self._charge(
            "aws", f"aws|commitment_fee|{catalog.AWS_RI_ARN}|{p0}", catalog.AWS_PROD,
            "commitment_fee", p0, p1, "AmazonEC2",
            f"HeavyUsage:{catalog.AWS_RI_INSTANCE_TYPE}",
            f"USD {catalog.AWS_RI_HOURLY} hourly fee per Linux/UNIX (Amazon VPC), "
            f"{catalog.AWS_RI_INSTANCE_TYPE} instance", "RunInstances", "us-east-1", "",
            catalog.AWS_RI_ARN, "", catalog.AWS_RI_INSTANCE_TYPE, ri_hours, "Hrs", 0, "", 0.0,
            ri_billed, max(0.0, ri_billed - self.ri_effective.get(period, 0.0)),
            commitment_id=catalog.AWS_RI_ARN, commitment_type="reserved_instance",
            unit_price=catalog.AWS_RI_HOURLY))
        # Azure reservation: monthly payment
        res_meter = catalog.azure_reservation_meter("eastus")
        res_billed = money(res_meter.unit_price * w.res_count * in_window)
        out.append(self._charge(
            "azure", f"azure|commitment_fee|{catalog.AZURE_RES_ID}|{p0}", catalog.AZURE_PROD,
            "commitment_fee", p0, p1, "Virtual Machines", res_meter.sku_id,
            catalog.AZURE_RES_NAME, "", "eastus", "", catalog.AZURE_RES_ID,
            catalog.AZURE_RES_NAME, catalog.AZURE_RES_INSTANCE_TYPE, float(w.res_count), "1 Hour",
            0, "", 0.0, res_billed, max(0.0, res_billed - self.res_effective.get(period, 0.0)),
            commitment_id=catalog.AZURE_RES_ID, commitment_type="azure_reservation",
            unit_price=res_meter.unit_price))
        # credits and a refund (AWS research account; one GCP adjustment)
        research_ec2 = self.research_ec2.get(period, 0.0)
        credit = round(min(5000.0 * w.scale, 0.5 * research_ec2), 2)
        if credit > 0:
            out.append(self._charge(
                "aws", f"aws|credit|{catalog.AWS_RESEARCH}|{p0}", catalog.AWS_RESEARCH, "credit",
                p0, p1, "AmazonEC2", "", "AWS Credits - ML Research Program", "", "", "", "", "",
                "", 0.0, "", 0, "", 0.0, -credit, -credit))
        if first_period:
            last_day = min(p1, w.end) - DAY
            out.append(self._charge(
                "aws", f"aws|refund|{catalog.AWS_RESEARCH}|{last_day}", catalog.AWS_RESEARCH,
                "refund", last_day, p1, "AmazonEC2", "",
                "Refund for p5.48xlarge instance hours lost to an EC2 capacity event", "", "",
                "", "", "", "", 0.0, "", 0, "", 0.0, -330.24, -330.24))
            out.append(self._charge(
                "gcp", f"gcp|refund|{catalog.GCP_RESEARCH}|{last_day}", catalog.GCP_RESEARCH,
                "refund", last_day, p1, "Compute Engine", "",
                "Billing adjustment: GPU capacity SLA credit", "", "", "", "", "", "", 0.0, "",
                0, "", 0.0, -250.0, -250.0))
        self._book(out)
        # AWS Business support, on the payer account
        book = self.period_billed.get(period, {})
        aws_spend = sum(v for (prov, _, svc), v in book.items() if prov == "aws")
        support = round(max(100.0, business_support_fee(aws_spend)), 2)
        fee = [self._charge(
            "aws", f"aws|fee|support|{p0}", catalog.AWS_PAYER_ACCOUNT_ID, "fee", p0, p1,
            "AWSSupportBusiness", "Dollar", "AWS Support (Business)", "", "", "", "", "", "",
            0.0, "", 0, "", 0.0, support, support, unit_price=0.0)]
        self._book(fee)
        out.extend(fee)
        # Sales tax: AWS per account and product, GCP per project (Azure cost data has none)
        taxes = []
        book = self.period_billed.get(period, {})
        for (prov, sub, svc), billed in sorted(book.items()):
            if prov == "azure" or billed <= 0:
                continue
            if prov == "gcp":
                continue
            tax = round(catalog.AWS_TAX_RATE * billed, 2)
            if tax > 0:
                taxes.append(self._charge(
                    "aws", f"aws|tax|{sub}|{svc}|{p0}", sub, "tax", p0, p1, svc, "",
                    f"Tax for product code {svc}", "", "", "", "", "", "", 0.0, "", 0, "", 0.0,
                    tax, tax))
        gcp_by_project: dict[str, float] = {}
        for (prov, sub, svc), billed in sorted(book.items()):
            if prov == "gcp":
                gcp_by_project[sub] = gcp_by_project.get(sub, 0.0) + billed
        for sub, billed in sorted(gcp_by_project.items()):
            tax = round(catalog.GCP_TAX_RATE * billed, 2)
            if tax > 0:
                taxes.append(self._charge(
                    "gcp", f"gcp|tax|{sub}|{p0}", sub, "tax", p0, p1, "Compute Engine", "",
                    "Sales tax", "", "", "", "", "", "", 0.0, "", 0, "", 0.0, tax, tax))
        self._book(taxes)
        out.extend(taxes)
        return out


def business_support_fee(spend: float) -> float:
    """AWS Business support: 10% of the first $10K, 7% to $80K, 5% to $250K, 3% above."""
    tiers = [(10_000, 0.10), (80_000, 0.07), (250_000, 0.05), (float("inf"), 0.03)]
    fee, lower = 0.0, 0.0
    for upper, rate in tiers:
        if spend > lower:
            fee += (min(spend, upper) - lower) * rate
        lower = upper
    return fee
