"""Downstream events feed the complaint view: in event order, whatever the arrival order, and only once."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.intake import events
from tests.integration.intake.bodies import RESOLVED, complaint
from tests.integration.intake.conftest import RunningIntake
from tests.integration.intake.helpers import metric
from tests.support.kafka import publish
from tests.support.servers import eventually
from tousu_intake.adapters.complaints import ComplaintRepository
from tousu_intake.adapters.incidents import IncidentRepository
from tousu_intake.readmodel import ReadModel
from tousu_shared.consumer import DUPLICATE
from tousu_shared.events import Envelope, EventData
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


async def _complaint(intake: RunningIntake, rng: random.Random, received: datetime) -> dict[str, Any]:
    created = await intake.client.post("/v1/complaints", json={**complaint(rng), "received_at": received.isoformat()})
    doc = await intake.db["intake_complaints"].find_one({"_id": created.json()["complaint_id"]})
    return {
        "complaint_id": doc["_id"],
        "customer_key": doc["customer_key"],
        "received_at": doc["received_at"],
        "due_at": doc["due_at"],
    }


def _topic(topics: Topics, envelope: Envelope[EventData]) -> str:
    return topics.by_key(envelope.data.topic_key)


async def _view(intake: RunningIntake, cid: str) -> dict[str, Any]:
    return dict((await intake.client.get(f"/v1/complaints/{cid}")).json())


async def test_downstream_events_appear_in_the_view_in_event_order_and_replays_change_nothing(
    intake: RunningIntake, topics: Topics, kafka_bootstrap: str, rng: random.Random
) -> None:
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    view = await _complaint(intake, rng, t0)
    cid = view["complaint_id"]
    resolved_at = t0 + timedelta(hours=1)
    assert (
        await intake.client.post(
            f"/v1/complaints/{cid}/actions", json={**RESOLVED, "occurred_at": resolved_at.isoformat()}
        )
    ).status_code == 201
    timeline = [
        events.analyzed(view, at=t0 + timedelta(minutes=1)),
        events.routed(view, at=t0 + timedelta(minutes=2), route="group", incident="INC-1"),
        events.incident_opened(view, at=t0 + timedelta(minutes=2, seconds=1), incident_id="INC-1"),
        events.sla_warning(view, at=t0 + timedelta(minutes=30)),
        events.survey_scheduled(view, at=resolved_at + timedelta(minutes=1)),
        events.satisfaction(view, at=resolved_at + timedelta(minutes=30)),
        events.closed(view, at=resolved_at + timedelta(minutes=31)),
    ]
    for envelope in reversed(timeline):  # the worst arrival order
        await publish(kafka_bootstrap, _topic(topics, envelope), envelope)

    async def complete() -> dict[str, Any] | None:
        current = await _view(intake, cid)
        return current if len(current["timeline"]) == 2 + len(timeline) else None

    final: Any = await eventually(complete, timeout_s=30)
    assert final["status"] == "closed"
    assert [e["type"] for e in final["timeline"]] == [
        "complaint.received",
        "complaint.analyzed",
        "complaint.routed",
        "incident.opened",
        "complaint.sla_warning",
        "complaint.action_recorded",
        "followup.survey_scheduled",
        "followup.satisfaction_recorded",
        "complaint.closed",
    ]
    assert final["analysis"]["repeat_risk"]["band"] == "low"
    assert final["routing"]["route"] == "group" and final["incident_ids"] == ["INC-1"]
    assert final["sla"]["state"] == "warning"
    assert final["followup"]["satisfaction"] == "satisfied"
    assert final["followup"]["closure"]["outcome"] == "satisfied"
    incident = (await intake.client.get("/v1/incidents/INC-1")).json()
    assert incident["complaint_ids"] == [cid] and incident["kind"] == "group"
    assert [i["incident_id"] for i in (await intake.client.get("/v1/incidents")).json()["items"]] == ["INC-1"]

    for envelope in timeline:
        await publish(kafka_bootstrap, _topic(topics, envelope), envelope)
    await eventually(lambda: _duplicates_at_least(intake, len(timeline)), timeout_s=30)
    assert await _view(intake, cid) == final


async def _duplicates_at_least(intake: RunningIntake, count: int) -> bool:
    text = (await intake.client.get("/metrics")).text
    dupes = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("tousu_events_processed_total{") and 'outcome="duplicate"' in line
    )
    return dupes >= count


async def test_an_older_analysis_or_route_never_replaces_a_newer_one(
    intake: RunningIntake, topics: Topics, kafka_bootstrap: str, rng: random.Random
) -> None:
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    view = await _complaint(intake, rng, t0)
    newer = [
        events.analyzed(view, at=t0 + timedelta(minutes=10), band="high"),
        events.routed(view, at=t0 + timedelta(minutes=11), route="entangled"),
    ]
    older = [
        events.analyzed(view, at=t0 + timedelta(minutes=1), band="low"),
        events.routed(view, at=t0 + timedelta(minutes=2), route="standard"),
    ]
    for envelope in newer + older:
        await publish(kafka_bootstrap, _topic(topics, envelope), envelope)

    async def applied() -> dict[str, Any] | None:
        current = await _view(intake, view["complaint_id"])
        return current if len(current["timeline"]) == 5 else None

    final: Any = await eventually(applied, timeout_s=30)
    assert final["analysis"]["repeat_risk"]["band"] == "high"
    assert final["routing"]["route"] == "entangled"
    assert final["status"] == "routed"
    listed = await intake.client.get("/v1/complaints", params={"route": "entangled"})
    assert [c["complaint_id"] for c in listed.json()["items"]] == [view["complaint_id"]]


async def test_applying_the_same_event_twice_is_harmless_even_past_the_ledger(
    intake: RunningIntake, rng: random.Random
) -> None:
    t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    view = await _complaint(intake, rng, t0)
    model = ReadModel(
        complaints=ComplaintRepository(intake.db["intake_complaints"]),
        incidents=IncidentRepository(intake.db["intake_incidents"]),
    )
    envelope = events.sla_warning(view, at=t0 + timedelta(minutes=5))
    handle = model.handlers()[envelope.type]
    assert await handle(envelope) is None
    once = await _view(intake, view["complaint_id"])
    assert await handle(envelope) == DUPLICATE, "a redelivery is reported as a duplicate"
    assert await _view(intake, view["complaint_id"]) == once
    assert len(once["sla"]["warnings"]) == 1


async def test_an_event_for_an_unknown_complaint_is_dead_lettered(
    intake: RunningIntake, topics: Topics, kafka_bootstrap: str
) -> None:
    stranger = {"complaint_id": "TS-19990101-NOBODY", "customer_key": "ck", "due_at": datetime.now(UTC)}
    await publish(kafka_bootstrap, topics.escalation, events.sla_warning(stranger, at=datetime.now(UTC)))
    await eventually(lambda: _deadlettered(intake), timeout_s=30)


async def _deadlettered(intake: RunningIntake) -> bool:
    return await metric(intake.client, "tousu_deadletter_total") >= 1
