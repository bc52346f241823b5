"""The ground truth: what the dbt marts must find, computed from the simulation itself.

Nothing here reads a written file. ``TruthAccumulator`` sees every Charge as the generator
streams them and applies the attribution rule the marts implement:

    for each compute Charge of a resource (a VM-hour SKU line: usage, covered usage or an
    AWS Savings Plan negation) and each attempt that ran on that resource,
        attributed = cost * overlap_seconds(attempt, charge period) / running_seconds
                          * gpus_used / instance_gpus        (instance_gpus 0 -> share 1)

What no attempt receives is unattributed. Idle is the running time of a GPU machine with no
attempt on it, and the cost of those seconds (cost * idle_seconds / running_seconds).

Stale storage is a storage resource's billed days on which nothing touched it for
STALE_STORAGE_DAYS: a checkpoint written into a bucket touches it that day, a job reading a
dataset (Job.dataset_uri) touches its bucket every day an attempt of the job runs; a disk
is touched on the days a machine it is tied to is billed. The ties are what the simulation
lets the bill and the job contract show, strongest first (the finding's evidence): a node
listing the disk in volume_ids (job_volume_ids), a GCP or Azure boot disk named after its
VM (machine_name), a tie tag with the same value on the disk and a machine of its account
(machine_tags), an AWS disk whose billed hours start and end within an hour of a machine's
of the same account and zone, unless they span the whole bill (machine_lifetime); else
buckets a job ever touched say job_storage_uris, everything else none.
Unowned is the usage cost of a resource whose lines in a month carry no owner tag.

Money is summed exactly: every Charge carries at most 10 decimals, so sums are kept as
integers of 1e-10 dollars and rounded to 1e-6 only when written to JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from . import VERSION, catalog
from .model import Charge
from .world import (CHECKPOINT_ARCHIVE_DAYS, CHECKPOINTS_KEEP, DAY, HOUR, PEAK_HOURS,
                     SCHEDULING_TEAM, SCHEDULING_WORKING_HOURS, World, dt_of, hour_floor, iso,
                     ts_of)

COMPUTE_KINDS = ("usage", "commitment_usage", "commitment_negation")
UNIT = 10**10
GIB_IN_GB = 2**30 / 10**9  # bytes of a gibibyte in GB of 10^9 bytes
# The default of the mart's var mlcost_stale_storage_days.
STALE_STORAGE_DAYS = 7
# The utilization a right-sized job's GPUs should reach (the default of var
# mlcost_rightsizing_target_utilization_pct).
RIGHTSIZING_TARGET_PCT = 80.0
# The default of var mlcost_serving_low_traffic_share: an hour under this share of its
# endpoint's peak hour of the day is an autoscaling opportunity when all nodes ran.
SERVING_LOW_TRAFFIC_SHARE = 0.3
# The tenant of the vision endpoint whose cost per 1k requests the tests recover.
SERVING_TENANT_FACT = "moderation"
# An archive age for windows too short for the default (the test sample's 21 days).
SHORT_ARCHIVE_DAYS = 7
# Tag keys that tie a disk to a machine (the defaults of var mlcost_machine_tie_tag_keys,
# as the generator spells them).
TIE_TAG_KEYS = ("Name", "aws:eks:cluster-name", "aws:autoscaling:groupName",
                "aws:ec2launchtemplate:id")
# A finding's evidence, strongest first, and how sure it makes a stale finding.
STORAGE_EVIDENCE = {"job_volume_ids": "high", "machine_name": "high",
                    "machine_tags": "medium", "machine_lifetime": "medium",
                    "job_storage_uris": "medium", "none": "low"}


def to_units(x: float) -> int:
    """A Charge amount (<= 10 decimals) as an exact integer of 1e-10."""
    return round(x * UNIT)


def from_units(n: int) -> float:
    return round(n / UNIT, 6) + 0.0


def is_team_tag(key: str) -> bool:
    """Any spelling of the team tag: team, Team, TEAM, team_name, team-name."""
    return key.lower().replace("-", "_") in ("team", "team_name")


def is_owner_tag(key: str) -> bool:
    """The owner tags the generator writes: owner, created-by (GCP: lowercase)."""
    return key.lower().replace("-", "_") in ("owner", "created_by")


@dataclass
class NodeSpan:
    attempt_id: str
    start: int
    end: int  # window end for attempts still running
    gpus_used: int
    cut: int  # last checkpoint of the attempt, or its start
    plateau: int | None = None  # when a planted plateau's evaluation was logged


@dataclass
class AttemptCost:
    billed: float = 0.0
    effective: float = 0.0
    billed_after_cut: float = 0.0
    billed_after_plateau: float = 0.0
    effective_after_plateau: float = 0.0


@dataclass
class IdleInfo:
    provider: str
    seconds: int = 0
    billed: float = 0.0
    last_hour: int = -1


@dataclass
class TruthAccumulator:
    world: World
    spans: dict[str, list[NodeSpan]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # SageMaker instance counts
    attempt_cost: dict[str, AttemptCost] = field(default_factory=dict)
    # Billed cost attributed to each attempt per UTC day of the charge (GPU quotas).
    attempt_day_billed: dict[tuple[str, object], float] = field(default_factory=dict)
    totals: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    # (provider, billing period) -> the currency its charges are billed in
    period_currency: dict[tuple[str, str], str] = field(default_factory=dict)
    compute: dict[str, float] = field(default_factory=dict)
    attributed: dict[str, float] = field(default_factory=dict)
    idle: dict[str, IdleInfo] = field(default_factory=dict)
    egress: dict[tuple[str, str, str, str], list[float]] = field(default_factory=dict)
    tagged: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    # Billed per sub-account and per owner team and UTC month of charge_start: what budgets
    # on an account/project/subscription or on a team are measured against.
    sub_account_month: dict[tuple[str, str, str], int] = field(default_factory=dict)
    team_month: dict[tuple[str, str], int] = field(default_factory=dict)
    # How each provider's export assigns a line to a billing period ("YYYY-MM"); the default
    # is the UTC month of charge_start. GCP invoices by US Pacific time, so its writer's rule
    # is passed in to keep the truth equal to the files' invoice months.
    period_rules: dict[str, Callable[[Charge], str]] = field(default_factory=dict)
    # Native line counts per (provider, period) where a writer does not write one line per
    # Charge (Azure cost details are daily sums of hourly charges).
    native_line_counts: dict[tuple[str, str], int] = field(default_factory=dict)
    # Storage: kind per resource, billed per (resource, UTC day), the days something touched
    # it, and which machine a GCP or Azure boot disk belongs to.
    storage_kind: dict[str, str] = field(default_factory=dict)
    storage_days: dict[tuple[str, object], int] = field(default_factory=dict)
    touch_days: dict[str, set] = field(default_factory=dict)
    disk_of_machine: dict[str, list[str]] = field(default_factory=dict)
    # The strongest evidence tying each disk to a machine, or a bucket to the jobs.
    storage_evidence: dict[str, str] = field(default_factory=dict)
    # Usage billed per (provider, resource, month) and whether any of its lines had an owner.
    resource_month: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    # Scheduling waste: the billed units of the planted off-hours machine's compute lines
    # per hour (epoch seconds), and spot usage (billed, list units) per provider, instance
    # type, UTC month and currency.
    watched_hours: dict[int, int] = field(default_factory=dict)
    spot_usage: dict[tuple[str, str, str, str], list[int]] = field(default_factory=dict)
    # Serving endpoints: the serving job of each attempt, and per (job id, charge hour) the
    # attributed billed and effective cost and the attempt nodes that ran in it.
    serving_attempt_job: dict[str, str] = field(default_factory=dict)
    serving_hours: dict[tuple[str, int], list] = field(default_factory=dict)
    _period_cache: dict = field(default_factory=dict)
    _month_cache: dict = field(default_factory=dict)
    _team_tag_cache: dict = field(default_factory=dict)
    _owner_tag_cache: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        w = self.world
        cuts: dict[str, int] = {}
        for ckpt in w.checkpoints:
            t = ts_of(ckpt.saved_at)
            cuts[ckpt.attempt_id] = max(cuts.get(ckpt.attempt_id, 0), t)
        plateaus = {p.attempt_id: p.at for p in w.planted_plateaus}
        for node in w.nodes:
            start, end = w.attempt_times[node.attempt_id]
            end = w.end if end is None else end
            self.spans.setdefault(node.resource_id, []).append(
                NodeSpan(node.attempt_id, start, end, node.gpus_used,
                         cuts.get(node.attempt_id, start), plateaus.get(node.attempt_id)))
        serving_jobs = {j.job_id for j in w.jobs if j.job_type == "serving"}
        for attempt in w.attempts:
            if attempt.job_id in serving_jobs:
                self.serving_attempt_job[attempt.attempt_id] = attempt.job_id
        for inst in w.instances:
            self.counts[inst.resource_id] = inst.count
            if inst.disk_id and inst.role != "sagemaker":
                self.storage_kind[inst.disk_id] = "boot_disk"
        for vol in w.volumes:
            self.storage_kind[vol.resource_id] = "unattached_volume"
        for bucket in w.buckets:
            self.storage_kind[bucket.resource_id] = f"{bucket.role}_bucket"
            self.touch_days[bucket.resource_id] = {
                dt_of(saved).date() for saved, _ in bucket.checkpoints}
        self._tie_storage()

    def _tie_storage(self) -> None:
        """Which machines each disk is tied to (disk_of_machine) and by what evidence, and
        the days jobs read their dataset buckets (touch_days)."""
        w = self.world
        machines = [i for i in w.instances if i.role != "sagemaker"]
        disks = [(i.provider, i.disk_id, i.sub_account, i.zone, i.start, i.end, i.disk_tags)
                 for i in machines if i.disk_id]
        disks += [(v.provider, v.resource_id, v.sub_account, v.zone, v.start, v.end, v.tags)
                  for v in w.volumes]
        by_name = {rid.rsplit("/", 1)[-1].lower(): rid for _, rid, *_ in disks}
        ties: dict[str, dict[str, set[str]]] = {}  # evidence -> disk -> machines

        def tie(evidence: str, disk: str, machine: str) -> None:
            ties.setdefault(evidence, {}).setdefault(disk, set()).add(machine)

        billed = {i.resource_id for i in machines}
        for node in w.nodes:
            if node.resource_id not in billed:
                continue
            for entry in filter(None, (v.strip() for v in node.volume_ids.split(";"))):
                disk = by_name.get(entry.rsplit("/", 1)[-1].lower())
                if disk:
                    tie("job_volume_ids", disk, node.resource_id)
        for inst in machines:
            if inst.disk_id and inst.provider != "aws":
                tie("machine_name", inst.disk_id, inst.resource_id)
        tagged = [(i, k) for i in machines for k in TIE_TAG_KEYS if k in i.tags]
        for provider, disk, sub, _, _, _, tags in disks:
            for inst, key in tagged:
                if (inst.provider == provider and inst.sub_account == sub
                        and tags.get(key) == inst.tags[key]):
                    tie("machine_tags", disk, inst.resource_id)
        # Billed hours as the bill shows them: cut to the window, whose first and last
        # hours a resource billed all along shares with every other such resource.
        first_edge, last_edge = w.start, w.end - HOUR

        def lifetime(start: int, end: int) -> tuple[int, int]:
            return (hour_floor(max(start, w.start)), hour_floor(min(end, w.end) - 1))

        spans: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
        for inst in machines:
            if inst.provider == "aws" and inst.end > w.start and inst.start < w.end:
                spans.setdefault((inst.sub_account, inst.zone), []).append(
                    (*lifetime(inst.start, inst.end), inst.resource_id))
        for provider, disk, sub, zone, start, end, _ in disks:
            if provider != "aws" or end <= w.start or start >= w.end:
                continue
            first, last = lifetime(start, end)
            if first == first_edge and last == last_edge:
                continue
            for m_first, m_last, machine in spans.get((sub, zone), ()):
                if abs(m_first - first) <= HOUR and abs(m_last - last) <= HOUR:
                    tie("machine_lifetime", disk, machine)
        for evidence in ("machine_lifetime", "machine_tags", "machine_name",
                         "job_volume_ids"):
            for disk, tied in ties.get(evidence, {}).items():
                self.storage_evidence[disk] = evidence
                for machine in tied:
                    self.disk_of_machine.setdefault(machine, []).append(disk)
        # Dataset reads: every day an attempt of a job reading the bucket runs.
        buckets = {b.name.lower(): b.resource_id for b in w.buckets}
        reads = {j.job_id: buckets.get(uri_storage_name(j.dataset_uri)) for j in w.jobs}
        for attempt in w.attempts:
            bucket = reads.get(attempt.job_id)
            if bucket:
                start, end = w.attempt_times[attempt.attempt_id]
                last = dt_of((w.end if end is None else end) - (1 if end is None else 0))
                day = dt_of(start).date()
                while day <= last.date():
                    self.touch_days[bucket].add(day)
                    day += timedelta(days=1)
        for bucket in w.buckets:
            if bucket.resource_id not in self.storage_evidence \
                    and self.touch_days[bucket.resource_id]:
                self.storage_evidence[bucket.resource_id] = "job_storage_uris"

    # ------------------------------------------------------------------ streaming

    def add(self, charges: list[Charge]) -> None:
        # The hot loop of a big run: lookups are bound to locals, each amount is turned into
        # units once, and what depends only on an hour or on a tag set is cached. Integer
        # sums do not depend on the order; float sums are added in the same order as ever.
        rules = self.period_rules
        cache = self._period_cache
        months = self._month_cache
        team_tagged = self._team_tag_cache
        owner_tagged = self._owner_tag_cache
        totals, sub_account_month = self.totals, self.sub_account_month
        team_month, egress, tagged = self.team_month, self.egress, self.tagged
        resource_month, storage_kind = self.resource_month, self.storage_kind
        storage_days, disk_of_machine = self.storage_days, self.disk_of_machine
        touch_days = self.touch_days
        # A copy (Charge.origin) of a line added in full earlier in the batch adds the same
        # integer amounts to the same keys as its origin (the same day, so the same month):
        # copies are counted here and added once per origin at the end. Their attempt and
        # idle costs (float sums, per hour) are still added line by line, in order.
        added: set[int] = set()
        copies: dict[int, list] = {}
        compute_kinds = COMPUTE_KINDS
        watched = self.world.planted_off_hours_machine
        for c in charges:
            if c.pricing == "spot" or (watched and c.resource_id == watched):
                self._scheduling(c)
            provider = c.provider
            origin = c.origin
            if (origin is not None and id(origin) in added and not c.transfer_type
                    and provider not in rules):
                entry = copies.get(id(origin))
                if entry is None:
                    copies[id(origin)] = [origin, 1]
                else:
                    entry[1] += 1
                if c.kind in compute_kinds and c.instance_type and c.running_seconds > 0:
                    self._compute(c)
                continue
            added.add(id(c))
            start = c.charge_start
            rule = rules.get(provider)
            if rule is not None:
                period = rule(c)
            else:
                period = cache.get(start)
                if period is None:
                    period = cache[start] = start.strftime("%Y-%m")
            billed = round(c.billed_cost * UNIT)
            t = totals.get((provider, period))
            if t is None:
                t = totals[(provider, period)] = [0, 0, 0, 0]
                # a provider bills in one currency (--billing-currency)
                self.period_currency[(provider, period)] = c.currency
            t[0] += billed
            t[1] += round(c.effective_cost * UNIT)
            t[2] += round(c.list_cost * UNIT)
            t[3] += 1
            month = months.get(start)
            if month is None:
                month = months[start] = start.strftime("%Y-%m")
            key = (provider, c.sub_account_id, month)
            sub_account_month[key] = sub_account_month.get(key, 0) + billed
            owner = c.owner_team
            if owner:
                tkey = (owner, month)
                team_month[tkey] = team_month.get(tkey, 0) + billed
            if c.transfer_type:
                e = egress.setdefault((provider, c.transfer_type, c.transfer_from,
                                       c.transfer_to), [0.0, 0])
                # GB of 10^9 bytes: GCP meters transfer in gibibytes.
                e[0] += c.usage_amount * (GIB_IN_GB if c.usage_unit == "gibibyte" else 1.0)
                e[1] += billed
            tags = c.tags
            if owner:
                g = tagged.setdefault((provider, owner), [0, 0])
                g[0] += billed
                keys = tuple(tags)
                has_team = team_tagged.get(keys)
                if has_team is None:
                    has_team = team_tagged[keys] = any(is_team_tag(k) for k in keys)
                if not has_team:
                    g[1] += billed
            compute = c.kind in COMPUTE_KINDS
            resource_id = c.resource_id
            if compute and resource_id:
                r = resource_month.get((provider, resource_id, month))
                if r is None:
                    r = resource_month[(provider, resource_id, month)] = [0, 0]
                r[0] += billed
                if not r[1]:
                    keys = tuple(tags)
                    has_owner = owner_tagged.get(keys)
                    if has_owner is None:
                        has_owner = owner_tagged[keys] = any(is_owner_tag(k) for k in keys)
                    r[1] = has_owner
            if c.kind == "usage" and not c.transfer_type and resource_id in storage_kind:
                skey = (resource_id, start.date())
                storage_days[skey] = storage_days.get(skey, 0) + billed
            if compute:
                for disk in disk_of_machine.get(resource_id, ()):
                    touch_days.setdefault(disk, set()).add(start.date())
                if c.instance_type and c.running_seconds > 0:
                    self._compute(c)
        for origin, count in copies.values():
            self._add_copies(origin, count)

    def _add_copies(self, c: Charge, count: int) -> None:
        """The integer sums of ``count`` copies of ``c``, a line added earlier (so every key
        exists, in the order it was first added): what ``add`` adds for a line, times count,
        but for attempt and idle costs."""
        provider, start = c.provider, c.charge_start
        period = month = self._month_cache[start]
        billed = round(c.billed_cost * UNIT) * count
        t = self.totals[(provider, period)]
        t[0] += billed
        t[1] += round(c.effective_cost * UNIT) * count
        t[2] += round(c.list_cost * UNIT) * count
        t[3] += count
        self.sub_account_month[(provider, c.sub_account_id, month)] += billed
        owner = c.owner_team
        if owner:
            self.team_month[(owner, month)] += billed
            g = self.tagged[(provider, owner)]
            g[0] += billed
            if not self._team_tag_cache[tuple(c.tags)]:
                g[1] += billed
        resource_id = c.resource_id
        if c.kind in COMPUTE_KINDS and resource_id:
            self.resource_month[(provider, resource_id, month)][0] += billed
        if c.kind == "usage" and resource_id in self.storage_kind:
            self.storage_days[(resource_id, start.date())] += billed

    def _scheduling(self, c: Charge) -> None:
        if c.kind not in COMPUTE_KINDS or not c.instance_type:
            return
        billed = round(c.billed_cost * UNIT)
        if c.resource_id == self.world.planted_off_hours_machine:
            h = int(c.charge_start.timestamp())
            self.watched_hours[h] = self.watched_hours.get(h, 0) + billed
        if c.pricing == "spot" and c.kind == "usage":
            key = (c.provider, c.instance_type, c.charge_start.strftime("%Y-%m"), c.currency)
            entry = self.spot_usage.setdefault(key, [0, 0])
            entry[0] += billed
            entry[1] += round(c.list_cost * UNIT)

    def _compute(self, c: Charge) -> None:
        c0 = int(c.charge_start.timestamp())
        c1 = int(c.charge_end.timestamp())
        run = c.running_seconds
        self.compute[c.provider] = self.compute.get(c.provider, 0.0) + c.billed_cost
        gpus = catalog.instance_gpus(c.provider, c.instance_type)
        spans = self.spans.get(c.resource_id, ())
        covered: list[tuple[int, int]] = []
        for span in spans:
            lo, hi = max(span.start, c0), min(span.end, c1)
            if hi <= lo:
                continue
            share = (span.gpus_used / gpus) if gpus else 1.0
            billed = c.billed_cost * (hi - lo) / run * share
            cost = self.attempt_cost.setdefault(span.attempt_id, AttemptCost())
            cost.billed += billed
            day_key = (span.attempt_id, c.charge_start.date())
            self.attempt_day_billed[day_key] = self.attempt_day_billed.get(day_key, 0.0) + billed
            cost.effective += c.effective_cost * (hi - lo) / run * share
            lo2 = max(lo, span.cut)
            if hi > lo2:
                cost.billed_after_cut += c.billed_cost * (hi - lo2) / run * share
            if span.plateau is not None and hi > max(lo, span.plateau):
                after = hi - max(lo, span.plateau)
                cost.billed_after_plateau += c.billed_cost * after / run * share
                cost.effective_after_plateau += c.effective_cost * after / run * share
            serving_job = self.serving_attempt_job.get(span.attempt_id)
            if serving_job is not None:
                hour = self.serving_hours.setdefault((serving_job, c0), [0.0, 0.0, set()])
                hour[0] += billed
                hour[1] += c.effective_cost * (hi - lo) / run * share
                hour[2].add((span.attempt_id, c.resource_id))
            self.attributed[c.provider] = self.attributed.get(c.provider, 0.0) + billed
            covered.append((lo, hi))
        if gpus == 0:
            return
        per_instance = run / self.counts.get(c.resource_id, 1)
        busy = union_length(covered)
        idle_secs = max(0.0, per_instance - busy)
        info = self.idle.setdefault(c.resource_id, IdleInfo(c.provider))
        if idle_secs > 0:
            info.billed += c.billed_cost * idle_secs / run
        if c.kind != "commitment_negation" and info.last_hour != c0:
            info.seconds += int(round(idle_secs))
            info.last_hour = c0

    # ------------------------------------------------------------------ result

    def result(self) -> dict:
        w = self.world
        jobs = {j.job_id: j for j in w.jobs}
        attempts_by_job: dict[str, list] = {}
        for a in w.attempts:
            attempts_by_job.setdefault(a.job_id, []).append(a)
        gpu_seconds: dict[str, float] = {}
        for node in w.nodes:
            start, end = w.attempt_times[node.attempt_id]
            end = w.end if end is None else end
            secs = max(0, min(end, w.end) - max(start, w.start))
            gpu_seconds[node.attempt_id] = gpu_seconds.get(node.attempt_id, 0.0) + \
                secs * node.gpus_used

        def job_row(job_id: str) -> dict:
            job = jobs[job_id]
            atts = attempts_by_job[job_id]
            billed = sum(self.attempt_cost.get(a.attempt_id, AttemptCost()).billed for a in atts)
            eff = sum(self.attempt_cost.get(a.attempt_id, AttemptCost()).effective for a in atts)
            gpu_h = sum(gpu_seconds.get(a.attempt_id, 0.0) for a in atts) / 3600
            return {"job_id": job_id, "provider": job.provider, "team": job.team,
                    "user_email": job.user_email, "job_type": job.job_type,
                    "billed_cost": r6(billed), "effective_cost": r6(eff),
                    "gpu_hours": r6(gpu_h), "attempt_count": len(atts),
                    "final_status": job.status}

        named_jobs = [{"label": n.label, **job_row(n.job_id)} for n in w.named_jobs]
        attempt_by_id = {a.attempt_id: a for a in w.attempts}
        named_failures = []
        for attempt_id in w.named_failures:
            a = attempt_by_id[attempt_id]
            cost = self.attempt_cost.get(attempt_id, AttemptCost())
            named_failures.append({
                "job_id": a.job_id, "attempt_id": attempt_id, "status": a.status,
                "failure_reason": a.failure_reason, "wasted_billed_cost": r6(cost.billed),
                "wasted_effective_cost": r6(cost.effective),
                "wasted_gpu_hours": r6(gpu_seconds.get(attempt_id, 0.0) / 3600),
                "lost_since_checkpoint_billed_cost": r6(cost.billed_after_cut)})
        planted = set(w.planted_idle)
        roles = {i.resource_id: i.role for i in w.instances}
        idle = [{"provider": info.provider, "resource_id": rid,
                 "idle_hours": r6(info.seconds / 3600), "idle_billed_cost": r6(info.billed),
                 "planted": rid in planted, "role": roles.get(rid, "")}
                for rid, info in sorted(self.idle.items()) if info.seconds >= 3600]
        providers = ["aws", "gcp", "azure"]
        unowned = [{"provider": p, "resource_id": rid, "month": month,
                    "billed_cost": from_units(v[0])}
                   for (p, rid, month), v in sorted(self.resource_month.items())
                   if not v[1] and v[0] != 0]
        unattributed = [{"provider": p,
                         "compute_billed_cost": r6(self.compute.get(p, 0.0)),
                         "attributed_billed_cost": r6(self.attributed.get(p, 0.0)),
                         "billed_cost": r6(self.compute.get(p, 0.0) -
                                           self.attributed.get(p, 0.0))}
                        for p in providers]
        billing = [{"provider": p, "billing_period": period,
                    "currency": self.period_currency.get((p, period), "USD"),
                    "billed_cost": from_units(t[0]), "effective_cost": from_units(t[1]),
                    "list_cost": from_units(t[2]),
                    "line_count_native": self.native_line_counts.get((p, period), t[3])}
                   for (p, period), t in sorted(self.totals.items(),
                                                key=lambda kv: (providers.index(kv[0][0]),
                                                                kv[0][1]))]
        # "from" is None where the bytes came from the internet (inbound lines).
        egress = [{"provider": p, "transfer_type": tt, "from": f or None, "to": to,
                   "usage_gb": r6(v[0]), "billed_cost": from_units(v[1])}
                  for (p, tt, f, to), v in sorted(self.egress.items())]
        untagged = []
        for (p, team), (total, untag) in sorted(self.tagged.items()):
            untagged.append({"provider": p, "team": team, "total_billed_cost": from_units(total),
                             "untagged_billed_cost": from_units(untag),
                             "share": round(untag / total, 6) if total else 0.0})
        return {
            "generator": {"seed": w.seed, "start": dt_of(w.start).date().isoformat(),
                          "days": w.days, "scale": w.scale, "version": VERSION},
            "window": {"start": iso(w.start), "end": iso(w.end)},
            "billing_totals": billing,
            "named_jobs": named_jobs,
            "named_failures": named_failures,
            "idle": idle,
            "stale_storage": self.stale_storage(),
            "storage_ties": self.storage_ties(),
            "unowned_resources": unowned,
            "unattributed_compute_billed_cost": unattributed,
            "egress_routes": egress,
            "untagged_share": untagged,
            "budget_spend": {
                "sub_account_month": [
                    {"provider": p, "sub_account_id": sub, "month": month,
                     "billed_cost": from_units(v)}
                    for (p, sub, month), v in sorted(self.sub_account_month.items())],
                "team_month": [
                    {"team": team, "month": month, "billed_cost": from_units(v)}
                    for (team, month), v in sorted(self.team_month.items())],
            },
            "commitments": {"aws_savings_plan_hourly_commitment": w.sp_commitment,
                            "aws_reserved_instances": w.ri_count,
                            "gcp_cud_gpus": w.cud_gpus,
                            "azure_reserved_vms": w.res_count},
            "job_costs": [job_row(j.job_id) for j in w.jobs],
            "plateau_waste": self.plateau_waste(),
            "unmatched_attempt_nodes": [
                {"attempt_id": attempt_id, "node_index": index, "reason": reason}
                for attempt_id, index, reason in w.planted_unmatched],
            "gpu_utilization": self.gpu_utilization(attempts_by_job),
            "repeated_runs": self.repeated_runs(),
            "checkpoint_retention": self.checkpoint_retention(),
            "gpu_quotas": self.gpu_quotas(),
            "scheduling_opportunities": self.scheduling_opportunities(),
            "serving_unit_costs": self.serving_unit_costs(),
        }

    def serving_unit_costs(self) -> dict:
        """Inference unit costs from the simulated charges of the serving machines (the
        hourly attributed cost of each endpoint, split over the hour's tenants by requests)
        and the traffic the generator planted: for the vision endpoint's busiest tenant,
        the cost per 1k requests of one day; for the generative endpoint (the one with
        tokens), the cost per 1M output tokens of one day; for the ranking endpoint, the
        autoscaling opportunity over the window (hours at full capacity whose requests are
        under SERVING_LOW_TRAFFIC_SHARE of the day's peak hour: the hour's effective cost x
        (1 - nodes needed / nodes running)). Also the planted quiet hours and bad rows."""
        w = self.world
        jobs = {j.job_id: j for j in w.jobs}
        traffic: dict[tuple[str, int], dict[str, tuple[int, int | None]]] = {}
        for t in w.serving_traffic:
            traffic.setdefault((t.endpoint_id, t.hour), {})[t.tenant] = (t.requests,
                                                                          t.output_tokens)
        by_model = {j.model_name: j.job_id for j in w.jobs if j.job_type == "serving"}

        def day_of(hour: int) -> str:
            return dt_of(hour).date().isoformat()

        # A full day in the middle of the window, away from its first and last hours, on
        # which no deployment of the endpoints the day facts read starts or ends: a daily
        # (Azure) line's attribution within a redeploy day is not the hourly charges'.
        fact_jobs = {by_model.get("yolo-x")} | {t.endpoint_id for t in w.serving_traffic
                                                if t.output_tokens is not None}
        event_days = set()
        for a in w.attempts:
            if a.job_id in fact_jobs:
                start, end = w.attempt_times[a.attempt_id]
                event_days.add(day_of(start))
                if end is not None:
                    event_days.add(day_of(end))
        candidates = [day_of(w.start + d * 86400) for d in range(w.days // 2, w.days - 1)]
        fact_day = next((day for day in candidates if day not in event_days), candidates[0])
        result: dict = {"low_traffic_share": SERVING_LOW_TRAFFIC_SHARE,
                        "cost_split": "requests", "fact_day": fact_day}
        # cost per 1k requests of one tenant-day (vision endpoint, its first tenant)
        vision = by_model.get("yolo-x")
        if vision:
            tenant = SERVING_TENANT_FACT
            billed = effective = 0.0
            requests = 0
            for (job_id, hour), (hb, he, _nodes) in self.serving_hours.items():
                if job_id != vision or day_of(hour) != fact_day:
                    continue
                tenants = traffic.get((job_id, hour), {})
                total = sum(r for r, _ in tenants.values())
                if tenant in tenants and total > 0:
                    billed += hb * tenants[tenant][0] / total
                    effective += he * tenants[tenant][0] / total
            requests = sum(t.requests for t in w.serving_traffic
                           if t.endpoint_id == vision and t.tenant == tenant
                           and day_of(t.hour) == fact_day)
            result["tenant_day"] = {
                "job_id": vision, "tenant": tenant, "usage_date": fact_day,
                "requests": requests, "billed_cost": r6(billed),
                "effective_cost": r6(effective),
                "effective_cost_per_1k_requests": r6(effective / requests * 1000)}
            result["quiet_hours"] = [{"job_id": job_id, "hour": iso(hour),
                                      "effective_cost": r6(self.serving_hours.get(
                                          (job_id, hour), [0.0, 0.0])[1])}
                                     for job_id, hour in w.planted_quiet_hours]
        # cost per 1M output tokens of the generative endpoint, one day, all tenants
        generative = sorted({t.endpoint_id for t in w.serving_traffic
                             if t.output_tokens is not None})
        if generative:
            job_id = generative[0]
            effective = sum(he for (j, hour), (_hb, he, _n) in self.serving_hours.items()
                            if j == job_id and day_of(hour) == fact_day)
            output_tokens = sum(t.output_tokens or 0 for t in w.serving_traffic
                                if t.endpoint_id == job_id and day_of(t.hour) == fact_day)
            result["generative_day"] = {
                "job_id": job_id, "usage_date": fact_day, "output_tokens": output_tokens,
                "effective_cost": r6(effective),
                "effective_cost_per_1m_output_tokens": r6(effective / output_tokens * 1e6)}
        # autoscaling opportunity of the ranking endpoint over the window
        ranking = by_model.get("dlrm-v2")
        if ranking:
            deployment_nodes = jobs[ranking].node_count
            day_peak: dict[str, int] = {}
            for (job_id, hour), tenants in traffic.items():
                if job_id == ranking:
                    total = sum(r for r, _ in tenants.values())
                    day_peak[day_of(hour)] = max(day_peak.get(day_of(hour), 0), total)
            opportunity = 0.0
            hours = 0
            for (job_id, hour), (_hb, he, nodes) in sorted(self.serving_hours.items()):
                if job_id != ranking:
                    continue
                peak = day_peak.get(day_of(hour), 0)
                running = len(nodes)
                requests = sum(r for r, _ in traffic.get((job_id, hour), {}).values())
                if peak <= 0 or running < deployment_nodes:
                    continue
                if requests >= SERVING_LOW_TRAFFIC_SHARE * peak:
                    continue
                needed = max(1, math.ceil(running * requests / peak))
                opportunity += he * (1 - needed / running)
                hours += 1
            result["autoscaling"] = {"job_id": ranking, "deployment_node_count": deployment_nodes,
                                     "low_traffic_full_capacity_hours": hours,
                                     "autoscaling_opportunity_effective_cost": r6(opportunity)}
        result["bad_rows"] = [
            {"endpoint_id": row.endpoint_id, "hour": iso(row.hour), "tenant": row.tenant,
             "requests": row.requests, "reason": reason}
            for row, reason in w.planted_bad_traffic]
        result["cloudwatch_job_id"] = w.serving_cloudwatch_job
        result["cloudwatch_requests"] = sum(t.requests for t in w.serving_traffic
                                            if t.endpoint_id == w.serving_cloudwatch_job)
        result["cloudwatch_errors"] = sum(t.errors for t in w.serving_traffic
                                          if t.endpoint_id == w.serving_cloudwatch_job)
        return result

    def gpu_utilization(self, attempts_by_job: dict[str, list]) -> dict:
        """The planted right-sizing jobs: per attempt the GPU time billed but left unused
        (cost x (1 - utilization)), per job the instance type one GPU count of the same model
        fits at the target utilization and the saving at the catalog's on-demand rate."""
        w = self.world
        jobs = {j.job_id: j for j in w.jobs}
        attempts, planted_jobs = [], []
        for job_id in w.planted_rightsizing:
            job = jobs[job_id]
            run_seconds = 0
            job_effective = 0.0
            weighted = hours = 0.0
            for a in attempts_by_job[job_id]:
                cost = self.attempt_cost.get(a.attempt_id, AttemptCost())
                start, end = w.attempt_times[a.attempt_id]
                run_seconds += end - start
                job_effective += cost.effective
                unused = 1 - a.gpu_utilization_pct / 100
                gpu_h = (end - start) * job.gpus_per_node * job.node_count / 3600
                weighted += a.gpu_utilization_pct * gpu_h
                hours += gpu_h
                attempts.append({
                    "job_id": job_id, "attempt_id": a.attempt_id,
                    "gpu_utilization_pct": a.gpu_utilization_pct,
                    "gpu_memory_peak_gb": a.gpu_memory_peak_gb,
                    "billed_cost": r6(cost.billed), "effective_cost": r6(cost.effective),
                    "unused_gpu_billed_cost": r6(cost.billed * unused),
                    "unused_gpu_effective_cost": r6(cost.effective * unused)})
            gpus = job.gpus_per_node * job.node_count
            needed = max(1, math.ceil(gpus * (weighted / hours) / RIGHTSIZING_TARGET_PCT))
            smaller = sorted((it.hourly, it.name) for (provider, _), it in
                             catalog.INSTANCE_TYPES.items()
                             if provider == job.provider and it.gpu_model == job.gpu_model
                             and needed <= it.gpus < gpus and not it.name.startswith("ml."))
            hourly, name = smaller[0]
            estimated = hourly * math.ceil(needed / catalog.instance(job.provider, name).gpus) \
                * run_seconds / 3600
            planted_jobs.append({
                "job_id": job_id, "instance_type": job.instance_type, "gpu_count": gpus,
                "needed_gpu_count": needed, "recommended_instance_type": name,
                "recommended_price_per_instance_hour": hourly,
                "run_hours": r6(run_seconds / 3600), "effective_cost": r6(job_effective),
                "estimated_effective_cost": r6(estimated),
                "rightsizing_saving": r6(job_effective - estimated)})
        return {"target_utilization_pct": RIGHTSIZING_TARGET_PCT, "attempts": attempts,
                "jobs": planted_jobs}

    def scheduling_opportunities(self) -> dict:
        """The planted scheduling waste (world.py, Builder.scheduling_scenario), in local
        time by zoneinfo. Off hours: the planted notebook machine's billed hours (UTC clock
        hours) that start outside its team's working hours in the team's time zone and that
        no attempt on the machine overlaps, per UTC month, with the hours of the local day
        of the DST change. Peak: the on-demand job's billed cost times the spot discount of
        its instance type in the bill of its first start's UTC month (1 - spot billed / spot
        list cost: the spot price over the on-demand price)."""
        w = self.world
        zone_name, work_days, start_hour, end_hour = SCHEDULING_WORKING_HOURS
        zone = ZoneInfo(zone_name)
        spans = self.spans.get(w.planted_off_hours_machine, [])
        months: dict[str, list[int]] = {}
        dst_day_hours = 0
        for h, billed in sorted(self.watched_hours.items()):
            local = dt_of(h).astimezone(zone)
            working = local.weekday() in work_days and start_hour <= local.hour < end_hour
            busy = any(span.start < h + HOUR and span.end > h for span in spans)
            if working or busy:
                continue
            month = months.setdefault(dt_of(h).strftime("%Y-%m"), [0, 0])
            month[0] += 1
            month[1] += billed
            if local.date().isoformat() == w.planted_off_hours_dst_date:
                dst_day_hours += 1
        machine = {
            "resource_id": w.planted_off_hours_machine, "team": SCHEDULING_TEAM,
            "time_zone": zone_name, "dst_date": w.planted_off_hours_dst_date,
            "dst_date_off_hours": dst_day_hours,
            "months": [{"month": month, "off_hours": v[0], "billed_cost": from_units(v[1])}
                       for month, v in sorted(months.items())]}
        jobs = {j.job_id: j for j in w.jobs}
        job = jobs[w.planted_peak_job]
        first = min(w.attempt_times[a.attempt_id][0] for a in w.attempts
                    if a.job_id == job.job_id)
        month = dt_of(first).strftime("%Y-%m")
        spot_billed = spot_list = 0
        currency = ""
        for (provider, itype, spot_month, cur), (billed, listed) in self.spot_usage.items():
            if provider == job.provider and itype == job.instance_type and spot_month == month:
                spot_billed += billed
                spot_list += listed
                currency = cur
        discount = 1 - spot_billed / spot_list if spot_list else 0.0
        billed = self.job_billed(job.job_id)
        peak_zone = ZoneInfo(PEAK_HOURS[0])
        return {
            "off_hours_machine": machine,
            "peak_job": {
                "job_id": job.job_id, "job_type": job.job_type, "team": job.team,
                "instance_type": job.instance_type, "month": month, "currency": currency,
                "started_at": iso(first),
                "started_at_local": dt_of(first).astimezone(peak_zone).strftime(
                    "%Y-%m-%d %H:%M:%S"),
                "spot_discount": round(discount, 10), "billed_cost": billed,
                "saving": r6(billed * discount)}}

    def plateau_waste(self) -> list[dict]:
        """Per planted plateau (world.py, Builder.plateau_runs): where the run's val_loss
        stopped improving and what its charges cost after that time."""
        attempts = {a.attempt_id: a for a in self.world.attempts}
        out = []
        for p in self.world.planted_plateaus:
            cost = self.attempt_cost.get(p.attempt_id, AttemptCost())
            out.append({
                "attempt_id": p.attempt_id, "job_id": attempts[p.attempt_id].job_id,
                "source": p.source, "metric_name": "val_loss", "direction": "minimize",
                "plateau_evaluation": p.evaluation, "plateau_step": p.step,
                "plateau_at": iso(p.at), "billed_cost": r6(cost.billed),
                "plateau_waste_billed_cost": r6(cost.billed_after_plateau),
                "plateau_waste_effective_cost": r6(cost.effective_after_plateau)})
        return out

    def job_billed(self, job_id: str) -> float:
        return r6(sum(self.attempt_cost.get(a.attempt_id, AttemptCost()).billed
                      for a in self.world.attempts if a.job_id == job_id))

    def repeated_runs(self) -> dict:
        """The planted repeats (a job run again with the same keys within the window after
        the earlier one succeeded) with the repeat's billed cost, and the planted controls
        (the same model, other keys), which are no repeats."""
        w = self.world
        return {"repeats": [{"job_id": job_id, **planted,
                             "repeat_billed_cost": self.job_billed(job_id)}
                            for job_id, planted in sorted(w.planted_repeats.items())],
                "non_repeats": sorted(w.planted_non_repeats)}

    def checkpoint_retention(self) -> list[dict]:
        """Per planted job and archive age (the mart's default, CHECKPOINT_ARCHIVE_DAYS, and
        SHORT_ARCHIVE_DAYS, which a window shorter than the default needs for any
        checkpoint to be old enough): its checkpoints beyond the newest CHECKPOINTS_KEEP,
        saved more than that many days before the end of the window, other than one an
        attempt resumed from; their size and what keeping them costs a month at the price
        the simulation bills its bucket's storage at (per GB-month)."""
        w = self.world
        resumed = {a.resumed_from_checkpoint_id for a in w.attempts
                   if a.resumed_from_checkpoint_id}
        buckets = {b.name: b for b in w.buckets}
        out = []
        for job_id in w.planted_checkpoint_jobs:
            ckpts = sorted((c for c in w.checkpoints if c.job_id == job_id),
                           key=lambda c: (c.saved_at, c.checkpoint_id), reverse=True)
            bucket = buckets[ckpts[0].uri.split("/")[2]]
            price = storage_price_per_gb_month(bucket.provider, bucket.region)
            for archive_days in (CHECKPOINT_ARCHIVE_DAYS, SHORT_ARCHIVE_DAYS):
                cutoff = w.end - archive_days * 86400
                candidates = [c for c in ckpts[CHECKPOINTS_KEEP:]
                              if c.checkpoint_id not in resumed
                              and ts_of(c.saved_at) < cutoff]
                size = sum(c.size_gb for c in candidates)
                out.append({"job_id": job_id, "bucket": bucket.name,
                            "checkpoints_keep": CHECKPOINTS_KEEP,
                            "archive_days": archive_days,
                            "candidate_checkpoint_count": len(candidates),
                            "candidate_checkpoint_ids": sorted(c.checkpoint_id
                                                               for c in candidates),
                            "resumed_from_checkpoint_ids": sorted(
                                c.checkpoint_id for c in ckpts if c.checkpoint_id in resumed),
                            "candidate_size_gb": r6(size),
                            "storage_price_per_gb_month": price,
                            "monthly_delete_saving": r6(size * price)})
        return out

    def gpu_quotas(self) -> dict:
        """GPU usage per team, GPU model and UTC day, what the GPU quotas are measured
        against: GPU-hours are each attempt node's GPUs times the hours it ran that day (cut
        to the window; a running attempt runs to its end), billed cost the compute billed
        to the attempt on charges starting that day. "monthly" sums the days."""
        w = self.world
        job_of = {a.attempt_id: a.job_id for a in w.attempts}
        jobs = {j.job_id: j for j in w.jobs}
        seconds: dict[tuple[str, str, object], int] = {}
        for node in w.nodes:
            job = jobs[job_of[node.attempt_id]]
            start, end = w.attempt_times[node.attempt_id]
            lo, hi = max(start, w.start), min(w.end if end is None else end, w.end)
            if not node.gpus_used or not job.gpu_model:
                continue
            while lo < hi:
                day_end = (lo // DAY + 1) * DAY
                key = (job.team, job.gpu_model, dt_of(lo).date())
                seconds[key] = seconds.get(key, 0) + (min(hi, day_end) - lo) * node.gpus_used
                lo = day_end
        billed: dict[tuple[str, str, object], float] = {}
        for (attempt_id, day), cost in self.attempt_day_billed.items():
            job = jobs[job_of[attempt_id]]
            if job.gpu_model:
                key = (job.team, job.gpu_model, day)
                billed[key] = billed.get(key, 0.0) + cost
        keys = sorted(set(seconds) | set(billed))
        daily = [{"team": team, "gpu_model": model, "date": day.isoformat(),
                  "gpu_hours": r6(seconds.get((team, model, day), 0) / 3600),
                  "billed_cost": r6(billed.get((team, model, day), 0.0))}
                 for team, model, day in keys]
        monthly: dict[tuple[str, str, str], list[float]] = {}
        for team, model, day in keys:
            m = monthly.setdefault((team, model, day.strftime("%Y-%m")), [0, 0.0])
            m[0] += seconds.get((team, model, day), 0)
            m[1] += billed.get((team, model, day), 0.0)
        return {"daily": daily,
                "monthly": [{"team": team, "gpu_model": model, "month": month,
                             "gpu_hours": r6(v[0] / 3600), "billed_cost": r6(v[1])}
                            for (team, model, month), v in sorted(monthly.items())]}

    def stale_storage(self) -> list[dict]:
        """Per storage resource and month: the billed days that came STALE_STORAGE_DAYS or
        more after the later of its first billed day and its last touch, and their cost."""
        by_resource: dict[str, list] = {}
        for (rid, day), units in self.storage_days.items():
            by_resource.setdefault(rid, []).append((day, units))
        provider = {i.disk_id: i.provider for i in self.world.instances}
        provider.update({v.resource_id: v.provider for v in self.world.volumes})
        provider.update({b.resource_id: b.provider for b in self.world.buckets})
        out: dict[tuple[str, str], list[int]] = {}
        for rid, days in by_resource.items():
            days.sort()
            first = days[0][0]
            touches = sorted(self.touch_days.get(rid, ()))
            for day, units in days:
                last = max((t for t in touches if t <= day), default=first)
                if (day - max(last, first)).days >= STALE_STORAGE_DAYS:
                    s = out.setdefault((rid, day.strftime("%Y-%m")), [0, 0])
                    s[0] += 1
                    s[1] += units
        evidence = self.storage_evidence
        return [{"provider": provider[rid], "resource_id": rid,
                 "kind": self.storage_kind[rid], "month": month, "stale_days": v[0],
                 "stale_billed_cost": from_units(v[1]),
                 "evidence": evidence.get(rid, "none"),
                 "confidence": STORAGE_EVIDENCE[evidence.get(rid, "none")]}
                for (rid, month), v in sorted(out.items())]

    def storage_ties(self) -> list[dict]:
        """The planted storage only one kind of evidence ties to what uses it: the days it
        was billed and the days it would be stale without that evidence."""
        billed: dict[str, list] = {}
        for (rid, day), units in self.storage_days.items():
            billed.setdefault(rid, []).append(day)
        out = []
        for evidence, rid in self.world.planted_storage_ties:
            days = sorted(billed.get(rid, ()))
            untouched = sum(1 for day in days
                            if (day - days[0]).days >= STALE_STORAGE_DAYS)
            out.append({"resource_id": rid, "kind": self.storage_kind[rid],
                        "evidence": evidence, "found_evidence": self.storage_evidence.get(
                            rid, "none"),
                        "billed_days": len(days), "stale_days_without_evidence": untouched})
        return out


def uri_storage_name(uri: str) -> str:
    """The bucket (s3://, gs://) or Azure storage account (abfss://container@account...,
    https://account.blob.core.windows.net/...) a URI names; "" for none."""
    if "://" not in uri:
        return ""
    host = uri.split("/")[2].lower()
    if host.endswith(".core.windows.net"):
        return host.split("@")[-1].split(".")[0]
    return host


def storage_price_per_gb_month(provider: str, region: str) -> float:
    """What the simulation bills a bucket's stored GB-month at (ChargeGenerator.bucket_charges)."""
    if provider == "aws":
        return catalog.AWS_S3_STANDARD_GB_MONTH
    if provider == "gcp":
        return catalog.gcp_gcs_sku(region).unit_price
    return catalog.azure_blob_meter(region).unit_price


def union_length(intervals: list[tuple[int, int]]) -> int:
    if not intervals:
        return 0
    if len(intervals) == 1:
        return intervals[0][1] - intervals[0][0]
    total, cur_lo, cur_hi = 0, None, None
    for lo, hi in sorted(intervals):
        if cur_hi is None or lo > cur_hi:
            if cur_hi is not None:
                total += cur_hi - cur_lo
            cur_lo, cur_hi = lo, hi
        else:
            cur_hi = max(cur_hi, hi)
    return total + (cur_hi - cur_lo)


def r6(x: float) -> float:
    return round(x, 6) + 0.0
