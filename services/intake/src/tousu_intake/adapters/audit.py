"""`intake_audit` on MongoDB: insert-only (this module has no update or delete), one chain per writer.

The intake process writes its entries (disclosures, admin use); `tousu keys` writes key administration into
the same collection, each run with a chain of its own. The trail's store exposes `insert`, reads and nothing else.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from tousu_intake.domain.audit import Chain, disclosed_fields
from tousu_intake.domain.ids import ulid
from tousu_intake.domain.keys import customer_key
from tousu_shared.apikeys import ApiKey
from tousu_shared.clock import Clock, utc_now
from tousu_shared.logging import get_logger
from tousu_shared.mongo import Document, journaled

log = get_logger("tousu.intake.audit")
COLLECTION = "intake_audit"


class AuditRepository:
    """Appends entries and reads them newest first; nothing here can change or remove one."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._coll = journaled(collection)

    async def ensure_indexes(self) -> None:
        """One entry per (chain, seq); the list filters by complaint, key, customer and time."""
        await self._coll.create_index([("chain", ASCENDING), ("seq", ASCENDING)], unique=True, name="chain_seq")
        for name in ("complaint_id", "key_id", "customer_key"):
            await self._coll.create_index([(name, ASCENDING), ("_id", DESCENDING)], name=f"list_{name}")
        await self._coll.create_index("at", name="at")

    async def insert(self, entry: Document) -> None:
        """Append one entry (journaled)."""
        await self._coll.insert_one(entry)

    async def get(self, entry_id: str) -> Document | None:
        """One entry."""
        return await self._coll.find_one({"_id": entry_id})

    async def page(self, *, query: Document, before: str | None, limit: int) -> list[Document]:
        """Entries newest first after the cursor."""
        if before is not None:
            query = {**query, "_id": {"$lt": before}}
        return await self._coll.find(query).sort("_id", DESCENDING).limit(limit).to_list()

    async def every(self) -> AsyncIterator[Document]:
        """Every entry, for verifying the chains."""
        async for doc in self._coll.find({}):
            yield doc


def audit_query(filters: dict[str, Any], *, secret: str) -> Document:
    """The Mongo filter of a listing: ids as given, `customer_ref` by its keyed pseudonym, `[since, until)`."""
    query: Document = {k: filters[k] for k in ("complaint_id", "key_id", "action") if filters.get(k)}
    if filters.get("field"):
        query["fields"] = filters["field"]
    if filters.get("customer_ref"):
        query["customer_key"] = customer_key(ref=filters["customer_ref"], secret=secret)
    window = {op: filters[k] for k, op in (("since", "$gte"), ("until", "$lt")) if filters.get(k)}
    if window:
        query["at"] = window
    return query


class AuditTrail:
    """One writer of the trail: builds entries, links them into this writer's chain, appends them one by one."""

    def __init__(self, *, repository: AuditRepository, writer: str, secret: str, clock: Clock = utc_now) -> None:
        self._repo, self._writer, self._secret, self._clock = repository, writer, secret, clock
        self._chain = self._new_chain()
        self._lock = asyncio.Lock()  # one append at a time keeps the chain gap-free

    @property
    def repository(self) -> AuditRepository:
        """The store (for the listing)."""
        return self._repo

    def query(self, filters: dict[str, Any]) -> Document:
        """The store's filter for a listing (see `audit_query`)."""
        return audit_query(filters, secret=self._secret)

    def _new_chain(self) -> Chain:
        return Chain(f"{self._writer}-{ulid(now=self._clock(), entropy=os.urandom(10))}")

    async def record(self, *, action: str, key_id: str | None, key_name: str | None, **details: Any) -> Document:
        """Append one entry: `request_id`, `route`, `complaint_id`, `fields`, `customer_key`, `by`, `detail`."""
        now = self._clock()
        entry = {
            "_id": f"AUD-{ulid(now=now, entropy=os.urandom(10))}",
            "at": now,
            "action": action,
            "key_id": key_id,
            "key_name": key_name,
            "complaint_id": None,
            "fields": [],
            **details,
        }
        async with self._lock:
            linked = self._chain.link(entry)
            try:
                await self._repo.insert(linked)
            except Exception:
                self._chain = self._new_chain()  # whether or not it was stored, the next entry starts afresh
                raise
        log.info("audit entry appended", action=action, chain=linked["chain"], seq=linked["seq"], hash=linked["hash"])
        return linked

    async def disclosed(self, *, key: ApiKey, view: dict[str, Any], request_id: str, route: str) -> Document:
        """A complaint view went out unmasked: which fields, to which key (never the values)."""
        ref = (view.get("intake") or {}).get("customer", {}).get("ref")
        return await self.record(
            action="personal_data.disclosed",
            key_id=key.key_id,
            key_name=key.name,
            complaint_id=view["complaint_id"],
            fields=disclosed_fields(view.get("intake") or {}),
            customer_key=customer_key(ref=ref, secret=self._secret) if ref else None,
            request_id=request_id,
            route=route,
        )

    async def admin_used(self, *, key: ApiKey, request_id: str, route: str, complaint_id: str | None) -> Document:
        """A request made with an `admin` key (what it asked for; the response is not kept)."""
        return await self.record(
            action="admin.used",
            key_id=key.key_id,
            key_name=key.name,
            complaint_id=complaint_id,
            request_id=request_id,
            route=route,
        )


def entry_view(doc: Document) -> dict[str, Any]:
    """An entry as the API shows it."""
    return {"entry_id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}
