"""Inference unit costs recover the generator's planted serving traffic to the cent.

The generator (truth key ``serving_unit_costs``) gives the sample's serving endpoints hourly
traffic per tenant with a daily cycle: in the contract table ``ml_serving_traffic`` and, for
the embedder endpoint, as a SageMaker CloudWatch metric stream. From the simulated charges of
the serving machines it computes the cost per 1k requests of one tenant-day, the cost per 1M
output tokens of the generative endpoint's day, and the ranking endpoint's autoscaling
opportunity; it plants bad traffic rows and hours with cost and no traffic.
"""

from __future__ import annotations

import pytest

from build_support import BuiltProject

CENT = 0.01
HOURLY = "main_marts.fct_ml_serving_costs_hourly"
DAILY = "main_marts.rpt_ml_inference_unit_costs"
QUARANTINE = "main_marts.fct_quarantined_ml_job_records"


def truth_of(built: BuiltProject) -> dict:
    truth = built.truth["serving_unit_costs"]
    assert truth["cost_split"] == "requests" and truth["low_traffic_share"] == 0.3
    return truth


def test_tenant_cost_per_1k_requests_to_the_cent(built_sample: BuiltProject) -> None:
    planted = truth_of(built_sample)["tenant_day"]
    rows = built_sample.query(f"""
        select requests, billed_cost, effective_cost, effective_cost_per_1k_requests,
            effective_cost_per_1k_requests_in_reporting_currency, requests_per_gpu_hour
        from {DAILY}
        where job_id = ? and tenant = ? and usage_date = cast(? as date)""",
        [planted["job_id"], planted["tenant"], planted["usage_date"]])
    assert len(rows) == 1, rows
    requests, billed, effective, per_1k, per_1k_reporting, per_gpu_hour = rows[0]
    assert requests == planted["requests"]
    assert float(billed) == pytest.approx(planted["billed_cost"], abs=CENT)
    assert float(effective) == pytest.approx(planted["effective_cost"], abs=CENT)
    assert per_1k == pytest.approx(planted["effective_cost_per_1k_requests"], abs=CENT)
    # the sample bills in USD, the default reporting currency
    assert per_1k_reporting == pytest.approx(planted["effective_cost_per_1k_requests"], abs=CENT)
    assert per_gpu_hour is not None and per_gpu_hour > 0


def test_generative_cost_per_1m_output_tokens_to_the_cent(built_sample: BuiltProject) -> None:
    planted = truth_of(built_sample)["generative_day"]
    rows = built_sample.query(f"""
        select sum(output_tokens), sum(effective_cost),
            sum(effective_cost) * 1000000 / sum(output_tokens),
            count(effective_cost_per_1m_output_tokens), count(*)
        from {DAILY}
        where job_id = ? and usage_date = cast(? as date) and tenant is not null""",
        [planted["job_id"], planted["usage_date"]])
    output_tokens, effective, per_1m, with_ratio, tenant_rows = rows[0]
    assert output_tokens == planted["output_tokens"]
    assert float(effective) == pytest.approx(planted["effective_cost"], abs=CENT)
    assert float(per_1m) == pytest.approx(
        planted["effective_cost_per_1m_output_tokens"], abs=CENT)
    assert with_ratio == tenant_rows > 1, "every tenant of a token-counting endpoint has the ratio"


def test_autoscaling_opportunity_to_the_cent(built_sample: BuiltProject) -> None:
    planted = truth_of(built_sample)["autoscaling"]
    assert planted["deployment_node_count"] > 1, "one node cannot scale down"
    ((opportunity, opportunity_reporting),) = built_sample.query(f"""
        select sum(autoscaling_opportunity_effective_cost),
            sum(autoscaling_opportunity_in_reporting_currency)
        from {DAILY} where job_id = ?""", [planted["job_id"]])
    assert planted["low_traffic_full_capacity_hours"] > 0
    assert float(opportunity) == pytest.approx(
        planted["autoscaling_opportunity_effective_cost"], abs=CENT)
    assert float(opportunity_reporting) == pytest.approx(
        planted["autoscaling_opportunity_effective_cost"], abs=CENT)


