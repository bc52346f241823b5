"""The same four outputs as the floor (floor.sql), the way an analyst would write them in
pandas: the unified cost table's core columns, job costs, egress routes per day and tag
coverage per day, from one AWS CUR 2.0 parquet export and the four ML job tables. Each
output is written as <out-dir>/<name>.parquet for scripts/benchmark.py to check against the
floor. Exits 3 on MemoryError (the benchmark reports "did not finish").
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
# An EC2 instance id, instance ARN or Kubernetes providerID: the instance id is the key.
INSTANCE_KEY = r"^(?:arn:aws[a-z-]*:ec2:[^:]*:[0-9]*:instance/|aws:/+(?:[^/]+/)?)?(i-[0-9a-f]+)$"
LINE_TYPE_CATEGORY = {
    **dict.fromkeys(["Usage", "DiscountedUsage", "SavingsPlanCoveredUsage",
                     "SavingsPlanNegation"], "Usage"),
    **dict.fromkeys(["Fee", "RIFee", "SavingsPlanRecurringFee", "SavingsPlanUpfrontFee"],
                    "Purchase"),
    "Tax": "Tax",
    **dict.fromkeys(["Credit", "BundledDiscount", "EdpDiscount", "PrivateRateDiscount",
                     "DistributorDiscount", "SppDiscount"], "Credit"),
}


def seed(name: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS_DIR / f"{name}.csv", dtype=str, keep_default_na=False,
                       na_values=[""])


def normalized_key(key: str) -> str:
    key = key.strip().lower()
    if key.startswith("user:") or key.startswith("user_"):
        key = key[5:]
    for old in "- :.":
        key = key.replace(old, "_")
    return key


def utc(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True, errors="coerce").dt.tz_localize(None)


def coalesce(*series: pd.Series) -> pd.Series:
    result = series[0]
    for other in series[1:]:
        result = result.where(result.notna(), other)
    return result


# --- unified cost table -----------------------------------------------------------------

def tag_sets(raw_tags: pd.Series) -> tuple[pd.Series, pd.DataFrame]:
    """Each line's tag set as a hashable key, and per distinct set: canonical team,
    project and job_id tags, the required tags present and the team tag's value."""
    aliases = dict(seed("tag_aliases")[["tag_key", "canonical_key"]].values)
    policy = seed("tag_policy")
    policy = policy[(policy.is_required == "true") & policy.provider.isin(["all", "aws"])]
    alias_tag = dict(zip(policy.key_alias, policy.tag_name))
    keys = pd.Series([tuple(sorted((k, v) for k, v in entries if v is not None and v.strip()))
                      if entries is not None else () for entries in raw_tags],
                     index=raw_tags.index)
    rows = []
    for tags in keys.unique():
        chosen: dict[str, tuple] = {}
        present, team_values = set(), []
        for key, value in tags:
            normal = normalized_key(key)
            canonical = aliases.get(normal, normal)
            rank = (0 if normal not in aliases else 1, key)
            if canonical not in chosen or rank < chosen[canonical][0]:
                chosen[canonical] = (rank, value)
            if normal in alias_tag:
                present.add(alias_tag[normal])
                if alias_tag[normal] == "team":
                    team_values.append(value.strip().lower())
        rows.append({"tags": tags, **{f"x_tag_{name}": chosen.get(name, (None, None))[1]
                                      for name in ("team", "project", "job_id")},
                     "present": frozenset(present),
                     "tag_team": min(team_values) if team_values else None})
    return keys, pd.DataFrame(rows)


