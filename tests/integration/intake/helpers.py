"""Small helpers for intake tests: metrics scraping, topic reading, concurrent posting."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.kafka import Record, consume_until


async def metric(client: httpx.AsyncClient, name: str) -> float:
    """Sum of a metric's samples in the exposition (all label sets)."""
    text = (await client.get("/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith((f"{name}{{", f"{name} "))
    )


def of_type(records: list[Record], event_type: str) -> list[Record]:
    """Records of one CloudEvents type."""
    return [r for r in records if r.headers.get("ce_type") == event_type]


async def received_events(bootstrap: str, topic: str, *, count: int, timeout_s: float = 60) -> list[Record]:
    """Read the topic until `count` distinct `complaint.received` events are there."""

    def enough(records: list[Record]) -> bool:
        return len({r.headers["ce_id"] for r in of_type(records, "complaint.received")}) >= count

    return of_type(await consume_until(bootstrap, topic, enough, timeout_s=timeout_s), "complaint.received")


def payload(record: Record) -> dict[str, Any]:
    """The JSON value of a record."""
    return dict(json.loads(record.value or b"{}"))
