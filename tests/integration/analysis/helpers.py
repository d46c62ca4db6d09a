"""Builders and readers for analysis integration tests: events in, analyses out, metrics scraped."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from tests.support.kafka import Record, consume_until
from tests.support.servers import serve_app
from tousu_analysis.bootstrap import create_app
from tousu_analysis.config import AnalysisSettings
from tousu_shared.codec import decode
from tousu_shared.events import (
    ComplaintAnalyzed,
    ComplaintReceived,
    Envelope,
    EventData,
    MaskedCustomer,
    Product,
)
from tousu_shared.settings import Settings


def received(content: str, **overrides: Any) -> ComplaintReceived:
    """A `complaint.received` payload as intake publishes it; keyword overrides win."""
    received_at = overrides.pop("received_at", datetime.now(UTC))
    fields: dict[str, Any] = {
        "complaint_id": f"TS-{uuid.uuid4().hex[:10]}",
        "customer_key": f"ck-{uuid.uuid4().hex[:10]}",
        "channel": "app",
        "channel_ref": f"ref-{uuid.uuid4().hex[:8]}",
        "received_at": received_at,
        "due_at": received_at + timedelta(days=15),
        "customer": MaskedCustomer(age_band="18-44"),
        "product": Product(line="insurance", type="车险"),
        "content": content,
    }
    fields.update(overrides)
    return ComplaintReceived(**fields)


def wrap(data: EventData, *, event_id: str | None = None) -> Envelope[EventData]:
    """The envelope intake (or follow-up) would publish."""
    return Envelope[EventData].wrap(data, source="tousu/test", event_id=event_id)


def analysed(records: list[Record]) -> dict[str, ComplaintAnalyzed]:
    """Decoded `complaint.analyzed` events by complaint id (the last copy wins)."""
    found: dict[str, ComplaintAnalyzed] = {}
    for record in records:
        envelope = decode([(k, v.encode()) for k, v in record.headers.items()], record.value)
        if isinstance(envelope.data, ComplaintAnalyzed):
            found[envelope.data.complaint_id] = envelope.data
    return found


async def read_analyses(bootstrap: str, topic: str, *, ids: set[str], timeout_s: float = 60) -> list[Record]:
    """Read the analysis topic until every complaint id in `ids` has its analysis."""

    def complete(records: list[Record]) -> bool:
        return ids <= set(analysed(records))

    return await consume_until(bootstrap, topic, complete, timeout_s=timeout_s)


async def metric(url: str, name: str, **labels: str) -> float:
    """Sum of a metric's samples whose labels include `labels`."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{url}/metrics")).text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith((f"{name}{{", f"{name} ")):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


@dataclass
class RunningAnalysis:
    """The served analysis app and a client on its database."""

    url: str
    db: Any


@asynccontextmanager
async def running_analysis(
    settings: Settings, config: AnalysisSettings | None = None
) -> AsyncIterator[RunningAnalysis]:
    """Serve the analysis app on a real port, with a client on the test's database."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.mongo.uri, tz_aware=True)
    try:
        async with serve_app(create_app(settings, analysis=config)) as url:
            yield RunningAnalysis(url=url, db=client[settings.mongo.database])
    finally:
        await client.close()
