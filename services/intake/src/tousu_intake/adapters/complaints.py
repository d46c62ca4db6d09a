"""The complaints collection: intake data, encrypted personal data, outbox and read model in one document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from tousu_intake.ports import DuplicateComplaint
from tousu_shared.mongo import Document, journaled

LIST_FIELDS = {"outbox": 0, "pii": 0, "timeline": 0, "analysis": 0}


class ComplaintRepository:
    """`ports.ComplaintStore` on MongoDB; every acknowledged write is journaled."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._coll = journaled(collection)

    async def ensure_indexes(self) -> None:
        """Uniqueness for idempotency, and one index per list filter (newest first)."""
        c = self._coll
        await c.create_index([("channel", ASCENDING), ("channel_ref", ASCENDING)], unique=True, name="channel_ref")
        await c.create_index(
            "idempotency_scope",
            unique=True,
            name="idempotency",
            partialFilterExpression={"idempotency_scope": {"$type": "string"}},
        )
        for field in ("status", "route", "channel", "customer_key", "submitted_by"):
            await c.create_index([(field, ASCENDING), ("_id", DESCENDING)], name=f"list_{field}")
        await c.create_index([("received_at", DESCENDING)], name="received_at")

    async def insert(self, document: Document) -> None:
        """Store a new complaint with its pending events in one journaled write."""
        try:
            await self._coll.insert_one(document)
        except DuplicateKeyError as exc:
            raise DuplicateComplaint(str(exc)[:200]) from exc

    async def find_original(self, *, idempotency_scope: str | None, channel: str, channel_ref: str) -> Document | None:
        """The complaint a repeat refers to: by idempotency key first, then by channel reference."""
        projection = {"response": 1, "request_hash": 1, "idempotency_scope": 1, "channel_ref": 1}
        if idempotency_scope is not None:
            found = await self._coll.find_one({"idempotency_scope": idempotency_scope}, projection)
            if found is not None:
                return found
        return await self._coll.find_one({"channel": channel, "channel_ref": channel_ref}, projection)

    async def get(self, complaint_id: str, *, with_outbox: bool = False) -> Document | None:
        """One complaint document (without its outbox unless asked)."""
        return await self._coll.find_one({"_id": complaint_id}, None if with_outbox else {"outbox": 0})

    async def many(self, complaint_ids: list[str]) -> dict[str, Document]:
        """Several complaint documents (without their outboxes) in one query, by id."""
        docs = await self._coll.find({"_id": {"$in": complaint_ids}}, {"outbox": 0}).to_list()
        return {str(d["_id"]): d for d in docs}

    async def update_if_unchanged(self, *, complaint_id: str, rev: int, update: Mapping[str, Any]) -> bool:
        """Apply an update only if nobody changed the document since `rev` was read (optimistic lock)."""
        update = {**update, "$inc": {**update.get("$inc", {}), "rev": 1}}
        result = await self._coll.update_one({"_id": complaint_id, "rev": rev}, update)
        return result.matched_count == 1

    async def page(self, *, query: Document, before: str | None, limit: int) -> list[Document]:
        """Complaints matching `query`, newest first, after the cursor `before` (an id)."""
        if before is not None:
            query = {**query, "_id": {"$lt": before}}
        cursor = self._coll.find(query, LIST_FIELDS).sort("_id", DESCENDING).limit(limit)
        return await cursor.to_list()


__all__ = ["ComplaintRepository", "DuplicateComplaint"]
