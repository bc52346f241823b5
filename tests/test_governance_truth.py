"""The governance and FinOps marts recover what the generator planted: egress routes, untagged
shares, the budget overrun, idle machines, unowned resources and storage left behind.

Only what a bill carries can be recovered. Egress is compared per provider, route and source
region, and per destination region where the bill names it (AWS region pairs, in-region
routes): GCP names only the destination continent and Azure not at all across regions.
Inbound lines (AWS In lines, Azure peering and Private Link ingress) are routes of their own,
never added to the outbound bytes they mirror. GB are 10^9 bytes (GCP bills gibibytes).
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from build_support import BuiltProject

CENT = 0.01
# Routes whose destination region the bill names (to_region), per provider.
NAMED_DESTINATION = {
    "aws": ("inter_region", "inter_az", "inter_region_inbound", "inter_az_inbound",
            "internet_inbound"),
    "azure": ("peering", "peering_inbound", "private_link", "private_link_inbound"),
}


def _truth_routes(built: BuiltProject) -> dict[tuple[str, str, str], list[float]]:
    routes: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for route in built.truth["egress_routes"]:
        key = (route["provider"], route["transfer_type"], route["from"])
        routes[key][0] += route["usage_gb"]
        routes[key][1] += route["billed_cost"]
    return routes


def test_egress_routes_recovered_per_provider_route_and_region(built_sample: BuiltProject) -> None:
    truth = _truth_routes(built_sample)
    rows = built_sample.query("""
        select x_provider, egress_route, from_region, sum(usage_gb), sum(billed_cost)
        from main_marts.fct_egress_routes_daily group by 1, 2, 3""")
    built = {(p, r, f): (float(gb), float(cost)) for p, r, f, gb, cost in rows}
    assert set(built) == set(truth), "every planted route, and no other (none unclassified)"
    for key, (gb, cost) in truth.items():
        assert built[key][0] == pytest.approx(gb, abs=CENT), key
        assert built[key][1] == pytest.approx(cost, abs=CENT), key


def test_egress_destinations_named_where_the_bill_names_them(built_sample: BuiltProject) -> None:
    rows = built_sample.query("""
        select x_provider, egress_route, from_region, to_region, to_location,
            sum(usage_gb), sum(billed_cost)
        from main_marts.fct_egress_routes_daily group by 1, 2, 3, 4, 5""")
    for route in built_sample.truth["egress_routes"]:
        matches = [r for r in rows if r[:3] == (route["provider"], route["transfer_type"],
                                                 route["from"])]
        if route["transfer_type"] in NAMED_DESTINATION.get(route["provider"], ()):
            matches = [r for r in matches if r[3] == route["to"]]
        elif route["transfer_type"] == "inter_cloud":
            matches = [r for r in matches if r[4] == route["to"]]
        elif route["provider"] == "gcp" and route["transfer_type"] == "inter_region":
            assert {r[4] for r in matches} == {"EMEA"}  # europe-west4, as GCP bills it
        assert sum(float(r[5]) for r in matches) == pytest.approx(route["usage_gb"], abs=CENT)
        assert sum(float(r[6]) for r in matches) == pytest.approx(route["billed_cost"], abs=CENT)


def test_aws_in_lines_run_from_the_sending_region(built_sample: BuiltProject) -> None:
    """USW2-USE1-AWS-In-Bytes is data that came into us-west-2 from us-east-1: the CUR names
    the receiving region first on In lines, and so do fromLocation / fromRegionCode."""
    planted = [r for r in built_sample.truth["egress_routes"]
               if (r["provider"], r["transfer_type"]) == ("aws", "inter_region_inbound")]
    assert planted, "the generator plants the In side of the dataset pulls"
    rows = built_sample.query("""
        select from_region, to_region, to_location, sum(usage_gb), sum(billed_cost)
        from main_marts.fct_egress_routes_daily
        where x_provider = 'aws' and egress_route = 'inter_region_inbound'
        group by 1, 2, 3""")
    assert {r[:3] for r in rows} == {(p["from"], p["to"], p["to"]) for p in planted}
    assert sum(float(r[3]) for r in rows) == pytest.approx(
        sum(p["usage_gb"] for p in planted), abs=CENT)


def test_top_route_crossed_regions_to_remote_compute(built_sample: BuiltProject) -> None:
    rows = built_sample.query("""
        select x_provider, egress_route, from_region, to_region
        from main_marts.rpt_egress_top_routes where is_to_remote_compute""")
    assert ("aws", "inter_region", "us-east-1", "us-west-2") in rows


def _team_coverage(built: BuiltProject) -> dict[tuple[str, str], tuple[float, float]]:
    rows = built.query("""
        select x_provider, owner_team, sum(billed_cost), sum(untagged_billed_cost)
        from main_marts.fct_tag_coverage_daily where tag_name = 'team' group by 1, 2""")
    return {(p, team): (float(total), float(untagged)) for p, team, total, untagged in rows}


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure"])
def test_untagged_cost_recovered_per_provider(built_sample: BuiltProject, provider: str) -> None:
    truth = [t for t in built_sample.truth["untagged_share"] if t["provider"] == provider]
    built = {team: v for (p, team), v in _team_coverage(built_sample).items() if p == provider}
    total = sum(t["total_billed_cost"] for t in truth)
    untagged = sum(t["untagged_billed_cost"] for t in truth)
    assert sum(v[0] for v in built.values()) == pytest.approx(total, abs=CENT)
    assert sum(v[1] for v in built.values()) == pytest.approx(untagged, abs=CENT)


def test_team_tagged_cost_recovered_per_owner_team(built_sample: BuiltProject) -> None:
    """Where the team tag is on the line it names the owner team: tagged cost per team is
    exact. Untagged cost reaches its team where the data says whose it is (job_id tag, Azure
    resource group, bucket name); the rest is `unassigned`, never another team's."""
    built = _team_coverage(built_sample)
    for truth in built_sample.truth["untagged_share"]:
        total, untagged = built.get((truth["provider"], truth["team"]), (0.0, 0.0))
        assert total - untagged == pytest.approx(
            truth["total_billed_cost"] - truth["untagged_billed_cost"], abs=CENT), truth
        assert untagged <= truth["untagged_billed_cost"] + CENT, truth


