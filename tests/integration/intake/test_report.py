"""GET /v1/reports/summary: aggregated from the read model, read-all keys only, problem+json errors."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.intake.bodies import complaint
from tests.integration.intake.conftest import RunningIntake

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


async def test_report_counts_the_period_by_channel_and_reports_regulator_cases_apart(
    intake: RunningIntake, rng: random.Random
) -> None:
    received = (datetime.now(UTC) - timedelta(hours=2)).isoformat(timespec="seconds")
    for channel in ("hotline", "hotline", "app", "hotline_12378"):
        body = complaint(rng) | {"channel": channel, "received_at": received}
        assert (await intake.client.post("/v1/complaints", json=body)).status_code == 201

    response = await intake.client.get("/v1/reports/summary")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["totals"]["complaints"] == 4
    assert {c["key"]: c["count"] for c in report["volumes"]["by_channel"]} == {
        "hotline": 2,
        "app": 1,
        "hotline_12378": 1,
    }
    assert report["routes"]["by_route"] == [{"key": "unrouted", "count": 4, "share": 1.0}]
    assert report["regulator_transferred"]["totals"]["complaints"] == 1
    assert report["sla"]["on_time"] == 4

    earlier = await intake.client.get("/v1/reports/summary", params={"from": "2020-01-01", "to": "2020-01-31"})
    assert earlier.json()["totals"]["complaints"] == 0


async def test_report_needs_a_read_all_key(intake: RunningIntake) -> None:
    own_only = await intake.new_key(channels={"hotline"}, scopes={"complaints:read"})
    async with intake.as_key(own_only) as client:
        forbidden = await client.get("/v1/reports/summary")
    assert forbidden.status_code == 403 and forbidden.headers["content-type"] == PROBLEM
    async with intake.as_key("tsk_not_a_key") as client:
        assert (await client.get("/v1/reports/summary")).status_code == 401


async def test_a_bad_period_is_422_naming_the_field(intake: RunningIntake) -> None:
    response = await intake.client.get("/v1/reports/summary", params={"from": "2026-11-05", "to": "2026-11-01"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "from"


async def test_report_indexes_exist_after_start_up(intake: RunningIntake) -> None:
    complaints = await intake.db["intake_complaints"].index_information()
    incidents = await intake.db["intake_incidents"].index_information()
    assert "received_at" in complaints and "report_opened_at" in incidents
