"""Incidents collection: one document per incident, at most one open incident per kind and matter key."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, OperationFailure

from tousu_escalation.adapters.pages import pages_fields, pages_set
from tousu_escalation.domain.incidents import INCIDENT_ROUTES, IncidentView
from tousu_escalation.domain.pages import Page
from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.mongo import Document, journaled
from tousu_shared.outbox import outbox_fields, outbox_push
from tousu_shared.settings import Topics

KINDS = sorted(set(INCIDENT_ROUTES.values()))
VIEW_FIELDS = tuple(f for f in IncidentView.model_fields if f != "incident_id")


@dataclass(frozen=True)
class StoredIncident:
    """An incident as loaded, with its revision for optimistic concurrency."""

    view: IncidentView
    rev: int


class IncidentRepository:
    """Speaks `IncidentView`; the matter lookup is one indexed query on the open incidents' keys."""

    def __init__(self, collection: AsyncCollection[Document], *, topics: Topics) -> None:
        self._coll = journaled(collection)
        self._topics = topics

    async def ensure_indexes(self) -> None:
        """A unique open incident per kind and key (two instances cannot open twins; a group wave and a
        public-opinion incident on one matter coexist); the gauge's count."""
        with contextlib.suppress(OperationFailure):  # the former per-key index forbade a second kind per matter
            await self._coll.drop_index("open_key")
        await self._coll.create_index(
            [("kind", ASCENDING), ("key", ASCENDING)],
            name="open_kind_key",
            unique=True,
            partialFilterExpression={"status": "open"},
        )
        await self._coll.create_index([("status", ASCENDING), ("kind", ASCENDING)], name="status_kind")

    async def get(self, incident_id: str) -> StoredIncident | None:
        """One incident by id."""
        doc = await self._coll.find_one({"_id": incident_id}, {"outbox": 0})
        return _stored(doc) if doc else None

    async def find_open(self, *, keys: list[str]) -> list[StoredIncident]:
        """The open incidents of any of these matter keys, oldest first (one indexed query)."""
        if not keys:
            return []
        query = {"kind": {"$in": KINDS}, "key": {"$in": keys}, "status": "open"}  # the open_kind_key index
        docs = await self._coll.find(query, {"outbox": 0}, sort=[("opened_at", ASCENDING)]).to_list()
        return [_stored(doc) for doc in docs]

    async def open(
        self, *, view: IncidentView, event: Envelope[EventData], now: datetime, pages: Sequence[Page] = ()
    ) -> bool:
        """Insert a new incident with its `incident.opened` (and page); False when it (or a twin for the key) exists."""
        doc = {
            "_id": view.incident_id,
            **view.model_dump(exclude={"incident_id"}),
            "status": "open",
            "rev": 1,
            "updated_at": now,
            **outbox_fields([event], topics=self._topics, now=now),
            **pages_fields(pages),
        }
        try:
            await self._coll.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def join(
        self,
        *,
        stored: StoredIncident,
        view: IncidentView,
        event: Envelope[EventData],
        now: datetime,
        pages: Sequence[Page] = (),
    ) -> bool:
        """Store the grown incident with its `incident.updated` (and page); False on a concurrent change."""
        push = outbox_push([event], topics=self._topics, now=now)
        fields = {k: getattr(view, k) for k in ("customers", "complaint_ids", "major", "last_member_at")}
        fields |= {"updated_at": now} | pages_set(pages)
        result = await self._coll.update_one(
            {"_id": view.incident_id, "rev": stored.rev},
            {"$set": fields | push["$set"], "$inc": {"rev": 1}, "$push": push["$push"], "$min": push["$min"]},
        )
        return result.modified_count == 1

    async def close(self, *, stored: StoredIncident, event: Envelope[EventData], now: datetime) -> bool:
        """Mark a stale incident closed with its `incident.updated`; False when it changed meanwhile."""
        push = outbox_push([event], topics=self._topics, now=now)
        result = await self._coll.update_one(
            {"_id": stored.view.incident_id, "rev": stored.rev, "status": "open"},
            {
                "$set": {"status": "closed", "closed_at": now, "updated_at": now} | push["$set"],
                "$inc": {"rev": 1},
                "$push": push["$push"],
                "$min": push["$min"],
            },
        )
        return result.modified_count == 1

    async def count_open(self) -> dict[str, int]:
        """Open incidents per kind."""
        rows = await self._coll.aggregate(
            [{"$match": {"status": "open"}}, {"$group": {"_id": "$kind", "n": {"$sum": 1}}}]
        )
        return {row["_id"]: int(row["n"]) async for row in rows}


def _stored(doc: Document) -> StoredIncident:
    view = IncidentView.model_validate({"incident_id": doc["_id"], **{k: doc[k] for k in VIEW_FIELDS if k in doc}})
    return StoredIncident(view=view, rev=int(doc.get("rev", 0)))
