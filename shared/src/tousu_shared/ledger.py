"""Processed-event ledger: idempotency on the CloudEvents `ce_id` (a unique index)."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from tousu_shared.mongo import Document, journaled


class ProcessedLedger:
    """Remembers which events a service has fully processed.

    Use `seen` before doing work and `mark` after the effect is stored. An effect that is
    itself keyed by the event id (an upsert or insert with `_id` derived from `ce_id`) stays
    exactly-once even if the process dies between the effect and `mark`.
    """

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = journaled(collection)

    async def seen(self, event_id: str) -> bool:
        """True when the event was already processed."""
        return await self._collection.find_one({"_id": event_id}, {"_id": 1}) is not None

    async def mark(self, event_id: str, *, event_type: str) -> bool:
        """Record the event as processed; False when it already was."""
        try:
            await self._collection.insert_one({"_id": event_id, "type": event_type, "at": datetime.now(UTC)})
        except DuplicateKeyError:
            return False
        return True
