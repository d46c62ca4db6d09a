"""Helpers of the escalation integration tests: settings, publishing inputs, reading outputs."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tests.support.kafka import Record, publish
from tousu_escalation.config import EscalationSettings
from tousu_shared.events import Envelope, EventData


def fast(**overrides: Any) -> EscalationSettings:
    """Escalation settings for tests: a quick scanner and short claims."""
    values: dict[str, Any] = {"scan_interval_s": 0.2, "claim_lease_s": 3.0, "gauge_interval_s": 0.5}
    return EscalationSettings(**(values | overrides))


def envelope(data: EventData, *, event_id: str, time: datetime | None = None) -> Envelope[EventData]:
    """Wrap a payload as the upstream service would."""
    return Envelope[EventData].wrap(data, source="tousu/test", event_id=event_id, time=time)


async def send(bootstrap: str, topic: str, data: EventData, *, event_id: str) -> None:
    """Publish one event."""
    await publish(bootstrap, topic, envelope(data, event_id=event_id))


def of_type(records: list[Record], event_type: str) -> list[dict[str, Any]]:
    """Payloads of the records of one event type, each with its `ce_id` under `_id`."""
    return [
        {**json.loads(r.value or b"{}"), "_id": r.headers["ce_id"]}
        for r in records
        if r.headers.get("ce_type") == event_type
    ]
