"""Cases collection: one document per complaint holding routing, clocks and its outbox."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import DuplicateKeyError

from tousu_escalation.adapters.documents import from_document, to_document
from tousu_escalation.adapters.pages import pages_fields, pages_set
from tousu_escalation.domain.case import Case
from tousu_escalation.domain.incidents import Neighbour
from tousu_escalation.domain.pages import Page
from tousu_shared.cases import CaseDocuments, Envelopes
from tousu_shared.mongo import Document
from tousu_shared.outbox import outbox_fields, outbox_push


@dataclass(frozen=True)
class Stored:
    """A case as loaded, with what optimistic concurrency and idempotency need."""

    case: Case
    rev: int
    applied: frozenset[str]


class CaseRepository(CaseDocuments):
    """Speaks `Case`; every write is journaled, revision-checked and carries its events."""

    async def ensure_indexes(self) -> None:
        """The scanner's due range, the cluster lookup, the same-matter lookup, the overdue count."""
        await self._coll.create_index([("next_due_at", ASCENDING)], name="next_due_at")
        await self._coll.create_index([("cluster_keys", ASCENDING), ("received_at", ASCENDING)], name="cluster")
        await self._coll.create_index(
            [("customer_key", ASCENDING), ("matter_key", ASCENDING), ("status", ASCENDING)], name="same_matter"
        )
        await self._coll.create_index([("overdue", ASCENDING)], name="overdue")
        await self._coll.create_index([("plan_next_due", ASCENDING)], name="plan_next_due")

    async def get(self, complaint_id: str) -> Stored | None:
        """The case, or None."""
        doc = await self._coll.find_one({"_id": complaint_id}, {"outbox": 0})
        return _stored(doc) if doc else None

    async def insert(
        self,
        *,
        case: Case,
        next_due_at: datetime | None,
        event_id: str,
        events: Envelopes,
        now: datetime,
        pages: Sequence[Page] = (),
    ) -> bool:
        """Store a new case with its events and pages; False when it already exists."""
        doc = {
            "_id": case.complaint_id,
            **to_document(case, next_due_at=next_due_at),
            "rev": 1,
            "applied": [event_id],
            **outbox_fields(events, topics=self._topics, now=now),
            **pages_fields(pages),
        }
        try:
            await self._coll.insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def save(
        self,
        *,
        stored: Stored,
        case: Case,
        next_due_at: datetime | None,
        events: Envelopes,
        now: datetime,
        event_id: str | None = None,
        release_claim: bool = False,
        pages: Sequence[Page] = (),
    ) -> bool:
        """Replace the state if nobody changed it since it was loaded; False on a concurrent change.

        The pages the change causes are stored in the same write (`pages.<page_id>`).
        """
        return await self.save_state(
            complaint_id=case.complaint_id,
            rev=stored.rev,
            fields=to_document(case, next_due_at=next_due_at) | pages_set(pages),
            events=events,
            now=now,
            event_id=event_id,
            release_claim=release_claim,
        )

    async def neighbours(self, *, keys: list[str], since: datetime, until: datetime) -> list[Neighbour]:
        """Recent complaints sharing a cluster key: an index range per key, never a collection scan."""
        if not keys:
            return []
        query = {"cluster_keys": {"$in": keys}, "received_at": {"$gte": since, "$lte": until}}
        docs = await self._coll.find(query, {"customer_key": 1, "cluster_keys": 1, "received_at": 1}).to_list()
        return [
            Neighbour(
                complaint_id=d["_id"],
                customer_key=d["customer_key"],
                keys=d["cluster_keys"],
                received_at=d["received_at"],
            )
            for d in docs
        ]

    async def open_same_matter(self, *, customer_key: str, matter_key: str, exclude: str) -> Stored | None:
        """The customer's open, not itself merged, complaint on the same matter (for merging)."""
        query = {
            "customer_key": customer_key,
            "matter_key": matter_key,
            "status": "open",
            "merged_into": None,
            "_id": {"$ne": exclude},
        }
        doc = await self._coll.find_one(query, {"outbox": 0}, sort=[("received_at", ASCENDING)])
        return _stored(doc) if doc else None

    async def many(self, complaint_ids: list[str]) -> list[Stored]:
        """Several cases by id."""
        docs = await self._coll.find({"_id": {"$in": complaint_ids}}, {"outbox": 0}).to_list()
        return [_stored(d) for d in docs]

    async def reroute(self, *, changes: list[tuple[Stored, Case, Envelopes]], now: datetime) -> int:
        """Store re-routed members in one bulk write (revision-checked); returns how many changed."""
        if not changes:
            return 0
        ops: list[Any] = []
        for stored, case, events in changes:
            push = outbox_push(events, topics=self._topics, now=now)
            doc = to_document(case, next_due_at=None)
            kept = ("routing", "incident_id", "joined_incidents", "plan", "plan_next_due")
            fields = {k: doc[k] for k in kept} | push["$set"]
            ops.append(
                UpdateOne(
                    {"_id": case.complaint_id, "rev": stored.rev},
                    {"$set": fields, "$inc": {"rev": 1}, "$push": push["$push"], "$min": push["$min"]},
                )
            )
        result = await self._coll.bulk_write(ops, ordered=False)
        return result.modified_count

    async def claim_due(self, *, now: datetime, owner: str, lease: timedelta) -> Stored | None:
        """Atomically reserve one case whose clocks need attention (never two holders at a time)."""
        doc = await self.claim_due_document(now=now, owner=owner, lease=lease)
        return _stored(doc) if doc else None

    async def count_overdue(self) -> int:
        """Complaints with a breached running clock."""
        return await self._coll.count_documents({"overdue": True})

    async def count_overdue_steps(self, *, now: datetime) -> dict[tuple[str, int], int]:
        """Open plan steps past due, by route and step (only cases with an open step past due are read)."""
        pipeline: list[Document] = [
            {"$match": {"plan_next_due": {"$lt": now}}},
            {"$unwind": "$plan.steps"},
            {"$match": {"plan.steps.outcome": None, "plan.steps.due_at": {"$lt": now}}},
            {"$group": {"_id": {"route": "$plan.route", "step": "$plan.steps.step"}, "n": {"$sum": 1}}},
        ]
        rows = await (await self._coll.aggregate(pipeline)).to_list()
        return {(r["_id"]["route"], int(r["_id"]["step"])): int(r["n"]) for r in rows}


def _stored(doc: Document) -> Stored:
    return Stored(case=from_document(doc), rev=int(doc.get("rev", 0)), applied=frozenset(doc.get("applied", [])))
