"""Load: complaint bodies, open-loop and saturating POSTers, and a watcher of `complaint.routed` on the topic."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from tousu_tools.demo_plan import load_samples

ROUTED = "complaint.routed"


def bodies(tag: str) -> Iterator[dict[str, Any]]:
    """The packaged sample complaints round-robin, each from a new customer, received a minute ago."""
    samples = [s["body"] for s in load_samples()]
    n = 0
    while True:
        body = copy.deepcopy(samples[n % len(samples)])
        received = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
        body["received_at"] = received
        body["channel_ref"] = f"BENCH-{tag}-{n:07d}"
        body["customer"]["ref"] = f"BENCH-{tag}-{n:07d}"
        if body.get("regulator", {}).get("forwarded_at"):
            body["regulator"]["forwarded_at"] = received
        yield body
        n += 1


WAVE_TEXT = (
    "我在你们网点买的“稳盈{n}号”理财产品到期无法兑付，网点经理当初承诺保本保息，现在本金都取不出来，要求按约兑付本息。"
)


def wave_bodies(tag: str) -> Iterator[dict[str, Any]]:
    """A 群体性 wave: one matter (the same product and cause), each complaint from a new customer."""
    n = 0
    while True:
        received = (datetime.now(UTC) - timedelta(minutes=1)).isoformat(timespec="seconds")
        yield {
            "channel": "app",
            "channel_ref": f"WAVE-{tag}-{n:05d}",
            "received_at": received,
            "customer": {"ref": f"WAVE-{tag}-{n:05d}"},
            "product": {"line": "banking", "type": "理财"},
            "content": WAVE_TEXT.format(n=3),
            "demands": "按约兑付本息",
        }
        n += 1


@dataclass
class Posted:
    """One POST: when it was due (open loop) or sent, how long intake took, what it answered."""

    due: float
    latency_s: float
    status: int
    complaint_id: str | None


@dataclass
class RoutedWatcher:
    """Reads the escalation topic from the beginning; first `complaint.routed` arrival per complaint id."""

    bootstrap: str
    topic: str
    first_routed: dict[str, float] = field(default_factory=dict)
    routed_events: dict[str, set[str]] = field(default_factory=dict)
    incident_routed: dict[str, tuple[float, str]] = field(default_factory=dict)  # last routing into an incident
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> RoutedWatcher:
        consumer = AIOKafkaConsumer(
            self.topic, bootstrap_servers=self.bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
        )
        await consumer.start()
        self._task = asyncio.create_task(self._run(consumer))
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self, consumer: AIOKafkaConsumer) -> None:
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=200, max_records=2000)
                now = time.perf_counter()
                for records in batch.values():
                    for record in records:
                        self._note(dict(record.headers or ()), now, record.value)
        finally:
            await consumer.stop()

    def _note(self, headers: dict[str, bytes], now: float, value: bytes | None = None) -> None:
        if headers.get("ce_type", b"").decode() != ROUTED:
            return
        subject = headers.get("ce_subject", b"").decode()
        self.first_routed.setdefault(subject, now)
        incident = json.loads(value or b"{}").get("incident_id")
        if incident:
            self.incident_routed[subject] = (now, str(incident))
        self.routed_events.setdefault(subject, set()).add(headers.get("ce_id", b"").decode())
        self._arrived.set()

    async def wait_for(self, ids: set[str], *, timeout_s: float, into_incident: bool = False) -> set[str]:
        """Poll until every id is routed (into an incident, if asked) or the timeout; return the ids still missing."""
        deadline = time.monotonic() + timeout_s
        while True:
            self._arrived.clear()  # before the check, so an arrival in between is not missed
            missing = ids - (self.incident_routed if into_incident else self.first_routed).keys()
            left = deadline - time.monotonic()
            if not missing or left <= 0:
                return missing
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=min(left, 1.0))


async def post(client: httpx.AsyncClient, body: dict[str, Any], *, due: float) -> Posted:
    """POST one complaint; latency is measured from when it was due (no coordinated omission)."""
    try:
        response = await client.post("/v1/complaints", json=body)
    except httpx.HTTPError:
        return Posted(due, time.perf_counter() - due, 0, None)
    latency = time.perf_counter() - due
    complaint_id = response.json().get("complaint_id") if response.status_code in (200, 201) else None
    return Posted(due, latency, response.status_code, complaint_id)


async def open_loop(
    client: httpx.AsyncClient, source: Iterator[dict[str, Any]], *, rate: float, seconds: float
) -> list[Posted]:
    """Offer `rate` POSTs per second for `seconds`, on schedule whether or not earlier ones have answered."""
    count = max(1, round(rate * seconds))
    started = time.perf_counter() + 0.05
    tasks = []
    for i in range(count):
        due = started + i / rate
        if (delay := due - time.perf_counter()) > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(post(client, next(source), due=due)))
    return list(await asyncio.gather(*tasks))


async def saturate(
    client: httpx.AsyncClient, source: Iterator[dict[str, Any]], *, count: int, concurrency: int
) -> list[Posted]:
    """POST `count` complaints as fast as `concurrency` clients can (closed loop)."""
    results: list[Posted] = []
    remaining = iter(range(count))

    async def worker() -> None:
        for _ in remaining:
            results.append(await post(client, next(source), due=time.perf_counter()))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


def client(url: str, api_key: str) -> httpx.AsyncClient:
    """An HTTP client with enough connections for the offered load."""
    return httpx.AsyncClient(
        base_url=url,
        headers={"Authorization": f"Bearer {api_key}"},
        timeout=60,
        limits=httpx.Limits(max_connections=512, max_keepalive_connections=512),
    )
