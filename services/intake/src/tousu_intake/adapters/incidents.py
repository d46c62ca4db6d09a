"""The incidents read model: the latest snapshot of each group / public-opinion incident."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from tousu_shared.mongo import Document, journaled


class IncidentRepository:
    """`ports.IncidentStore` on MongoDB: older or repeated snapshots change nothing."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._coll = journaled(collection)

    async def ensure_indexes(self) -> None:
        """List filters."""
        await self._coll.create_index([("status", ASCENDING), ("_id", DESCENDING)], name="list_status")
        await self._coll.create_index([("kind", ASCENDING), ("_id", DESCENDING)], name="list_kind")

    async def save_if_newer(self, snapshot: Document) -> bool:
        """Store the snapshot unless a newer (or the same) one is stored; True when stored."""
        newer_or_missing = {"$or": [{"updated_at": {"$lt": snapshot["updated_at"]}}, {"updated_at": None}]}
        try:  # the filter matches only an older snapshot; otherwise the upsert collides on _id
            await self._coll.update_one({"_id": snapshot["_id"], **newer_or_missing}, {"$set": snapshot}, upsert=True)
        except DuplicateKeyError:
            return False
        return True

    async def get(self, incident_id: str) -> Document | None:
        """One incident."""
        return await self._coll.find_one({"_id": incident_id})

    async def page(self, *, query: Document, before: str | None, limit: int) -> list[Document]:
        """Incidents newest id first after the cursor."""
        if before is not None:
            query = {**query, "_id": {"$lt": before}}
        return await self._coll.find(query).sort("_id", DESCENDING).limit(limit).to_list()
