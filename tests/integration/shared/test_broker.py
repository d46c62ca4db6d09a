"""The broker really produces, partitions, balances a group, commits and resumes."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


async def _produce(bootstrap: str, topic: str, n: int, *, start: int = 0) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(start, start + n):
            await producer.send(topic, value=f"m{i}".encode(), key=f"customer-{i % 17}".encode())
        await producer.flush()
    finally:
        await producer.stop()


def _consumer(bootstrap: str, topic: str, group: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=3000,
        heartbeat_interval_ms=300,
    )


async def _drain(consumer: AIOKafkaConsumer, want: int, timeout_s: float = 20.0) -> list[bytes]:
    got: list[bytes] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while len(got) < want and loop.time() < deadline:
        batch = await consumer.getmany(timeout_ms=200)
        got += [r.value for records in batch.values() for r in records]
    return got


async def test_keyed_records_spread_over_partitions_and_keep_per_key_order(
    kafka_bootstrap: str, topics: Topics
) -> None:
    await _produce(kafka_bootstrap, topics.intake, 120)
    consumer = _consumer(kafka_bootstrap, topics.intake, "g-order")
    await consumer.start()
    try:
        records: dict[int, list[int]] = {}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while sum(map(len, records.values())) < 120 and loop.time() < deadline:
            for tp, batch in (await consumer.getmany(timeout_ms=200)).items():
                records.setdefault(tp.partition, []).extend(int(r.value[1:]) for r in batch)
    finally:
        await consumer.stop()
    assert sum(map(len, records.values())) == 120
    assert len(records) >= 3, "17 keys over 6 partitions should use several partitions"
    for values in records.values():
        assert values == sorted(values), "records of one partition arrive in produce order"


async def test_two_group_members_share_partitions(kafka_bootstrap: str, topics: Topics) -> None:
    first = _consumer(kafka_bootstrap, topics.analysis, "g-share")
    second = _consumer(kafka_bootstrap, topics.analysis, "g-share")
    await first.start()
    await second.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while loop.time() < deadline:
            await asyncio.gather(first.getmany(timeout_ms=100), second.getmany(timeout_ms=100))
            a, b = first.assignment(), second.assignment()
            if a and b and len(a) + len(b) == 6:
                break
        assert a and b, "both members own partitions"
        assert not ({tp.partition for tp in a} & {tp.partition for tp in b}), "no partition is owned twice"
        assert len(a) + len(b) == 6
    finally:
        await asyncio.gather(first.stop(), second.stop())


async def test_a_restarted_member_resumes_from_the_committed_offset(kafka_bootstrap: str, topics: Topics) -> None:
    await _produce(kafka_bootstrap, topics.escalation, 30)
    consumer = _consumer(kafka_bootstrap, topics.escalation, "g-resume")
    await consumer.start()
    try:
        first = await _drain(consumer, 30)
        await consumer.commit()
    finally:
        await consumer.stop()
    await _produce(kafka_bootstrap, topics.escalation, 10, start=30)
    consumer = _consumer(kafka_bootstrap, topics.escalation, "g-resume")
    await consumer.start()
    try:
        second = await _drain(consumer, 10)
        extra = await _drain(consumer, 1, timeout_s=1.0)
    finally:
        await consumer.stop()
    assert len(first) == 30
    assert sorted(second) == sorted(f"m{i}".encode() for i in range(30, 40))
    assert extra == [], "nothing before the committed offset is delivered again"
