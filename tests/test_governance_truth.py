"""The governance and FinOps marts recover what the generator planted: egress routes, untagged
shares, the budget overrun.

Only what a bill carries can be recovered. Egress is compared per provider, route and source
region, and per destination region where the bill names it (AWS region pairs): GCP names only
the destination continent and Azure not at all.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from build_support import BuiltProject, built_sample  # noqa: F401  (session fixture)

CENT = 0.01


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
        if route["provider"] == "aws" and route["transfer_type"] in ("inter_region", "inter_az"):
            matches = [r for r in matches if r[3] == route["to"]]
        elif route["transfer_type"] == "inter_cloud":
            matches = [r for r in matches if r[4] == route["to"]]
        elif route["provider"] == "gcp" and route["transfer_type"] == "inter_region":
            assert {r[4] for r in matches} == {"EMEA"}  # europe-west4, as GCP bills it
        assert sum(float(r[5]) for r in matches) == pytest.approx(route["usage_gb"], abs=CENT)
        assert sum(float(r[6]) for r in matches) == pytest.approx(route["billed_cost"], abs=CENT)


def test_top_route_crossed_regions_to_remote_compute(built_sample: BuiltProject) -> None:
    rows = built_sample.query("""
        select x_provider, egress_route, from_region, to_region
        from main_marts.rpt_egress_top_routes where is_to_remote_compute""")
    assert ("aws", "inter_region", "us-east-1", "us-west-2") in rows
