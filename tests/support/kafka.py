"""Read topics in tests: poll until a predicate holds or a timeout expires (no bare sleeps)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tousu_shared.codec import encode
from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope


@dataclass(frozen=True)
class Record:
    """A record as read back from a topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]


def _record(r: object) -> Record:
    headers = {k: v.decode(errors="replace") for k, v in (r.headers or [])}  # type: ignore[attr-defined]
    return Record(r.topic, r.partition, r.offset, r.key, r.value, headers)  # type: ignore[attr-defined]


async def consume_until(
    bootstrap: str,
    topic: str,
    predicate: Callable[[list[Record]], bool],
    *,
    timeout_s: float = 30.0,
) -> list[Record]:
    """Read `topic` from the beginning until `predicate(records)` holds; fail with what was seen."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    seen: list[Record] = []
    try:
        deadline = time.monotonic() + timeout_s
        while not consumer.partitions_for_topic(topic) and time.monotonic() < deadline:
            await consumer._client.force_metadata_update()
            await asyncio.sleep(0.1)
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        while time.monotonic() < deadline:
            if predicate(seen):
                return seen
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                seen += [_record(r) for r in records]
        if predicate(seen):
            return seen
        raise AssertionError(f"timeout after {timeout_s} s on {topic}: {len(seen)} records seen: {seen[-5:]}")
    finally:
        await consumer.stop()


async def publish(bootstrap: str, topic: str, envelope: Envelope[EventData]) -> None:
    """Publish one event exactly as a service's outbox would."""
    await publish_raw(
        bootstrap, topic, key=envelope.key.encode(), value=encode(envelope).value, headers=encode(envelope).headers
    )


async def publish_raw(
    bootstrap: str, topic: str, *, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]
) -> None:
    """Publish arbitrary bytes (for poison records)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()