def test_bad_traffic_rows_are_quarantined_with_their_reason(built_sample: BuiltProject) -> None:
    planted = truth_of(built_sample)["bad_rows"]
    assert {row["reason"] for row in planted} >= {
        "negative requests", "hour outside any serving attempt", "unknown endpoint"}
    quarantined = built_sample.query(f"""
        select record_id, x_quarantine_reason from {QUARANTINE}
        where record_type = 'serving_traffic'""")
    for row in planted:
        hour = row["hour"].replace("T", " ").replace("Z", "")
        matches = [reason for record_id, reason in quarantined
                   if record_id.startswith(f"{row['endpoint_id']}|{hour}|{row['tenant']}|")]
        assert row["reason"] in matches, (row, quarantined)
    assert len(quarantined) == len(planted), quarantined


def test_hours_with_cost_and_no_traffic_are_kept_whole(built_sample: BuiltProject) -> None:
    quiet = truth_of(built_sample)["quiet_hours"]
    assert quiet
    for hour in quiet:
        rows = built_sample.query(f"""
            select tenant, has_traffic, requests, cost_share, effective_cost from {HOURLY}
            where job_id = ? and hour_started_at = cast(? as timestamp)""",
            [hour["job_id"], hour["hour"].replace("Z", "")])
        assert len(rows) == 1, rows
        tenant, has_traffic, requests, share, effective = rows[0]
        assert (tenant, has_traffic, requests, share) == (None, False, 0, 1.0)
        assert float(effective) == pytest.approx(hour["effective_cost"], abs=CENT)
    ((rows, with_cost, unit_costs),) = built_sample.query(f"""
        select count(*), count(case when effective_cost > 0 then 1 end),
            count(effective_cost_per_1k_requests) + count(effective_cost_per_1m_input_tokens)
            + count(effective_cost_per_1m_output_tokens)
        from {DAILY} where tenant is null and requests = 0""")
    assert rows > 0 and with_cost == rows
    assert unit_costs == 0, "no traffic: unit costs are null, never a division by zero"


def test_each_serving_dollar_once(built_sample: BuiltProject) -> None:
    mismatched = built_sample.query(f"""
        with hourly as (
            select job_id, sum(billed_cost) as billed_cost,
                sum(effective_cost) as effective_cost
            from {HOURLY} group by job_id
        )
        select jobs.job_id, jobs.billed_cost, hourly.billed_cost
        from main_marts.fct_ml_job_costs as jobs
        left join hourly on jobs.job_id = hourly.job_id
        where jobs.job_type = 'serving'
            and (hourly.job_id is null
                or abs(jobs.billed_cost - hourly.billed_cost) >= 0.01
                or abs(jobs.effective_cost - hourly.effective_cost) >= 0.01)""")
    assert not mismatched
    ((daily, hourly),) = built_sample.query(f"""
        select (select sum(effective_cost) from {DAILY}),
            (select sum(effective_cost) from {HOURLY})""")
    assert float(daily) == pytest.approx(float(hourly), abs=CENT)


def test_cloudwatch_metric_stream_recovers_the_endpoint_traffic(
        built_sample: BuiltProject) -> None:
    truth = truth_of(built_sample)
    ((requests, errors, tenants, tokens),) = built_sample.query(f"""
        select sum(requests), sum(errors), count(distinct tenant), count(output_tokens)
        from {HOURLY} where job_id = ? and has_traffic""", [truth["cloudwatch_job_id"]])
    assert requests == truth["cloudwatch_requests"]
    assert errors == truth["cloudwatch_errors"]
    assert tenants > 1, "each production variant is a tenant"
    assert tokens == 0, "CloudWatch counts no tokens"
