"""Pages collection (`escalation_pages`): one document per page with its delivery state, fed from the causes.

A page is first written INTO the document whose change caused it (a case or an incident), in the
same journaled write: `pages.<page_id>` plus `pages_pending`. The sender hands pages over to this
collection (insert keyed by page id, so a repeat is a no-op), then removes them from the source.
A crash at any point loses no page and never makes a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from tousu_escalation.domain.pages import Page
from tousu_shared.mongo import Document, journaled

PAGE_FIELDS = tuple(Page.model_fields)
DUPLICATE_KEY = 11000
STATUSES = ("pending", "sent", "failed")
PENDING_SOURCE = {"pages_pending": True}
RETENTION = timedelta(days=30)  # sent pages kept (a resend's id is still known), then expired


def pages_fields(pages: Sequence[Page]) -> Document:
    """Fields of a NEW source document that carries these pages (nothing when there are none)."""
    if not pages:
        return {}
    return {"pages": {p.page_id: p.model_dump() for p in pages}, "pages_pending": True}


def pages_set(pages: Sequence[Page]) -> Document:
    """`$set` fields that add these pages to an EXISTING source document (nothing when there are none)."""
    if not pages:
        return {}
    return {f"pages.{p.page_id}": p.model_dump() for p in pages} | {"pages_pending": True}


async def ensure_source_index(collection: AsyncCollection[Document]) -> None:
    """The hand-over's scan reads only documents holding pages (a partial index, empty while idle)."""
    await collection.create_index(
        [("pages_pending", ASCENDING)], name="pages_pending", partialFilterExpression=PENDING_SOURCE
    )


@dataclass(frozen=True)
class StoredPage:
    """A page with its delivery state."""

    page: Page
    status: str
    attempts: int
    last_error: str


class PageRepository:
    """Speaks `Page`; every write journaled; a due page is claimed with a lease (never two senders at a time)."""

    def __init__(self, collection: AsyncCollection[Document], *, retention: timedelta = RETENTION) -> None:
        self._coll = journaled(collection)
        self._retention = retention

    async def ensure_indexes(self) -> None:
        """The sender's due range, the gauges' counts, and expiry of sent pages after the retention."""
        await self._coll.create_index([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due")
        await self._coll.create_index([("expire_at", ASCENDING)], name="expire_at", expireAfterSeconds=0)

    async def hand_over(self, source: AsyncCollection[Document], *, batch: int) -> int:
        """Move pages stored with their cause into this collection; how many source documents held some."""
        docs = await source.find(PENDING_SOURCE, {"pages": 1}).limit(batch).to_list()
        for doc in docs:
            pages = [Page.model_validate(p) for p in (doc.get("pages") or {}).values()]
            await self._insert(pages)
            await self._take_from(journaled(source), doc_id=doc["_id"], page_ids=[p.page_id for p in pages])
        return len(docs)

    async def _insert(self, pages: list[Page]) -> None:
        rows = [{"_id": p.page_id, **_delivery_start(p)} for p in pages]
        if not rows:
            return
        try:
            await self._coll.insert_many(rows, ordered=False)
        except BulkWriteError as exc:  # already handed over (a crash before the source was cleared)
            if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                raise

    @staticmethod
    async def _take_from(source: AsyncCollection[Document], *, doc_id: Any, page_ids: list[str]) -> None:
        if page_ids:
            await source.update_one({"_id": doc_id}, {"$unset": {f"pages.{pid}": "" for pid in page_ids}})
        # cleared only if no page arrived meanwhile; otherwise the next pass takes that one
        emptied = {"_id": doc_id, "$or": [{"pages": {}}, {"pages": None}]}
        await source.update_one(emptied, {"$set": {"pages_pending": False}})

    async def claim_due(self, *, now: datetime, owner: str, lease: timedelta) -> StoredPage | None:
        """Reserve the pending page due longest ago. A read comes first, so an idle sender never writes."""
        due = {
            "status": "pending",
            "next_attempt_at": {"$lte": now},
            "$or": [{"claim_until": None}, {"claim_until": {"$lt": now}}],
        }
        if await self._coll.find_one(due, {"_id": 1}) is None:
            return None
        doc = await self._coll.find_one_and_update(
            due,
            {"$set": {"claim_owner": owner, "claim_until": now + lease}},
            sort=[("next_attempt_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        return _stored(doc) if doc else None

    async def mark_sent(self, *, page_id: str, attempts: int, now: datetime) -> None:
        """Delivered: kept for the retention (a resend after a crash carries the same id), then expired."""
        await self._coll.update_one(
            {"_id": page_id, "status": "pending"},
            {
                "$set": {"status": "sent", "attempts": attempts, "sent_at": now, "expire_at": now + self._retention},
                "$unset": {"claim_owner": "", "claim_until": ""},
            },
        )

    async def record_failure(
        self, *, page_id: str, owner: str, attempts: int, error: str, next_attempt_at: datetime, release: bool
    ) -> None:
        """A failed attempt: count it and keep the reason; released for a later retry, or kept for the give-up."""
        update: Document = {
            "$set": {"attempts": attempts, "last_error": error[:2000], "next_attempt_at": next_attempt_at}
        }
        if release:
            update["$unset"] = {"claim_owner": "", "claim_until": ""}
        await self._coll.update_one({"_id": page_id, "claim_owner": owner, "status": "pending"}, update)

    async def mark_failed(self, *, page_id: str, error: str, dlq_id: str, now: datetime) -> None:
        """Given up: stays (without expiry) with its reason and dead-letter id until an operator re-drives it."""
        await self._coll.update_one(
            {"_id": page_id, "status": "pending"},
            {
                "$set": {"status": "failed", "last_error": error[:2000], "failed_at": now, "dlq_id": dlq_id},
                "$unset": {"claim_owner": "", "claim_until": ""},
            },
        )

    async def redrive(self, *, page_id: str, now: datetime) -> bool:
        """Arm a failed page again with a fresh attempt budget (same id: a receiver that saw it dedupes)."""
        result = await self._coll.update_one(
            {"_id": page_id, "status": "failed"},
            {"$set": {"status": "pending", "attempts": 0, "next_attempt_at": now}, "$unset": {"failed_at": ""}},
        )
        return result.modified_count == 1

    async def count_by_status(self) -> dict[str, int]:
        """Stored pages per status (an index count each)."""
        return {s: await self._coll.count_documents({"status": s}) for s in STATUSES}

    async def get(self, page_id: str) -> StoredPage | None:
        """One page by id."""
        doc = await self._coll.find_one({"_id": page_id})
        return _stored(doc) if doc else None


def _delivery_start(page: Page) -> Document:
    return page.model_dump() | {"status": "pending", "attempts": 0, "next_attempt_at": page.created_at}


def _stored(doc: Document) -> StoredPage:
    page = Page.model_validate({k: doc[k] for k in PAGE_FIELDS if k in doc})
    return StoredPage(
        page=page, status=doc["status"], attempts=int(doc.get("attempts", 0)), last_error=doc.get("last_error", "")
    )
