"""MongoDB repository of analysed complaints: one read of what a batch can see, one write of what it changed.

Per batch: ONE `find` by `_id` of the complaints the batch names (dedupe, stubs, applied facts) and
ONE `find` of its customers' history windows (`$in` on customers, bounded; exact per-complaint
reads only when the bound is hit), then ONE unordered `bulk_write` of updates to stored documents
(stubs filled, facts) and ONE unordered `insert_many` of new documents with their outbox (an update
costs the embedded server about four inserts, a batched insert a twentieth of one). Every update is
guarded so that a replay matches nothing and its upsert collides on `_id` instead: that collision
is how a change another writer made first is told apart.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Literal

from pymongo import ASCENDING, DESCENDING, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError

from tousu_analysis.adapters.documents import ROW_PROJECTION, analysis_document, fact_document, row_of
from tousu_analysis.domain.working_set import HistoryWindow, Pending, StoredComplaint
from tousu_shared.events import Envelope, EventData
from tousu_shared.mongo import Document, journaled
from tousu_shared.outbox import outbox_fields
from tousu_shared.settings import Topics

INDEXES: list[tuple[list[tuple[str, int]], dict[str, object]]] = [
    ([("customer_key", ASCENDING), ("received_at", DESCENDING)], {"name": "customer_history"}),
    ([("band_keys", ASCENDING), ("received_at", DESCENDING)], {"name": "template_bands"}),
    # Sparse, not partial: the embedded server's planner does not match a partial index's filter.
    ([("phone_key", ASCENDING)], {"name": "representative_phone", "sparse": True}),
    ([("matter_key", ASCENDING), ("received_at", DESCENDING)], {"name": "matter_wave"}),
]
DUPLICATE_KEY = 11000
Envelopes = dict[str, list[Envelope[EventData]]]
Change = tuple[Literal["analysis", "facts"], str]  # what of which complaint
Lost = set[Change]


class MongoComplaints:
    """Analysed complaints keyed by complaint id; history items, later facts and the outbox live together."""

    def __init__(self, collection: AsyncCollection[Document], *, topics: Topics) -> None:
        self._collection = journaled(collection)
        self._topics = topics

    async def ensure_indexes(self) -> None:
        """History by customer, templates by band key, agents by phone, waves by matter (all with time)."""
        for keys, options in INDEXES:
            await self._collection.create_index(keys, **options)  # type: ignore[arg-type]

    async def own(self, *, complaint_ids: list[str], windows: list[HistoryWindow], limit: int) -> list[StoredComplaint]:
        """The named complaints and the windows' history (two reads), merged by id."""
        named, history = await asyncio.gather(self._named(complaint_ids), self._history(windows, limit=limit))
        rows = {str(d["_id"]): d for d in [*history, *named]}
        return [row_of(d) for d in rows.values()]

    async def _named(self, complaint_ids: list[str]) -> list[Document]:
        if not complaint_ids:
            return []
        return await self._collection.find({"_id": {"$in": complaint_ids}}, ROW_PROJECTION).to_list()

    async def _history(self, windows: list[HistoryWindow], *, limit: int) -> list[Document]:
        """Every window's customer's analysed complaints in it: one read, or exact reads when its bound is hit."""
        if not windows:
            return []
        query = {
            "customer_key": {"$in": sorted({w.customer_key for w in windows})},
            "received_at": {"$gte": min(w.since for w in windows), "$lte": max(w.until for w in windows)},
        }
        bound = 2 * limit * len(windows)
        docs = await self._collection.find(query, ROW_PROJECTION).limit(bound).to_list()
        if len(docs) < bound:
            return docs
        each = await asyncio.gather(*(self._window(w, limit=limit) for w in windows))
        return [d for found in each for d in found]

    async def _window(self, window: HistoryWindow, *, limit: int) -> list[Document]:
        query = {"customer_key": window.customer_key, "received_at": {"$gte": window.since, "$lte": window.until}}
        cursor = self._collection.find(query, ROW_PROJECTION).sort([("received_at", DESCENDING), ("_id", ASCENDING)])
        return await cursor.limit(limit).to_list()

    async def write(self, *, pending: list[Pending], envelopes: Envelopes, now: datetime) -> Lost:
        """Store a batch's changes (updates first, then inserts); return the complaints another writer changed
        first. A crash between the two replays into guarded updates that match nothing, then the inserts."""
        updates = [p for p in pending if p.before != "absent"]
        inserts = [p for p in pending if p.before == "absent"]
        lost = await self._update(updates, envelopes, now=now)
        if not inserts:
            return lost
        docs = [self._document(p, envelopes.get(p.row.complaint_id, []), now=now) for p in inserts]
        try:
            await self._collection.insert_many(docs, ordered=False)
            return lost
        except BulkWriteError as exc:
            collided = _collided(exc)
        # Stored since the batch read it (a redelivery racing a rebalance): the stub rules apply.
        return lost | await self._update([inserts[i] for i in collided], envelopes, now=now)

    async def _update(self, changes: list[Pending], envelopes: Envelopes, *, now: datetime) -> Lost:
        """One unordered bulk of guarded upserts: a stub's analysis and new facts are separate (commuting) ops."""
        ops: list[tuple[Change, UpdateOne]] = []
        for change in changes:
            events = envelopes.get(change.row.complaint_id, [])
            if change.analysis is not None:
                ops.append((("analysis", change.row.complaint_id), _fill(change, events, self._topics, now)))
            if change.new_facts:
                ops.append((("facts", change.row.complaint_id), _facts(change)))
        if not ops:
            return set()
        try:
            await self._collection.bulk_write([op for _, op in ops], ordered=False)
        except BulkWriteError as exc:
            return {ops[i][0] for i in _collided(exc)}
        return set()

    def _document(self, change: Pending, events: list[Envelope[EventData]], *, now: datetime) -> Document:
        row = change.row
        doc: Document = {"_id": row.complaint_id, "customer_key": row.customer_key}
        if change.analysis is not None:
            doc.update(analysis_document(record=change.analysis))
        if row.facts:
            doc["facts"] = [fact_document(f) for f in row.facts]
            doc["applied"] = sorted(row.applied)
        if events:
            doc.update(outbox_fields(events, topics=self._topics, now=now))
        return doc


def _fill(change: Pending, events: list[Envelope[EventData]], topics: Topics, now: datetime) -> UpdateOne:
    """A first analysis with its outbox into a stored stub; a stored analysis makes the upsert collide."""
    assert change.analysis is not None
    fields = {**analysis_document(record=change.analysis), **outbox_fields(events, topics=topics, now=now)}
    return UpdateOne({"_id": change.row.complaint_id, "analyzed_at": {"$exists": False}}, {"$set": fields}, upsert=True)


def _facts(change: Pending) -> UpdateOne:
    """New facts, once per event id; one already applied makes the upsert collide."""
    ids = [event_id for event_id, _ in change.new_facts]
    return UpdateOne(
        {"_id": change.row.complaint_id, "applied": {"$nin": ids}},
        {
            "$push": {"facts": {"$each": [fact_document(f) for _, f in change.new_facts]}},
            "$addToSet": {"applied": {"$each": ids}},
            "$setOnInsert": {"customer_key": change.row.customer_key},
        },
        upsert=True,
    )


def _collided(exc: BulkWriteError) -> list[int]:
    """Indexes of the operations that collided on `_id`; anything else is re-raised."""
    errors = exc.details.get("writeErrors", [])
    collided = [int(e["index"]) for e in errors if e.get("code") == DUPLICATE_KEY]
    if len(collided) != len(errors):
        raise exc
    return collided
