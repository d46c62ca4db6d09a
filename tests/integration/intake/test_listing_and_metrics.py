"""Listing with filters and cursors; metrics by route template, never by raw path."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.intake.bodies import complaint, person
from tests.integration.intake.conftest import RunningIntake
from tests.integration.intake.helpers import metric

pytestmark = pytest.mark.integration


async def test_filters_and_cursor_pagination_walk_every_match_once(intake: RunningIntake, rng: random.Random) -> None:
    who = person(rng)
    mine = [await intake.client.post("/v1/complaints", json=complaint(rng, channel="app", who=who)) for _ in range(5)]
    await intake.client.post("/v1/complaints", json=complaint(rng, channel="branch"))
    expected = sorted((r.json()["complaint_id"] for r in mine), reverse=True)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"customer_ref": who.ref, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await intake.client.get("/v1/complaints", params=params)).json()
        seen += [c["complaint_id"] for c in page["items"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == expected
    by_channel = (await intake.client.get("/v1/complaints", params={"channel": "branch"})).json()["items"]
    assert len(by_channel) == 1 and by_channel[0]["channel"] == "branch"
    assert len((await intake.client.get("/v1/complaints", params={"status": "received"})).json()["items"]) == 6
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert (await intake.client.get("/v1/complaints", params={"from": later})).json()["items"] == []


async def test_metrics_count_complaints_by_channel_and_time_requests_by_route_template(
    intake: RunningIntake, rng: random.Random
) -> None:
    created = await intake.client.post("/v1/complaints", json=complaint(rng, channel="wechat"))
    await intake.client.post("/v1/complaints", json=complaint(rng, channel="wechat"))
    await intake.client.get(f"/v1/complaints/{created.json()['complaint_id']}")
    text = (await intake.client.get("/metrics")).text
    assert 'tousu_complaints_received_total{channel="wechat",product_line="banking"} 2.0' in text
    assert 'route="/v1/complaints/{complaint_id}"' in text
    assert created.json()["complaint_id"] not in text, "no raw path or id in any label"
    assert await metric(intake.client, "tousu_outbox_pending") >= 0
    assert "tousu_outbox_pending{" in text
