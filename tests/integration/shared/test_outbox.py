"""The outbox relay publishes stored events in order, once, and marks them sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from pymongo.asynchronous.database import AsyncDatabase

from tests.support.kafka import consume_until
from tousu_shared.events import ComplaintActionRecorded, Envelope, EventData
from tousu_shared.kafka import cluster_id, ensure_topics
from tousu_shared.metrics import ServiceMetrics
from tousu_shared.mongo import Document, journaled, mongo_database
from tousu_shared.outbox import Lease, OutboxRelay, ensure_outbox_indexes, outbox_fields, outbox_push
from tousu_shared.settings import KafkaSettings, MongoSettings, Topics
from tousu_tools import embedded

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)


def _action(complaint: str, n: int) -> Envelope[EventData]:
    data = ComplaintActionRecorded(
        complaint_id=complaint,
        customer_key=f"ck-{complaint}",
        action_id=f"{complaint}-a{n}",
        type="note",
        actor="handler-7",
        occurred_at=NOW,
        note=f"step {n}",
    )
    return Envelope[EventData].wrap(data, source="tousu/test")


@pytest.fixture
async def db(mongo_uri: str, database_name: str) -> AsyncIterator[AsyncDatabase[Document]]:
    async with mongo_database(MongoSettings(uri=mongo_uri, database=database_name)) as database:
        yield database


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await p.start()
    yield p
    await p.stop()


def _relay(db: AsyncDatabase[Document], producer: AIOKafkaProducer) -> OutboxRelay:
    return OutboxRelay(
        collection=db["test_complaints"],
        leases=db["test_leases"],
        producer=producer,
        metrics=ServiceMetrics(service="test"),
        batch_size=50,
    )


async def test_events_stored_with_their_document_are_published_in_order_and_removed(
    db: AsyncDatabase[Document], producer: AIOKafkaProducer, topics: Topics, kafka_bootstrap: str
) -> None:
    coll = journaled(db["test_complaints"])
    await ensure_outbox_indexes(coll)
    for c in range(10):
        first = [_action(f"C{c}", 1)]
        await coll.insert_one({"_id": f"C{c}", **outbox_fields(first, topics=topics, now=NOW)})
        await coll.update_one({"_id": f"C{c}"}, outbox_push([_action(f"C{c}", 2)], topics=topics, now=NOW))
    relay = _relay(db, producer)
    published = 0
    while (sent := await relay.relay_once()) > 0:
        published += sent
    assert published == 20
    records = await consume_until(kafka_bootstrap, topics.intake, lambda rs: len(rs) >= 20)
    by_key: dict[bytes | None, list[str]] = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        by_key.setdefault(r.key, []).append(json.loads(r.value or b"{}")["note"])
    assert all(notes == ["step 1", "step 2"] for notes in by_key.values())
    assert len({r.headers["ce_id"] for r in records}) == 20
    assert await coll.count_documents({"outbox_pending": True}) == 0
    assert await coll.count_documents({"outbox.0": {"$exists": True}}) == 0
    assert await relay.relay_once() == 0, "nothing is published twice"


async def test_only_one_relay_holds_the_lease(db: AsyncDatabase[Document]) -> None:
    first = Lease(db["test_leases"], name="outbox:x", ttl_s=5)
    second = Lease(db["test_leases"], name="outbox:x", ttl_s=5)
    assert await first.acquire()
    assert not await second.acquire()
    assert await first.acquire(), "the holder renews"
    await first.release()
    third = Lease(db["test_leases"], name="outbox:x", ttl_s=5)
    assert await third.acquire(), "a released lease is taken over at once by the next instance that asks"


async def test_a_held_lease_is_renewed_without_writing_on_every_loop(db: AsyncDatabase[Document]) -> None:
    lease = Lease(db["test_leases"], name="outbox:y", ttl_s=10)
    assert await lease.acquire()
    first = await db["test_leases"].find_one({"_id": "outbox:y"})
    for _ in range(20):
        assert await lease.acquire()
    assert await db["test_leases"].find_one({"_id": "outbox:y"}) == first, "no write until half the TTL"


async def test_the_running_relay_drains_events_written_later(
    db: AsyncDatabase[Document], producer: AIOKafkaProducer, topics: Topics, kafka_bootstrap: str
) -> None:
    coll = journaled(db["test_complaints"])
    relay = _relay(db, producer)
    task = asyncio.create_task(relay.run())
    try:
        for c in range(5):
            await coll.insert_one({"_id": f"L{c}", **outbox_fields([_action(f"L{c}", 1)], topics=topics, now=NOW)})
            relay.notify()
        records = await consume_until(kafka_bootstrap, topics.intake, lambda rs: len(rs) >= 5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert sorted(r.headers["ce_subject"] for r in records) == [f"L{c}" for c in range(5)]


async def test_published_events_are_kept_and_sent_again_to_a_broker_that_lost_its_log(
    db: AsyncDatabase[Document], topics: Topics, tmp_path: Path
) -> None:
    """A new cluster id (a new, empty embedded broker) makes the relay publish every kept event again, oldest
    first, before anything new (per key, as Kafka orders); the same broker (same id) never does."""
    port = embedded.free_port()
    broker = embedded.start_kafka(port=port, log_dir=tmp_path)
    bootstrap = f"127.0.0.1:{port}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        await producer.start()
        await ensure_topics(KafkaSettings(bootstrap_servers=bootstrap, topics=topics, partitions=1))
        coll = journaled(db["test_complaints"])
        retention = timedelta(days=7)
        await ensure_outbox_indexes(coll, retention=retention)
        relay = OutboxRelay(
            collection=db["test_complaints"],
            leases=db["test_leases"],
            producer=producer,
            metrics=ServiceMetrics(service="test"),
            retention=retention,
            cluster=lambda: cluster_id(producer),
            watch_interval_s=0.0,
        )
        for c in range(5):
            await coll.insert_one({"_id": f"K{c}", **outbox_fields([_action(f"K{c}", 1)], topics=topics, now=NOW)})
        assert await relay.relay_once() == 5
        assert await relay.relay_once() == 0  # same broker: nothing is sent again
        kept = await db["test_complaints_sent"].count_documents({})
        assert kept == 5
        ttl = [i for i in await (await db["test_complaints_sent"].list_indexes()).to_list() if i["name"] == "sent_ttl"]
        assert ttl and ttl[0]["expireAfterSeconds"] == 7 * 86400

        broker.proc.kill()
        broker.proc.wait()
        broker.restart()  # a new process: an empty log and a new cluster id
        await ensure_topics(KafkaSettings(bootstrap_servers=bootstrap, topics=topics, partitions=1))  # as runtime does
        await coll.update_one({"_id": "K0"}, outbox_push([_action("K0", 2)], topics=topics, now=NOW))
        republished = 0
        for _ in range(60):  # the producer reconnects by itself; errors back off in `run`, here we just retry
            try:
                republished = await relay.relay_once()
            except Exception:
                await asyncio.sleep(0.5)
                continue
            if republished:
                break
        assert republished == 5  # the kept events first ...
        assert await relay.relay_once() == 1  # ... then the new one (K0's second)
        records = await consume_until(bootstrap, topics.intake, lambda rs: len(rs) >= 6)
        by_key: dict[bytes | None, list[str]] = {}
        for r in sorted(records, key=lambda r: (r.partition, r.offset)):
            by_key.setdefault(r.key, []).append(json.loads(r.value or b"{}")["note"])
        assert sorted(by_key.values()) == [["step 1"]] * 4 + [["step 1", "step 2"]]  # a key's kept event first
    finally:
        await producer.stop()
        broker.stop()
