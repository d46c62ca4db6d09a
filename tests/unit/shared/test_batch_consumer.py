"""Batches: customers side by side keep each customer's order; a failing customer holds up only itself."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from tousu_shared.codec import encode
from tousu_shared.consumer import EventConsumer, RetryPolicy
from tousu_shared.deadletter import FailedRecord
from tousu_shared.events import ComplaintReopened, Envelope, EventData
from tousu_shared.handlers import EventHandlers, batch_handler
from tousu_shared.metrics import ServiceMetrics
from tousu_shared.retry import Backoff, PermanentError

pytestmark = pytest.mark.unit


def record(customer: str, n: int, partition: int) -> FailedRecord:
    data = ComplaintReopened(
        complaint_id=f"{customer}-{n}",
        customer_key=customer,
        cycle=2,
        reason="unsatisfied",
        occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    wire = encode(Envelope[EventData].wrap(data, source="test", event_id=f"{customer}-{n}"))
    return FailedRecord("tousu.followup.v1", partition, n, wire.key, wire.value, list(wire.headers))


class NoDeadLetters:
    async def publish(self, record: FailedRecord, *, error: str, attempts: int) -> None:
        raise AssertionError(error)


async def test_customers_run_side_by_side_each_in_its_own_order() -> None:
    seen: list[str] = []
    failed_once: set[str] = set()

    async def on_complaint_reopened(event: ComplaintReopened, envelope: Envelope[EventData]) -> None:
        if event.complaint_id == "slow-0" and "slow-0" not in failed_once:
            failed_once.add("slow-0")
            await asyncio.sleep(0.05)
            raise RuntimeError("transient")  # retried: the customer's later records wait for it
        seen.append(event.complaint_id)

    consumer = EventConsumer(
        service="test",
        handlers=EventHandlers().on(ComplaintReopened, on_complaint_reopened).as_mapping(),
        ledger=None,
        deadletters=NoDeadLetters(),  # type: ignore[arg-type]
        metrics=ServiceMetrics(service="test"),
        policy=RetryPolicy(attempts=3, backoff=Backoff(0.01, 0.02)),
        customers_side_by_side=True,
    )
    batch = [record("slow", 0, 1), record("fast", 0, 2), record("slow", 1, 1), record("fast", 1, 2)]
    outcomes = await consumer.process_batch(batch)
    assert outcomes == ["processed"] * 4
    assert seen.index("fast-1") < seen.index("slow-0"), "the other customer did not wait for the retry"
    assert [s for s in seen if s.startswith("slow")] == ["slow-0", "slow-1"]
    assert [s for s in seen if s.startswith("fast")] == ["fast-0", "fast-1"]


class DeadLetters:
    def __init__(self) -> None:
        self.offsets: list[int] = []

    async def publish(self, record: FailedRecord, *, error: str, attempts: int) -> None:
        self.offsets.append(record.offset)


async def test_a_failing_batch_call_falls_back_to_one_by_one_with_its_dead_letter() -> None:
    calls: list[int] = []
    one_by_one: list[str] = []

    async def apply_all(envelopes: list[Envelope[EventData]]) -> list[str | None]:
        calls.append(len(envelopes))
        raise PermanentError("one of these complaints is unknown")

    async def on_complaint_reopened(event: ComplaintReopened, envelope: Envelope[EventData]) -> None:
        if event.complaint_id == "bad-0":
            raise PermanentError("unknown complaint")
        one_by_one.append(event.complaint_id)

    dead = DeadLetters()
    consumer = EventConsumer(
        service="test",
        handlers=EventHandlers().on(ComplaintReopened, on_complaint_reopened).as_mapping(),
        ledger=None,
        deadletters=dead,  # type: ignore[arg-type]
        metrics=ServiceMetrics(service="test"),
        policy=RetryPolicy(attempts=2, backoff=Backoff(0.001, 0.002)),
        customers_side_by_side=True,
        batch_handler=batch_handler([ComplaintReopened], apply_all),
    )
    batch = [record("good", 0, 1), record("bad", 0, 2), record("good", 1, 1)]
    assert await consumer.process_batch(batch) == ["processed", "deadlettered", "processed"]
    assert calls == [3], "the batch call was tried once: a permanent error is not retried"
    assert one_by_one == ["good-0", "good-1"]
    assert dead.offsets == [0]


async def test_in_order_mode_calls_the_batch_handler_once_per_run_between_other_records() -> None:
    """A service that reads across customers keeps the batch in order: runs in one call, the rest between."""
    trace: list[str] = []

    async def apply_all(envelopes: list[Envelope[EventData]]) -> list[str | None]:
        trace.append("call:" + ",".join(e.data.complaint_id for e in envelopes))
        return [None for _ in envelopes]

    dead = DeadLetters()
    consumer = EventConsumer(
        service="test",
        handlers={},
        ledger=None,
        deadletters=dead,  # type: ignore[arg-type]
        metrics=ServiceMetrics(service="test"),
        policy=RetryPolicy(attempts=2, backoff=Backoff(0.001, 0.002)),
        batch_handler=batch_handler([ComplaintReopened], apply_all),
    )
    poison = FailedRecord("tousu.followup.v1", 0, 99, b"k", b"{not json", [(b"ce_type", b"complaint.reopened")])
    batch = [record("a", 0, 0), record("b", 1, 0), poison, record("a", 2, 0)]
    outcomes = await consumer.process_batch(batch)
    assert outcomes == ["processed", "processed", "deadlettered", "processed"]
    assert trace == ["call:a-0,b-1", "call:a-2"]
    assert dead.offsets == [99]
