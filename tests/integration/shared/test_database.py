"""The database really writes, reads and enforces indexes, journaled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from tousu_shared.ledger import ProcessedLedger
from tousu_shared.mongo import Document, journaled, mongo_database, ping
from tousu_shared.settings import MongoSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def db(mongo_uri: str, database_name: str) -> AsyncIterator[AsyncDatabase[Document]]:
    async with mongo_database(MongoSettings(uri=mongo_uri, database=database_name)) as database:
        yield database


async def test_unique_index_rejects_a_second_document_with_the_same_key(db: AsyncDatabase[Document]) -> None:
    coll = journaled(db["intake_complaints"])
    await coll.create_index([("channel", ASCENDING), ("channel_ref", ASCENDING)], unique=True)
    await coll.insert_one({"_id": "TS-1", "channel": "app", "channel_ref": "A-1", "content": "理赔"})
    with pytest.raises(DuplicateKeyError):
        await coll.insert_one({"_id": "TS-2", "channel": "app", "channel_ref": "A-1"})
    doc = await coll.find_one({"channel": "app", "channel_ref": "A-1"})
    assert doc is not None and doc["_id"] == "TS-1" and doc["content"] == "理赔"


async def test_index_is_used_for_a_range_query(db: AsyncDatabase[Document]) -> None:
    coll = db["intake_complaints"]
    await coll.create_index([("status", ASCENDING), ("received_at", ASCENDING)])
    await coll.insert_many([{"status": "routed" if i % 2 else "received", "received_at": i} for i in range(50)])
    found = await coll.find({"status": "routed", "received_at": {"$gte": 10}}).to_list()
    assert len(found) == 20
    indexes = await coll.index_information()
    assert "status_1_received_at_1" in indexes


async def test_the_ledger_remembers_processed_events(db: AsyncDatabase[Document]) -> None:
    await ping(db)
    ledger = ProcessedLedger(db["analysis_processed_events"])
    assert not await ledger.seen("ce-1")
    assert await ledger.mark("ce-1", event_type="complaint.received")
    assert await ledger.seen("ce-1")
    assert not await ledger.mark("ce-1", event_type="complaint.received")