def test_azure_untagged_share_recovered_per_team(built_sample: BuiltProject) -> None:
    """Azure resource ids carry the owner's resource group: every share is recovered."""
    built = _team_coverage(built_sample)
    for truth in built_sample.truth["untagged_share"]:
        if truth["provider"] != "azure":
            continue
        total, untagged = built[("azure", truth["team"])]
        assert total == pytest.approx(truth["total_billed_cost"], abs=CENT), truth
        assert untagged == pytest.approx(truth["untagged_billed_cost"], abs=CENT), truth
        assert untagged / total == pytest.approx(truth["share"], abs=1e-4), truth


def _latest_budgets(built: BuiltProject) -> dict[tuple[str, str, str], tuple]:
    rows = built.query("""
        select budget_scope, scope_value, strftime(budget_month, '%Y-%m'), budget_amount,
            month_to_date_spend, alert_level, days_elapsed, days_in_month,
            forecast_month_end_spend
        from main_marts.fct_budget_status_daily where is_latest""")
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_sub_account_budget_overrun_recovered(built_sample: BuiltProject) -> None:
    """The budgets seed plants an overrun on GCP project tl-ml-research in November; the
    mart's month-to-date spend is the simulation's spend to the cent."""
    truth = {(t["sub_account_id"], t["month"]): t["billed_cost"]
             for t in built_sample.truth["budget_spend"]["sub_account_month"]}
    budgets = {k: v for k, v in _latest_budgets(built_sample).items() if k[0] == "sub_account"}
    assert budgets
    for (_, sub_account, month), (amount, spend, alert, *_) in budgets.items():
        assert float(spend) == pytest.approx(truth[(sub_account, month)], abs=CENT)
        assert (alert == "over") == (truth[(sub_account, month)] > float(amount))
    assert budgets[("sub_account", "tl-ml-research", "2026-11")][2] == "over"


def test_team_budget_overrun_and_forecast(built_sample: BuiltProject) -> None:
    """Team spend counts what the data attributes to the team (never more than the
    simulation's); nlp's November budget is overrun within nine days."""
    truth = {(t["team"], t["month"]): t["billed_cost"]
             for t in built_sample.truth["budget_spend"]["team_month"]}
    budgets = _latest_budgets(built_sample)
    for (scope, team, month), (amount, spend, alert, elapsed, days, forecast) in budgets.items():
        if scope != "team":
            continue
        assert float(spend) <= truth[(team, month)] + CENT
        assert float(forecast) == pytest.approx(float(spend) / elapsed * days, abs=CENT)
    amount, spend, alert, elapsed, *_ = budgets[("team", "nlp", "2026-11")]
    assert alert == "over" and truth[("nlp", "2026-11")] > float(amount) and elapsed == 9
    assert budgets[("team", "vision", "2026-11")][2] == "warn"


def test_commitments_recovered(built_sample: BuiltProject) -> None:
    """truth.json `commitments`: the Savings Plan's hourly commitment, the RI, the GCP GPU CUD
    and the Azure reservation, read back from the FOCUS commitment columns."""
    truth = built_sample.truth["commitments"]
    rows = built_sample.query("""
        select x_provider, commitment_type, commitment_month, commitment_count,
            committed_units, committed_cost_per_hour, utilization_ratio, coverage_ratio
        from main_marts.fct_commitment_utilization_monthly""")
    by_type: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    for row in rows:
        by_type[(row[0], row[1])].append(row[2:])
    assert set(by_type) == {("aws", "Savings Plan"), ("aws", "Reserved Instance"),
                            ("gcp", "Committed Use Discount"), ("azure", "Reservation")}
    for _, count, _, per_hour, *_ in by_type[("aws", "Savings Plan")]:
        assert float(per_hour) == pytest.approx(truth["aws_savings_plan_hourly_commitment"],
                                                abs=CENT)
    for _, count, *_ in by_type[("aws", "Reserved Instance")]:
        assert count == truth["aws_reserved_instances"]
    for _, _, units, *_ in by_type[("gcp", "Committed Use Discount")]:
        assert units == pytest.approx(truth["gcp_cud_gpus"])
    for _, _, units, *_ in by_type[("azure", "Reservation")]:
        assert units == pytest.approx(truth["azure_reserved_vms"])
    for values in by_type.values():
        for *_, utilization, coverage in values:
            assert 0 < utilization <= 1 and 0 < coverage <= 1


