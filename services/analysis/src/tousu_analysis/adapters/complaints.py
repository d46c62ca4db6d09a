"""MongoDB repository of analysed complaints: one journaled write per analysis, bounded history reads."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from tousu_analysis.adapters.documents import (
    HISTORY_PROJECTION,
    analysis_document,
    fact_document,
    history_item_of,
)
from tousu_analysis.domain.history import CustomerHistory
from tousu_analysis.domain.updates import HistoryFact
from tousu_analysis.service import NewAnalysis
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


class MongoComplaints:
    """Analysed complaints keyed by complaint id; history items, later facts and the outbox live together."""

    def __init__(self, collection: AsyncCollection[Document], *, topics: Topics) -> None:
        self._collection = journaled(collection)
        self._topics = topics

    async def ensure_indexes(self) -> None:
        """History by customer, templates by band key, agents by phone, waves by matter (all with time)."""
        for keys, options in INDEXES:
            await self._collection.create_index(keys, **options)  # type: ignore[arg-type]

    async def save_analysis(self, *, record: NewAnalysis, envelope: Envelope[EventData], now: datetime) -> bool:
        """Store the analysis with its pending event in ONE write; False when it was already stored.

        The usual case is a new document: one insert (an update costs the embedded server about four
        inserts). Only when the id exists — a stub created by facts that arrived first, or a
        redelivery — does the conditional update run: it matches only a document without an
        analysis, so a redelivered `complaint.received` collides on `_id`.
        """
        document = analysis_document(
            analysis=record.analysis,
            item=record.item,
            minhash=record.minhash,
            phone_key=record.phone_key,
            matter_key=record.matter_key,
            source_event_id=record.source_event_id,
        )
        fields = {**document, **outbox_fields([envelope], topics=self._topics, now=now)}
        try:
            await self._collection.insert_one({"_id": record.analysis.complaint_id, **fields})
            return True
        except DuplicateKeyError:
            pass
        try:
            await self._collection.update_one(
                {"_id": record.analysis.complaint_id, "analyzed_at": {"$exists": False}}, {"$set": fields}, upsert=True
            )
        except DuplicateKeyError:
            return False
        return True

    async def history(self, *, customer_key: str, since: datetime, until: datetime, limit: int) -> CustomerHistory:
        """The customer's analysed complaints in [since, until], newest first, at most `limit`."""
        docs = (
            await self._collection.find(
                {"customer_key": customer_key, "received_at": {"$gte": since, "$lte": until}}, HISTORY_PROJECTION
            )
            .sort("received_at", DESCENDING)
            .limit(limit)
            .to_list()
        )
        return CustomerHistory(customer_key=customer_key, items=[history_item_of(d) for d in docs if "item" in d])

    async def record_fact(self, *, complaint_id: str, customer_key: str, event_id: str, fact: HistoryFact) -> bool:
        """Append a later fact once per event id; False when this event was already applied.

        A fact that overtakes its complaint's analysis creates a stub the analysis later fills in.
        """
        try:
            await self._collection.update_one(
                {"_id": complaint_id, "applied": {"$ne": event_id}},
                {
                    "$addToSet": {"applied": event_id},
                    "$push": {"facts": fact_document(fact)},
                    "$setOnInsert": {"customer_key": customer_key},
                },
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True
