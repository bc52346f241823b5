"""Off-hours and peak-time waste recover the generator's planted facts to the cent.

The generator (Builder.scheduling_scenario, truth key ``scheduling_opportunities``) plants
a speech-team notebook machine (Europe/Berlin, Mon-Fri 8-17) up from a Friday morning to
a Monday evening over the weekend of the EU DST change, with sessions on Friday and
Monday only, and an on-demand g5.2xlarge batch inference job started at 10:30 New York
time on a weekday, with spot g5.2xlarge capacity billed the same day. The truth reads
local time with zoneinfo from the simulated charges, not from the marts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from build_support import BuiltProject

CENT = 0.01
MART = "main_marts.rpt_ml_scheduling_opportunities"
HOURS = "main_intermediate.int_dev_machine_hours_classified"
NODES = "main_intermediate.int_attempt_nodes_joined"
JOBS = "main_marts.fct_ml_job_costs"
# The default of var mlcost_peak_hours.
PEAK_ZONE, PEAK_DAYS, PEAK_START, PEAK_END = "America/New_York", range(0, 5), 9, 17


def truth(built_sample: BuiltProject) -> dict:
    return built_sample.truth["scheduling_opportunities"]


def test_planted_off_hours_machine_to_the_cent(built_sample: BuiltProject) -> None:
    machine = truth(built_sample)["off_hours_machine"]
    assert machine["months"], "the sample should plant an off-hours machine"
    for month in machine["months"]:
        rows = built_sample.query(f"""
            select team, time_zone, off_hours, billed_cost, saving,
                saving_in_reporting_currency, job_id
            from {MART}
            where opportunity_type = 'off_hours_machine' and resource_id = ?
                and strftime(opportunity_month, '%Y-%m') = ?""",
                                  [machine["resource_id"], month["month"]])
        assert len(rows) == 1, (machine["resource_id"], month["month"])
        team, zone, hours, billed, saving, saving_reporting, job_id = rows[0]
        assert (team, zone, job_id) == (machine["team"], machine["time_zone"], None)
        assert hours == month["off_hours"]
        assert float(billed) == pytest.approx(month["billed_cost"], abs=CENT)
        assert float(saving) == pytest.approx(month["billed_cost"], abs=CENT)
        # the sample bills in USD, the default reporting currency
        assert float(saving_reporting) == pytest.approx(month["billed_cost"], abs=CENT)


def test_dst_day_has_its_local_hours(built_sample: BuiltProject) -> None:
    """The planted machine is up all of the DST day with no attempt: every local hour of
    that day is off hours, 25 when clocks fall back, 23 when they spring forward."""
    machine = truth(built_sample)["off_hours_machine"]
    day = datetime.fromisoformat(machine["dst_date"]).date()
    zone = ZoneInfo(machine["time_zone"])
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    next_day = day + timedelta(days=1)
    next_midnight = datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone)
    # timestamps: subtracting aware datetimes of one zone ignores the offset change
    local_hours = round(next_midnight.timestamp() - midnight.timestamp()) // 3600
    assert local_hours in (23, 25), "the sample window should cross a DST change"
    ((hours, distinct_local),) = built_sample.query(f"""
        select count(*), count(distinct local_hour_start)
        from {HOURS}
        where resource_id = ? and local_date = cast(? as date) and is_idle_off_hour""",
                                                  [machine["resource_id"], machine["dst_date"]])
    assert hours == local_hours == machine["dst_date_off_hours"]
    # fall back repeats a local hour: 25 UTC hours show 24 wall-clock hours
    assert distinct_local == 24


def test_off_hours_never_have_an_attempt_running(built_sample: BuiltProject) -> None:
    overlapping = built_sample.query(f"""
        select hours.resource_id, hours.hour_start, nodes.attempt_id
        from {HOURS} as hours
        inner join {NODES} as nodes
            on hours.resource_key = nodes.resource_key
            and nodes.started_at < hours.hour_start + interval 1 hour
            and coalesce(nodes.ended_at, hours.hour_start + interval 1 hour) > hours.hour_start
        where hours.is_idle_off_hour
        limit 5""")
    assert not overlapping
    ((idle_hours,),) = built_sample.query(
        f"select count(*) from {HOURS} where is_idle_off_hour")
    assert idle_hours > 0


def test_off_hours_are_outside_working_hours_in_local_time(built_sample: BuiltProject) -> None:
    """The planted team's local hours, by zoneinfo: idle off hours of its machines start
    outside Mon-Fri 8-17 Berlin time, and hours inside it never count."""
    machine = truth(built_sample)["off_hours_machine"]
    zone = ZoneInfo(machine["time_zone"])
    rows = built_sample.query(f"""
        select hour_start, is_working_hour, has_attempt_running, is_idle_off_hour
        from {HOURS} where resource_id = ? order by hour_start""", [machine["resource_id"]])
    assert rows
    for hour_start, is_working, busy, idle_off in rows:
        local = hour_start.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
        assert is_working == (local.weekday() < 5 and 8 <= local.hour < 17), hour_start
        assert idle_off == (not is_working and not busy), hour_start


def test_mart_sums_the_idle_off_hours(built_sample: BuiltProject) -> None:
    mart = built_sample.query(f"""
        select strftime(opportunity_month, '%Y-%m'), sum(off_hours), sum(billed_cost)
        from {MART} where opportunity_type = 'off_hours_machine' group by 1 order by 1""")
    hours = built_sample.query(f"""
        select strftime(hour_start, '%Y-%m'), count(*), sum(billed_cost)
        from {HOURS} where is_idle_off_hour group by 1 order by 1""")
    assert mart == hours


def test_planted_peak_job_saving_to_the_cent(built_sample: BuiltProject) -> None:
    job = truth(built_sample)["peak_job"]
    rows = built_sample.query(f"""
        select team, job_type, instance_type, strftime(opportunity_month, '%Y-%m'),
            started_at, started_at_local, time_zone, spot_discount, billing_currency,
            billed_cost, saving, saving_in_reporting_currency
        from {MART}
        where opportunity_type = 'peak_on_demand_job' and job_id = ?""", [job["job_id"]])
    assert len(rows) == 1, job["job_id"]
    (team, job_type, instance_type, month, started, started_local, zone, discount, currency,
     billed, saving, saving_reporting) = rows[0]
    assert (team, job_type, instance_type, month, currency) == (
        job["team"], job["job_type"], job["instance_type"], job["month"], job["currency"])
    assert started.strftime("%Y-%m-%dT%H:%M:%SZ") == job["started_at"]
    assert str(started_local) == job["started_at_local"]
    assert zone == PEAK_ZONE
    assert discount == pytest.approx(job["spot_discount"], abs=1e-9)
    assert float(billed) == pytest.approx(job["billed_cost"], abs=CENT)
    assert float(saving) == pytest.approx(job["saving"], abs=CENT)
    assert float(saving_reporting) == pytest.approx(job["saving"], abs=CENT)


def test_peak_jobs_are_on_demand_deferrable_and_started_in_peak_hours(
        built_sample: BuiltProject) -> None:
    rows = built_sample.query(f"""
        select mart.job_id, mart.started_at, jobs.job_type, jobs.is_spot, mart.spot_discount
        from {MART} as mart
        inner join {JOBS} as jobs on mart.job_id = jobs.job_id
        where mart.opportunity_type = 'peak_on_demand_job'""")
    assert rows
    zone = ZoneInfo(PEAK_ZONE)
    for job_id, started, job_type, is_spot, discount in rows:
        local = started.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone)
        assert local.weekday() in PEAK_DAYS and PEAK_START <= local.hour < PEAK_END, job_id
        assert job_type in ("training", "batch_inference") and not is_spot, job_id
        assert 0 < discount < 1, job_id
