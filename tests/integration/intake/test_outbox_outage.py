"""A broker outage never loses or duplicates a complaint: intake answers 201, the outbox drains later."""

from __future__ import annotations

import asyncio
import random

import pytest

from tests.integration.intake.bodies import complaint
from tests.integration.intake.conftest import RunningIntake
from tests.integration.intake.helpers import metric, received_events
from tests.support.servers import eventually
from tousu_shared.settings import Topics
from tousu_tools.endpoints import Backends

pytestmark = pytest.mark.integration


async def test_complaints_posted_while_the_broker_is_down_are_published_once_it_returns(
    intake: RunningIntake, servers: Backends, topics: Topics, kafka_bootstrap: str, rng: random.Random
) -> None:
    if servers.kafka is None:
        pytest.skip("pausing the broker needs the embedded broker")
    servers.kafka.pause()
    try:
        bodies = [complaint(rng) for _ in range(100)]
        sem = asyncio.Semaphore(20)

        async def post(body: dict[str, object]) -> int:
            async with sem:
                return (await intake.client.post("/v1/complaints", json=body)).status_code

        statuses = await asyncio.gather(*(post(b) for b in bodies))
        assert statuses == [201] * 100
        await eventually(lambda: _pending(intake), timeout_s=30)
    finally:
        servers.kafka.resume()
    records = await received_events(kafka_bootstrap, topics.intake, count=100, timeout_s=90)
    ids = [r.headers["ce_id"] for r in records]
    assert len(set(ids)) == 100
    assert len(ids) == 100, "no event was published twice"
    stored = [d["_id"] async for d in intake.db["intake_complaints"].find({}, {"_id": 1})]
    assert sorted(r.headers["ce_subject"] for r in records) == sorted(stored)
    await eventually(lambda: _drained(intake), timeout_s=30)


async def _pending(intake: RunningIntake) -> bool:
    return await metric(intake.client, "tousu_outbox_pending") > 0


async def _drained(intake: RunningIntake) -> bool:
    return await metric(intake.client, "tousu_outbox_pending") == 0
