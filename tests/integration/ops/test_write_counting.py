"""The bench counts writes with serverStatus opcounters: one per single-document write, findAndModify as an update."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient

from tousu_shared.cases import CaseDocuments
from tousu_shared.metrics import ServiceMetrics
from tousu_shared.outbox import OutboxRelay
from tousu_shared.settings import Topics
from tousu_tools import embedded

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from tousu_bench.writes import opcounters

pytestmark = pytest.mark.integration


@pytest.fixture
async def private_mongo(tmp_path: Path) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    """A server of this test's own: opcounters are server-wide, and the session's server has other writers."""
    server = embedded.start_mongo(port=embedded.free_port(), storage=tmp_path / "db", log_dir=tmp_path / "logs")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(embedded.mongo_uri(server.port))
    try:
        yield client
    finally:
        await client.close()
        server.stop()


async def test_each_single_document_write_counts_once(private_mongo: AsyncMongoClient[dict[str, Any]]) -> None:
    collection = private_mongo["counting"]["docs"]
    await collection.insert_one({"_id": 0})  # creates the database and collection first
    before = await opcounters(private_mongo)
    for n in range(1, 4):
        await collection.insert_one({"_id": n})
    await collection.update_one({"_id": 1}, {"$set": {"x": 1}})
    await collection.update_one({"_id": 2}, {"$inc": {"x": 1}}, upsert=True)
    await collection.find_one_and_update({"_id": 3}, {"$set": {"claimed": True}})
    await collection.delete_one({"_id": 0})
    await collection.find_one({"_id": 1})  # a read is not a write
    after = await opcounters(private_mongo)
    delta = {k: after.counts[k] - before.counts[k] for k in ("insert", "update", "delete")}
    assert delta == {"insert": 3, "update": 3, "delete": 1}
    assert after.writes - before.writes == 7


async def test_an_idle_relay_and_an_idle_scanner_do_not_write(private_mongo: AsyncMongoClient[dict[str, Any]]) -> None:
    """Polling reads; the lease is taken and a case is claimed (writes) only when there is work."""
    db = private_mongo["idle"]
    await db["cases"].insert_one({"_id": "C-1", "next_due_at": datetime(2099, 1, 1, tzinfo=UTC), "rev": 1})
    relay = OutboxRelay(
        collection=db["cases"],
        leases=db["leases"],
        producer=AIOKafkaProducer(bootstrap_servers="127.0.0.1:1"),  # never started: nothing is pending
        metrics=ServiceMetrics(service="idle"),
        idle_interval_s=0.02,
        idle_max_interval_s=0.05,
    )
    cases = CaseDocuments(db["cases"], topics=Topics())
    now = datetime(2026, 12, 1, tzinfo=UTC)
    before = await opcounters(private_mongo)
    running = asyncio.create_task(relay.run())
    for _ in range(20):
        assert await cases.claim_due_document(now=now, owner="me", lease=timedelta(seconds=5)) is None
        await asyncio.sleep(0.05)
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    after = await opcounters(private_mongo)
    assert after.writes - before.writes == 0
    claimed = await cases.claim_due_document(now=datetime(2099, 1, 2, tzinfo=UTC), owner="me", lease=timedelta(1))
    assert claimed is not None and claimed["claim_owner"] == "me"
    assert (await opcounters(private_mongo)).writes - after.writes == 1, "a due case is claimed with one write"
