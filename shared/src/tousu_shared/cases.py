"""Case documents shared by the stateful consumers: revision-checked saves with their outbox, due claims.

A case is one document per complaint. A save replaces the service's fields only if the
revision is the one that was read (optimistic concurrency), appends the events it causes to
the document's outbox in the same write, and remembers the input event id (effects keyed by
event id stay exactly-once). Time-driven work claims one due document at a time with a lease,
so two instances never fire the same deadline.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.mongo import Document, journaled
from tousu_shared.outbox import outbox_push
from tousu_shared.settings import Topics

APPLIED_KEEP = 200  # recent input event ids kept per case for effect-keyed idempotency
Envelopes = list[Envelope[EventData]]


class CaseDocuments:
    """The common writes of a case collection; a service's repository adds its own queries."""

    def __init__(self, collection: AsyncCollection[Document], *, topics: Topics) -> None:
        self._coll = journaled(collection)
        self._topics = topics

    def state_update(
        self,
        *,
        fields: Document,
        events: Envelopes,
        now: datetime,
        event_id: str | None = None,
        release_claim: bool = False,
    ) -> Document:
        """The update that sets `fields`, bumps the revision, queues `events` and records `event_id`."""
        update: Document = {"$set": dict(fields), "$inc": {"rev": 1}}
        if events:
            push = outbox_push(events, topics=self._topics, now=now)
            update["$set"] |= push["$set"]
            update |= {"$push": push["$push"], "$min": push["$min"]}
        if event_id:
            update.setdefault("$push", {})["applied"] = {"$each": [event_id], "$slice": -APPLIED_KEEP}
        if release_claim:
            update["$unset"] = {"claim_owner": "", "claim_until": ""}
        return update

    async def save_state(
        self,
        *,
        complaint_id: str,
        rev: int,
        fields: Document,
        events: Envelopes,
        now: datetime,
        event_id: str | None = None,
        release_claim: bool = False,
        create: bool = False,
    ) -> bool:
        """One journaled write if nobody changed the case since `rev`; False on a concurrent change.

        With `create`, a case that does not exist yet is inserted by the same write (rev 0).
        """
        update = self.state_update(
            fields=fields, events=events, now=now, event_id=event_id, release_claim=release_claim
        )
        try:
            result = await self._coll.update_one({"_id": complaint_id, "rev": rev}, update, upsert=create)
        except DuplicateKeyError:  # a first write raced another one
            return False
        return result.upserted_id is not None or result.modified_count == 1

    async def claim_due_document(self, *, now: datetime, owner: str, lease: timedelta) -> Document | None:
        """Atomically reserve the case whose `next_due_at` passed longest ago (never two holders at a time).

        A read comes first: a scanner polls every second, and a claim that finds nothing due would
        still be a write on the server, so an idle system would keep writing.
        """
        due = {"next_due_at": {"$lte": now}, "$or": [{"claim_until": None}, {"claim_until": {"$lt": now}}]}
        if await self._coll.find_one(due, {"_id": 1}) is None:
            return None
        return await self._coll.find_one_and_update(
            due,
            {"$set": {"claim_owner": owner, "claim_until": now + lease}},
            projection={"outbox": 0},
            sort=[("next_due_at", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )

    async def release(self, *, complaint_id: str, owner: str) -> None:
        """Give a claim back without changing the case."""
        await self._coll.update_one(
            {"_id": complaint_id, "claim_owner": owner}, {"$unset": {"claim_owner": "", "claim_until": ""}}
        )
