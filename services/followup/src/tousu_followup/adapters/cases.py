"""Follow-up cases: one document per complaint with its surveys, context, deadline and outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from tousu_followup.domain.model import Case, Context
from tousu_followup.ports import Stored
from tousu_shared.cases import CaseDocuments, Envelopes
from tousu_shared.mongo import Document

HIDDEN = {"outbox": 0, "applied": 0}


class CaseRepository(CaseDocuments):
    """The Mongo adapter of `FollowupCases`: speaks `Case`; writes are journaled, revision-checked, with events."""

    async def ensure_indexes(self) -> None:
        """The scanner's deadline range, the worklist's due range, the blocked list."""
        await self._coll.create_index([("next_due_at", ASCENDING)], name="next_due_at")
        await self._coll.create_index([("survey_due_at", ASCENDING)], name="survey_due_at")
        await self._coll.create_index([("status", ASCENDING)], name="status")

    async def get(self, complaint_id: str) -> Stored | None:
        """The case (a fresh one when only context is known yet), or None."""
        doc = await self._coll.find_one({"_id": complaint_id}, {"outbox": 0})
        return stored_from(doc) if doc else None

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
    ) -> bool:
        """Store the new state and its events in one write; False when someone changed it meanwhile."""
        pending = case.pending
        fields = {
            "case": case.model_dump(),
            "customer_key": case.customer_key,
            "status": case.status,
            "next_due_at": next_due_at,
            "survey_due_at": pending.due_at if pending else None,
        }
        return await self.save_state(
            complaint_id=case.complaint_id,
            rev=stored.rev,
            fields=fields,
            events=events,
            now=now,
            event_id=event_id,
            release_claim=release_claim,
            create=stored.rev == 0,
        )

    async def merge_context(
        self, *, complaint_id: str, customer_key: str, fields: Document, newer_than: tuple[str, Any] | None = None
    ) -> bool:
        """Set context fields (one write, no read); with `newer_than`, only over older values of that field."""
        query: Document = {"_id": complaint_id}
        if newer_than is not None:
            name, value = newer_than
            query["$or"] = [{name: {"$exists": False}}, {name: {"$lte": value}}]
        update = {"$set": fields, "$setOnInsert": {"customer_key": customer_key, "rev": 0}}
        try:
            await self._coll.update_one(query, update, upsert=True)
        except DuplicateKeyError:  # exists with a newer value: keep it
            return False
        return True

    async def claim_due(self, *, now: datetime, owner: str, lease: timedelta) -> Stored | None:
        """Atomically reserve one case whose deadline passed (never two holders at a time)."""
        doc = await self.claim_due_document(now=now, owner=owner, lease=lease)
        return stored_from(doc) if doc else None

    async def due(self, *, now: datetime, channels: frozenset[str] | None, limit: int) -> list[Stored]:
        """Cases with a pending survey due by `now`, oldest due first (an index range on `survey_due_at`)."""
        query: Document = {"survey_due_at": {"$lte": now}}
        if channels is not None:
            query["context.channel"] = {"$in": sorted(channels)}
        docs = await self._coll.find(query, HIDDEN).sort("survey_due_at", ASCENDING).limit(limit).to_list()
        return [stored_from(d) for d in docs]

    async def blocked(self, *, channels: frozenset[str] | None, limit: int) -> list[Stored]:
        """Cases whose closure waits for root cause and remediation."""
        query: Document = {"status": "closure_blocked"}
        if channels is not None:
            query["context.channel"] = {"$in": sorted(channels)}
        docs = await self._coll.find(query, HIDDEN).sort("_id", ASCENDING).limit(limit).to_list()
        return [stored_from(d) for d in docs]

    async def count_due(self, *, now: datetime) -> int:
        """Pending surveys due by now."""
        return await self._coll.count_documents({"survey_due_at": {"$lte": now}})

    async def count_overdue(self, *, now: datetime) -> int:
        """Pending surveys past the end of their contact window."""
        return await self._coll.count_documents(
            {
                "survey_due_at": {"$lte": now},
                "case.surveys": {"$elemMatch": {"status": "pending", "due_by": {"$lt": now}}},
            }
        )


def stored_from(doc: Document) -> Stored:
    """A stored case from its document; a context-only document yields a fresh case."""
    case_doc = doc.get("case") or {"complaint_id": doc["_id"], "customer_key": doc.get("customer_key", "")}
    return Stored(
        case=Case.model_validate(case_doc),
        context=Context.model_validate(doc.get("context") or {}),
        rev=int(doc.get("rev", 0)),
        applied=frozenset(doc.get("applied", [])),
        contact=dict(doc.get("contact") or {}),
    )
