"""The bench counts writes with serverStatus opcounters: one per single-document write, findAndModify as an update."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

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