def cost_lines(cur2: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    files = sorted(glob.glob(cur2, recursive=True))
    raw = pd.concat([pd.read_parquet(path) for path in files], ignore_index=True)
    raw = raw[raw.line_item_currency_code.notna()].reset_index(drop=True)
    line_type = raw.line_item_line_item_type
    category = line_type.map(LINE_TYPE_CATEGORY).fillna("Adjustment")
    usage_type = raw.line_item_usage_type.fillna("")
    from_usage_type = usage_type.str.rsplit(":", n=1).str[-1].where(
        usage_type.str.contains("Usage:|Train:|Notebk:|Host:", regex=True))
    instance_type = coalesce(raw.product_instance_type, from_usage_type)
    regions = seed("regions")
    regions = regions[regions.provider == "aws"]
    region_by_name = dict(zip(regions.region_name, regions.region_id))
    name_by_region = dict(zip(regions.region_id, regions.region_name))
    location = raw.product_location.str.replace("EU (", "Europe (", regex=False)
    region_id = coalesce(raw.product_region_code, location.map(region_by_name))
    services = seed("service_categories")
    services = services[services.provider == "aws"].set_index("service_code")
    gpus = seed("gpu_catalog")
    gpus = gpus[gpus.provider == "aws"].set_index("instance_type").gpu_count.astype(float)
    zero = pd.Series(0.0, index=raw.index)
    effective = np.select(
        [line_type == "SavingsPlanCoveredUsage", line_type.isin(["SavingsPlanNegation",
                                                                 "SavingsPlanUpfrontFee"]),
         line_type == "SavingsPlanRecurringFee", line_type == "DiscountedUsage",
         line_type == "RIFee", (line_type == "Fee") & raw.reservation_reservation_a_r_n.notna()],
        [raw.savings_plan_savings_plan_effective_cost, zero,
         raw.savings_plan_total_commitment_to_date.fillna(0)
         - raw.savings_plan_used_commitment.fillna(0),
         raw.reservation_effective_cost,
         raw.reservation_unused_amortized_upfront_fee_for_billing_period.fillna(0)
         + raw.reservation_unused_recurring_fee.fillna(0), zero],
        raw.line_item_unblended_cost)
    amount = raw.line_item_usage_amount
    quantity = np.select(
        [category == "Tax", (category == "Purchase") & (amount.fillna(0) == 0),
         category.isin(["Usage", "Purchase"]) | raw.pricing_unit.notna()],
        [np.nan, 1.0, amount], np.nan)
    sku = np.where(category == "Tax", None, np.where(
        raw.product_sku.notna(), raw.product_sku,
        np.where(category.isin(["Usage", "Purchase"]),
                 raw.line_item_product_code.fillna("") + ":" + usage_type, None)))
    period = raw.bill_billing_period_start_date.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    line_keys = [hashlib.md5(f"aws_cur2_parquet|{i or ''}|{t or ''}|{p}".encode()).hexdigest()
                 for i, t, p in zip(raw.identity_line_item_id, raw.identity_time_interval,
                                    period)]
    tag_keys, tag_table = tag_sets(raw.resource_tags)
    tag_columns = pd.DataFrame({"tags": tag_keys}).merge(tag_table, on="tags", how="left")
    transfer_type = pd.Series([dict(entries).get("transfer_type") if entries is not None
                               else None for entries in raw["product"]], index=raw.index)
    lines = pd.DataFrame({
        "x_line_key": line_keys,
        "billing_account_id": raw.bill_payer_account_id,
        "sub_account_id": raw.line_item_usage_account_id,
        "billing_period_start": raw.bill_billing_period_start_date,
        "charge_period_start": raw.line_item_usage_start_date,
        "charge_period_end": raw.line_item_usage_end_date,
        "charge_category": category,
        "charge_description": raw.line_item_line_item_description,
        "billed_cost": raw.line_item_unblended_cost,
        "effective_cost": effective,
        "pricing_quantity": quantity,
        "pricing_unit": raw.pricing_unit,
        "region_id": region_id,
        "region_name": coalesce(region_id.map(name_by_region), raw.product_location),
        "resource_id": raw.line_item_resource_id.replace("", None),
        "service_category": raw.line_item_product_code.map(
            services.service_category).fillna("Other"),
        "service_name": coalesce(raw.line_item_product_code.map(services.service_name),
                                 raw.line_item_product_code),
        "sku_id": sku,
        "tags": tag_keys,
        "x_tag_team": tag_columns.x_tag_team.values,
        "x_tag_project": tag_columns.x_tag_project.values,
        "x_tag_job_id": tag_columns.x_tag_job_id.values,
        "x_line_type": line_type,
        "x_usage_type": raw.line_item_usage_type,
        "x_instance_type": instance_type,
        "x_gpu_count": instance_type.map(gpus),
        "x_transfer_from_region": raw.product_from_region_code,
        "x_transfer_to_region": raw.product_to_region_code,
        "x_transfer_from_location": raw.product_from_location,
        "x_transfer_to_location": raw.product_to_location,
        "x_transfer_type": transfer_type,
        "x_consumed_seconds": (amount * 3600).where(
            (category == "Usage") & raw.pricing_unit.isin(["Hrs", "Hours", "hours", "Hour"])),
    })
    return lines, tag_table


# --- job costs --------------------------------------------------------------------------

def resource_key(values: pd.Series) -> pd.Series:
    cleaned = values.astype("string").str.strip().str.lower().str.rstrip("/")
    return coalesce(cleaned.str.extract(INSTANCE_KEY, expand=False),
                    cleaned.replace("", pd.NA)).astype(object)


def valid_jobs(paths: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    def parses(frame: pd.DataFrame, column: str, parse) -> pd.Series:
        return frame[column].isna() | parse(frame[column]).notna()

    def number(values: pd.Series) -> pd.Series:
        return pd.to_numeric(values, errors="coerce")

    def boolean(values: pd.Series) -> pd.Series:
        return values.str.lower().map({"true": True, "false": False, "t": True, "f": False,
                                       "1": True, "0": False})

    jobs = pd.read_csv(paths["jobs"], dtype=str)
    jobs = jobs[jobs[["job_id", "job_type", "provider", "status"]].notna().all(axis=1)
                & parses(jobs, "node_count", number) & parses(jobs, "gpus_per_node", number)
                & parses(jobs, "is_spot", boolean) & parses(jobs, "checkpoint_enabled", boolean)
                & parses(jobs, "submitted_at", utc)]
    attempts = pd.read_csv(paths["attempts"], dtype=str)
    attempts["started"], attempts["ended"] = utc(attempts.started_at), utc(attempts.ended_at)
    attempts = attempts[attempts[["attempt_id", "job_id", "status"]].notna().all(axis=1)
                        & number(attempts.attempt_number).notna()
                        & attempts.started.notna() & parses(attempts, "ended_at", utc)
                        & parses(attempts, "gpu_utilization_pct", number)
                        & ~(attempts.ended < attempts.started)]
    attempts = attempts[attempts.job_id.isin(jobs.job_id)]
    nodes = pd.read_csv(paths["nodes"], dtype=str)
    nodes = nodes[nodes[["attempt_id", "resource_id"]].notna().all(axis=1)
                  & number(nodes.node_index).notna() & parses(nodes, "gpus_used", number)]
    checkpoints = pd.read_csv(paths["checkpoints"], dtype=str)
    checkpoints["saved"] = utc(checkpoints.saved_at)
    checkpoints = checkpoints[
        checkpoints[["checkpoint_id", "job_id", "attempt_id"]].notna().all(axis=1)
        & checkpoints.saved.notna() & parses(checkpoints, "step", number)
        & parses(checkpoints, "size_gb", number)]
    nodes = nodes.merge(attempts[["attempt_id", "job_id", "started", "ended"]], on="attempt_id")
    nodes = nodes.merge(jobs[["job_id", "gpus_per_node"]], on="job_id")
    nodes["attempt_node_id"] = nodes.attempt_id + "|" + number(nodes.node_index).astype(
        "int64").astype(str)
    nodes["resource_key"] = resource_key(nodes.resource_id)
    nodes["gpus_used"] = coalesce(number(nodes.gpus_used), number(nodes.gpus_per_node))
    return jobs, attempts, nodes


def job_costs(lines: pd.DataFrame, paths: dict[str, str]) -> pd.DataFrame:
    jobs, attempts, nodes = valid_jobs(paths)
    machine = lines[lines.resource_id.notna() & (lines.charge_category == "Usage")
                    & lines.x_instance_type.notna()].copy()
    machine["resource_running_seconds"] = machine.groupby(
        ["resource_id", "charge_period_start", "charge_period_end"]
    ).x_consumed_seconds.transform("max")
    machine["resource_key"] = resource_key(machine.resource_id)
    joined = machine[["x_line_key", "resource_key", "charge_period_start", "charge_period_end",
                      "billed_cost", "effective_cost", "sku_id", "x_line_type", "x_gpu_count",
                      "x_consumed_seconds", "resource_running_seconds"]].merge(
        nodes[["resource_key", "attempt_node_id", "job_id", "gpus_used", "started", "ended"]],
        on="resource_key")
    end = joined.ended.fillna(joined.charge_period_end)
    joined = joined[(joined.charge_period_start < end)
                    & (joined.charge_period_end > joined.started)].copy()
    end = joined.ended.fillna(joined.charge_period_end)
    joined["overlap"] = (np.minimum(joined.charge_period_end, end)
                         - np.maximum(joined.charge_period_start, joined.started)
                         ).dt.total_seconds()
    joined["running"] = coalesce(
        joined.x_consumed_seconds, joined.resource_running_seconds,
        (joined.charge_period_end - joined.charge_period_start).dt.total_seconds())
    joined = joined[joined.overlap > 0].copy()
    joined["is_negation"] = joined.billed_cost < 0
    joined["partial_last"] = np.where(
        (joined.running - (joined.running / 3600).round() * 3600).abs() > 1, 0, 1)
    group = ["attempt_node_id", "resource_key", "charge_period_start", "sku_id",
             "x_line_type", "is_negation"]
    joined = joined.sort_values(group + ["partial_last", "x_line_key"])
    grouped = joined.groupby(group, dropna=False).running
    joined["group_running"] = grouped.transform("sum")
    joined["before"] = grouped.cumsum() - joined.running
    not_overlapped = np.minimum(joined.running, np.maximum(
        0, np.maximum(joined.group_running - joined.overlap, 0) - joined.before))
    gpu_share = np.where((joined.x_gpu_count > 0) & (joined.gpus_used > 0)
                         & (joined.gpus_used < joined.x_gpu_count),
                         joined.gpus_used / joined.x_gpu_count, 1.0)
    share = np.where(joined.running <= 0, 0,
                     (joined.running - not_overlapped) / joined.running) * gpu_share
    joined["billed"] = joined.billed_cost * share
    joined["effective"] = joined.effective_cost * share
    per_job = joined.groupby("job_id")[["billed", "effective"]].sum()
    counts = attempts.groupby("job_id").size().rename("attempt_count")
    result = jobs[["job_id"]].drop_duplicates().set_index("job_id").join(per_job).join(counts)
    return pd.DataFrame({"job_id": result.index,
                         "attempt_count": result.attempt_count.fillna(0).astype("int64").values,
                         "billed_cost": result.billed.fillna(0).values,
                         "effective_cost": result.effective.fillna(0).values})


# --- egress routes ----------------------------------------------------------------------

def contains(text: pd.Series, *fragments: str) -> pd.Series:
    return text.str.contains("|".join(re.escape(f) for f in fragments), regex=True)


def egress_routes(lines: pd.DataFrame) -> pd.DataFrame:
    usage = lines.x_usage_type.fillna("").str.lower()
    transfer_type = lines.x_transfer_type.fillna("").str.lower()
    is_transfer = ((lines.x_transfer_type.fillna("").str.strip() != "")
                   | contains(usage, "bytes", "data transfer", "egress", "ingress",
                              "data processed")
                   | lines.service_name.fillna("").str.lower().isin(
                       ["bandwidth", "content delivery network"])
                   | lines.charge_description.fillna("").str.lower().str.contains(
                       "data transfer", regex=False))
    transfer = lines[is_transfer].copy()
    kind = transfer_type[is_transfer]
    text = (transfer.service_name.fillna("") + " | " + transfer.x_usage_type.fillna("")
            + " | " + transfer.charge_description.fillna("")).str.lower()
    rules = [
        (kind.str.contains("cloudfront"), "cdn"),
        (kind.str.contains("interregion.*inbound"), "inter_region_inbound"),
        (kind.str.contains("interregion"), "inter_region"),
        (kind.str.contains("intraregion.*inbound"), "inter_az_inbound"),
        (kind.str.contains("intraregion"), "inter_az"),
        (kind.str.contains("inbound"), "internet_inbound"),
        (kind.str.contains("outbound"), "internet"),
        (contains(text, "cloudfront", "cdn", "content delivery"), "cdn"),
        (contains(text, "natgateway", "nat gateway"), "nat"),
        (contains(text, "data processed - ingress"), "private_link_inbound"),
        (contains(text, "data processed - egress"), "private_link"),
        (contains(text, "data processed"), "nat"),
        (contains(text, "-aws-in-bytes", "inter-region ingress"), "inter_region_inbound"),
        (contains(text, "datatransfer-xaz-in-bytes"), "inter_az_inbound"),
        (contains(text, "datatransfer-in-bytes"), "internet_inbound"),
        (contains(text, "intra-region ingress"), "peering_inbound"),
        (contains(text, "intra-region egress"), "peering"),
        (contains(text, "intra zone", "intra-zone", "same zone", "intraaz"), "same_az"),
        (contains(text, "datatransfer-regional-bytes", "datatransfer-xaz-out-bytes",
                  "inter zone", "inter-zone", "inter availability zone", "interzone"),
         "inter_az"),
        (contains(text, "-aws-out-bytes", "inter region", "inter-region", "intra continent",
                  "inter continent")
         | (transfer.x_transfer_from_region.notna() & transfer.x_transfer_to_region.notna()
            & (transfer.x_transfer_from_region != transfer.x_transfer_to_region)),
         "inter_region"),
        (contains(text, "datatransfer-out-bytes", "internet", "data transfer out")
         | (transfer.x_transfer_to_location.fillna("").str.lower() == "external"), "internet"),
    ]
    route = pd.Series(np.select([c.fillna(False).to_numpy(bool) for c, _ in rules],
                                [r for _, r in rules], "unclassified"), index=transfer.index)
    destinations = seed("egress_destinations")
    destinations = destinations[destinations.provider == "aws"]
    destination = pd.Series(None, index=transfer.index, dtype=object)
    for pattern, name in sorted(zip(destinations.resource_id_pattern,
                                    destinations.destination), key=lambda p: p[1],
                                reverse=True):
        regex = "^" + re.escape(pattern).replace("%", ".*").replace("_", ".") + "$"
        matches = (route == "internet") & transfer.resource_id.fillna("").str.match(regex)
        destination = destination.where(~matches, name)
    route = route.where(destination.isna(), "inter_cloud")
    regions = seed("regions")
    regions = regions[regions.provider == "aws"].groupby("region_name").region_id.min()
    to_region_product = coalesce(transfer.x_transfer_to_region.replace("", None),
                                 transfer.x_transfer_to_location.map(regions))
    billed_region = coalesce(transfer.x_transfer_from_region.replace("", None),
                             transfer.x_transfer_from_location.map(regions),
                             transfer.region_id, transfer.region_name.map(regions))
    inbound = route.str.endswith("_inbound")
    local = route.isin(["same_az", "inter_az", "private_link"])
    from_region = np.select([route == "inter_region_inbound", route == "internet_inbound"],
                            [to_region_product, None], billed_region)
    to_region = np.select(
        [route == "internet_inbound", local, inbound, route == "inter_region"],
        [coalesce(to_region_product, billed_region), billed_region, billed_region,
         to_region_product], None)
    to_location = np.select(
        [route == "internet_inbound", local, inbound, route == "inter_cloud",
         route.isin(["internet", "nat", "cdn"]), route == "inter_region"],
        [coalesce(to_region_product, billed_region), billed_region, billed_region,
         destination, "internet",
         coalesce(to_region_product, transfer.x_transfer_to_location)], None)
    unit = transfer.pricing_unit.fillna("").str.lower()
    quantity = transfer.pricing_quantity
    usage_gb = np.select(
        [unit.isin(["bytes", "byte"]), unit.isin(["gibibyte", "gibibytes", "gib"]),
         unit.isin(["mb", "megabytes"]), unit.isin(["tb", "terabytes"])],
        [quantity / 1e9, quantity * 1.073741824, quantity / 1e3, quantity * 1e3], quantity)
    served = np.select([(route == "inter_region") | inbound, route == "inter_cloud"],
                       [to_region, None], from_region)
    placed = pd.DataFrame({
        "charge_date": transfer.charge_period_start.dt.floor("D"),
        "billing_account_id": transfer.billing_account_id,
        "sub_account_id": transfer.sub_account_id, "service_name": transfer.service_name,
        "egress_route": route, "from_region": from_region, "to_region": to_region,
        "to_location": to_location, "served_region": served, "usage_gb": usage_gb,
        "billed_cost": transfer.billed_cost, "effective_cost": transfer.effective_cost})
    keys = ["charge_date", "billing_account_id", "sub_account_id", "service_name",
            "egress_route", "from_region", "to_region", "to_location", "served_region"]
    routes = placed.groupby(keys, dropna=False).agg(
        usage_gb=("usage_gb", "sum"), billed_cost=("billed_cost", "sum"),
        effective_cost=("effective_cost", "sum"), line_count=("billed_cost", "size")
    ).reset_index()
    compute = lines[(lines.service_category == "Compute") & (lines.charge_category == "Usage")
                    & ~lines.x_line_key.isin(transfer.x_line_key)]
    compute_daily = compute.groupby(
        [compute.region_id, compute.charge_period_start.dt.floor("D").rename("charge_date")]
    ).billed_cost.sum().rename("served_compute_billed_cost")
    routes = routes.merge(compute_daily.reset_index().rename(
        columns={"region_id": "served_region"}), on=["served_region", "charge_date"],
        how="left")
    # pandas joins a missing region to a missing region; SQL does not.
    routes.loc[routes.served_region.isna(), "served_compute_billed_cost"] = np.nan
    return routes


# --- tag coverage -----------------------------------------------------------------------

def tag_coverage(lines: pd.DataFrame, tag_table: pd.DataFrame, jobs_path: str) -> pd.DataFrame:
    usage = lines[lines.charge_category == "Usage"]
    policy = seed("tag_policy")
    required = sorted(set(policy[(policy.is_required == "true")
                                 & policy.provider.isin(["all", "aws"])].tag_name))
    jobs = pd.read_csv(jobs_path, dtype=str)
    job_team = jobs.drop_duplicates("job_id").set_index("job_id").team.str.lower()
    teams = sorted(set(job_team.dropna()))
    resources = pd.Series(usage.resource_id.dropna().unique())
    lowered = resources.str.lower()
    resource_team = pd.Series(None, index=resources.index, dtype=object)
    for team in reversed(teams):  # the smallest matching name wins, as min() does
        matches = (lowered.str.contains(f"rg-{team}-", regex=False)
                   | lowered.str.contains(f"-{team}-", regex=False))
        resource_team = resource_team.where(~matches, team)
    resource_team.index = resources
    tag_info = tag_table.set_index("tags")
    present = usage.tags.map(tag_info.present)
    owner = coalesce(usage.tags.map(tag_info.tag_team), usage.x_tag_job_id.map(job_team),
                     usage.resource_id.map(resource_team)).fillna("unassigned")
    base = pd.DataFrame({
        "charge_date": usage.charge_period_start.dt.floor("D"),
        "billing_account_id": usage.billing_account_id,
        "sub_account_id": usage.sub_account_id, "service_name": usage.service_name,
        "owner_team": owner, "resource_id": usage.resource_id,
        "billed_cost": usage.billed_cost})
    frames = []
    for tag_name in [*required, "all_required"]:
        wanted = set(required) if tag_name == "all_required" else {tag_name}
        has_tag = present.map(lambda names, wanted=wanted: wanted <= names)
        frames.append(base.assign(
            tag_name=tag_name,
            tagged=base.billed_cost.where(has_tag, 0.0),
            untagged=base.billed_cost.where(~has_tag, 0.0),
            untagged_resource=base.resource_id.where(~has_tag)))
    checked = pd.concat(frames, ignore_index=True)
    keys = ["charge_date", "billing_account_id", "sub_account_id", "service_name",
            "owner_team", "tag_name"]
    return checked.groupby(keys, dropna=False).agg(
        billed_cost=("billed_cost", "sum"), tagged_billed_cost=("tagged", "sum"),
        untagged_billed_cost=("untagged", "sum"), resource_count=("resource_id", "nunique"),
        untagged_resource_count=("untagged_resource", "nunique")).reset_index()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", type=Path, required=True)
    for name in ("cur2", "jobs", "attempts", "nodes", "checkpoints"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    paths = vars(args)
    try:
        lines, tag_table = cost_lines(args.cur2)
        outputs = {
            "ml_job_costs": job_costs(lines, paths),
            "egress_routes_daily": egress_routes(lines),
            "tag_coverage_daily": tag_coverage(lines, tag_table, args.jobs),
            "cost_lines": lines.drop(columns=["tags"]),
        }
        for name, frame in outputs.items():
            frame.to_parquet(args.out_dir / f"{name}.parquet", index=False)
    except MemoryError:
        print("MemoryError: pandas ran out of memory", file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