def test_gpu_hour_prices_match_the_public_rates(built_sample: BuiltProject) -> None:
    """On-demand GPU-hours cost the catalog's public rate: the mart's effective price
    equals the seed's reference for the same instance class on the same provider."""
    rows = built_sample.query("""
        select x_provider, gpu_model, effective_price_per_gpu_hour,
            provider_reference_price_per_gpu_hour
        from main_marts.fct_gpu_hour_prices_monthly
        where pricing_category = 'Standard' and gpu_hours > 0
            and (x_provider, gpu_model) in (('aws', 'H100'), ('gcp', 'L4'), ('azure', 'H100'))""")
    assert len({(r[0], r[1]) for r in rows}) == 3
    for _, _, price, reference in rows:
        assert price == pytest.approx(reference, rel=1e-3)


def test_spend_anomalies_flag_few_days(built_sample: BuiltProject) -> None:
    flagged, days = built_sample.query("""
        select count(*) filter (where is_anomaly), count(*)
        from main_marts.fct_spend_anomalies_daily""")[0]
    assert 0 < flagged < days * 0.1


IDLE_REPORT = "main_marts.rpt_idle_and_orphaned_resources"


def _findings(built: BuiltProject, finding: str) -> dict[tuple[str, str], tuple]:
    rows = built.query(f"""
        select lower(resource_id), strftime(usage_month, '%Y-%m'), finding_billed_cost,
            stale_days, idle_hours, evidence, confidence
        from {IDLE_REPORT} where finding = ?""", [finding])
    return {(rid, month): (float(cost), days, hours, evidence, confidence)
            for rid, month, cost, days, hours, evidence, confidence in rows}


def test_idle_machines_recovered_per_resource(built_sample: BuiltProject) -> None:
    idle: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for (rid, _), (cost, _, hours, _, _) in _findings(built_sample, "idle_machine").items():
        idle[rid][0] += cost
        idle[rid][1] += hours
    planted = [row for row in built_sample.truth["idle"] if row["planted"]]
    assert planted, "the sample should plant idle machines"
    for row in built_sample.truth["idle"]:
        built = idle.get(row["resource_id"].lower())
        assert built is not None, row
        assert built[0] == pytest.approx(row["idle_billed_cost"], abs=CENT), row
        assert built[1] == pytest.approx(row["idle_hours"], abs=CENT), row


def test_unowned_resources_recovered_per_month(built_sample: BuiltProject) -> None:
    truth = {(row["resource_id"].lower(), row["month"]): row["billed_cost"]
             for row in built_sample.truth["unowned_resources"]}
    built = _findings(built_sample, "unowned_resource")
    assert truth, "the sample should leave some resources without an owner tag"
    assert set(built) == set(truth)
    for key, cost in truth.items():
        assert built[key][0] == pytest.approx(cost, abs=CENT), key


def test_stale_storage_recovered_per_month(built_sample: BuiltProject) -> None:
    truth = {(row["resource_id"].lower(), row["month"]): row
             for row in built_sample.truth["stale_storage"]}
    built = _findings(built_sample, "stale_storage")
    assert set(built) == set(truth)
    for key, row in truth.items():
        assert built[key][0] == pytest.approx(row["stale_billed_cost"], abs=CENT), key
        assert built[key][1] == row["stale_days"], key
        assert built[key][3:] == (row["evidence"], row["confidence"]), key
    kinds = {row["kind"] for row in truth.values()}
    assert {"unattached_volume", "checkpoints_bucket"} <= kinds
    # Disks left behind: nothing ties them, so nothing says they are in use.
    assert {row["confidence"] for row in truth.values()
            if row["kind"] == "unattached_volume"} == {"low"}


def test_disks_left_behind_are_stale_running_machines_disks_are_not(built_sample: BuiltProject) -> None:
    """Every disk nobody deleted is stale; no GCP or Azure boot disk of a running machine is."""
    truth = built_sample.truth["stale_storage"]
    left_behind = {row["resource_id"].lower() for row in truth
                   if row["kind"] == "unattached_volume"}
    assert {row["provider"] for row in truth if row["kind"] == "unattached_volume"} == \
        {"aws", "gcp", "azure"}
    built = _findings(built_sample, "stale_storage")
    assert left_behind <= {rid for rid, _ in built}
    boot_disks = built_sample.query(f"""
        select count(*) from {IDLE_REPORT}
        where finding = 'stale_storage' and x_provider in ('gcp', 'azure')
            and (lower(resource_id) like '%osdisk%'
                 or resource_name in (select resource_name from main_marts.fct_cost_lines
                                      where x_instance_type is not null))""")
    assert boot_disks == [(0,)]
