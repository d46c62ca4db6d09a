"""Raw ceilings of the very broker and database the pipeline runs on, measured in the same run."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from pymongo import AsyncMongoClient, WriteConcern

PAYLOAD = os.urandom(512).hex().encode()  # ≈ 1 KB, like a complaint event


async def db_insert_ceiling(uri: str, *, seconds: float) -> dict[str, Any]:
    """Single-document journaled `insert_one`, one after another, for `seconds`: inserts per second."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri)
    try:
        db = client[f"bench_ceiling_{uuid.uuid4().hex[:6]}"]
        collection = db.get_collection("inserts", write_concern=WriteConcern(w=1, j=True))
        await collection.insert_one({"warm": True})
        count, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            await collection.insert_one({"n": count, "body": PAYLOAD.decode()[:1000]})
            count += 1
        await client.drop_database(db.name)
        return {"inserts_per_s": round(count / elapsed, 1), "inserts": count, "write_concern": "w=1, j=true"}
    finally:
        await client.close()


async def broker_ceiling(bootstrap: str, *, messages: int, partitions: int = 6) -> dict[str, Any]:
    """Batched produce of `messages` ≈1 KB records while one consumer reads them all: msg/s end to end."""
    topic = f"bench.ceiling.{uuid.uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, 1)])
        return await _produce_and_consume(bootstrap, topic, messages=messages, partitions=partitions)
    finally:
        await admin.delete_topics([topic])  # the embedded broker keeps records in memory
        await admin.close()


async def _produce_and_consume(bootstrap: str, topic: str, *, messages: int, partitions: int) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5, max_batch_size=256 * 1024)
    await consumer.start()
    await producer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
        await consumer.seek_to_beginning()
        reader = asyncio.create_task(_read(consumer, messages))
        started = time.perf_counter()
        sends = [await producer.send(topic, PAYLOAD, key=str(i).encode()) for i in range(messages)]
        await asyncio.gather(*sends)
        produced = time.perf_counter() - started
        await asyncio.wait_for(reader, timeout=120)
        both = time.perf_counter() - started
    finally:
        await producer.stop()
        await consumer.stop()
    return {
        "produce_msgs_per_s": round(messages / produced),
        "produce_consume_msgs_per_s": round(messages / both),
        "messages": messages,
        "message_bytes": len(PAYLOAD),
    }


async def _read(consumer: AIOKafkaConsumer, expected: int) -> None:
    seen = 0
    while seen < expected:
        batch = await consumer.getmany(timeout_ms=500, max_records=5000)
        seen += sum(len(records) for records in batch.values())
