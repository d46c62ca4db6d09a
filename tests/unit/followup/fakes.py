"""Hand-written in-memory fakes of follow-up's ports: the case store with the Mongo adapter's semantics, the
publisher and the clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tousu_followup.domain.model import Case, Context
from tousu_followup.ports import Fields, Stored
from tousu_shared.cases import APPLIED_KEEP
from tousu_shared.events import Envelope, EventData


@dataclass
class Doc:
    """One case document: the state, the merged context and contact, the claim and what was written with it."""

    complaint_id: str
    customer_key: str
    case: Case | None = None
    context: Fields = field(default_factory=dict)
    contact: Fields = field(default_factory=dict)
    rev: int = 0
    applied: list[str] = field(default_factory=list)
    next_due_at: datetime | None = None
    survey_due_at: datetime | None = None
    claim_owner: str | None = None
    claim_until: datetime | None = None

    def stored(self) -> Stored:
        """As `get` returns it; a context-only document yields a fresh case."""
        case = self.case or Case(complaint_id=self.complaint_id, customer_key=self.customer_key)
        return Stored(
            case=case,
            context=Context.model_validate(self.context),
            rev=self.rev,
            applied=frozenset(self.applied),
            contact=dict(self.contact),
        )


@dataclass
class FakeCases:
    """Cases by complaint id; every save is revision-checked and its events kept in `outbox`, in order."""

    docs: dict[str, Doc] = field(default_factory=dict)
    outbox: list[Envelope[EventData]] = field(default_factory=list)
    conflicts: int = 0  # saves still to fail as if another instance wrote first
    refused: int = 0  # saves refused for a stale revision
    released: list[str] = field(default_factory=list)

    async def get(self, complaint_id: str) -> Stored | None:
        doc = self.docs.get(complaint_id)
        found = doc.stored() if doc else None
        await asyncio.sleep(0)  # a round trip: concurrent handlers may both read a revision before either writes
        return found

    async def save(
        self,
        *,
        stored: Stored,
        case: Case,
        next_due_at: datetime | None,
        events: list[Envelope[EventData]],
        now: datetime,
        event_id: str | None = None,
        release_claim: bool = False,
    ) -> bool:
        doc = self.docs.get(case.complaint_id)
        if doc is not None and self.conflicts:
            self.conflicts -= 1
            doc.rev += 1  # someone else's write in between
        if (doc.rev if doc else 0) != stored.rev or (doc is None and stored.rev != 0):
            self.refused += 1
            return False
        doc = doc or self.docs.setdefault(case.complaint_id, Doc(case.complaint_id, case.customer_key))
        pending = case.pending
        doc.case, doc.customer_key, doc.rev = case, case.customer_key, doc.rev + 1
        doc.next_due_at, doc.survey_due_at = next_due_at, pending.due_at if pending else None
        self.outbox.extend(events)
        if event_id:
            doc.applied = [*doc.applied, event_id][-APPLIED_KEEP:]
        if release_claim:
            doc.claim_owner = doc.claim_until = None
        return True

    async def merge_context(
        self, *, complaint_id: str, customer_key: str, fields: Fields, newer_than: tuple[str, Any] | None = None
    ) -> bool:
        doc = self.docs.get(complaint_id)
        if doc is not None and newer_than is not None:
            current = self._value(doc, newer_than[0])
            if current is not None and current > newer_than[1]:
                return False  # exists with a newer value: keep it
        doc = doc or self.docs.setdefault(complaint_id, Doc(complaint_id, customer_key))
        for name, value in fields.items():
            if name.startswith("context."):
                doc.context[name.removeprefix("context.")] = value
            elif name == "contact":
                doc.contact = dict(value)
            else:
                raise AssertionError(f"the service merges only context and contact, not {name}")
        return True

    @staticmethod
    def _value(doc: Doc, name: str) -> Any:
        return doc.context.get(name.removeprefix("context."))

    async def claim_due(self, *, now: datetime, owner: str, lease: timedelta) -> Stored | None:
        free = [
            d
            for d in self.docs.values()
            if d.next_due_at is not None and d.next_due_at <= now and (d.claim_until is None or d.claim_until < now)
        ]
        if not free:
            return None
        doc = min(free, key=lambda d: d.next_due_at or now)
        doc.claim_owner, doc.claim_until = owner, now + lease
        return doc.stored()

    async def release(self, *, complaint_id: str, owner: str) -> None:
        doc = self.docs.get(complaint_id)
        if doc is not None and doc.claim_owner == owner:
            doc.claim_owner = doc.claim_until = None
            self.released.append(complaint_id)

    async def due(self, *, now: datetime, channels: frozenset[str] | None, limit: int) -> list[Stored]:
        found = [d for d in self._visible(channels) if d.survey_due_at is not None and d.survey_due_at <= now]
        return [d.stored() for d in sorted(found, key=lambda d: d.survey_due_at or now)[:limit]]

    async def blocked(self, *, channels: frozenset[str] | None, limit: int) -> list[Stored]:
        found = [d for d in self._visible(channels) if d.case is not None and d.case.status == "closure_blocked"]
        return [d.stored() for d in sorted(found, key=lambda d: d.complaint_id)[:limit]]

    async def count_due(self, *, now: datetime) -> int:
        return len(await self.due(now=now, channels=None, limit=len(self.docs)))

    async def count_overdue(self, *, now: datetime) -> int:
        due = await self.due(now=now, channels=None, limit=len(self.docs))
        return sum(1 for s in due if any(v.status == "pending" and v.due_by < now for v in s.case.surveys))

    def _visible(self, channels: frozenset[str] | None) -> list[Doc]:
        return [d for d in self.docs.values() if channels is None or d.context.get("channel") in channels]

    def types(self) -> list[str]:
        """The event types written so far, in order."""
        return [e.type for e in self.outbox]

    def queued(self, complaint_id: str) -> list[str]:
        """The ids of the events saved with one case, in order."""
        return [e.id for e in self.outbox if getattr(e.data, "complaint_id", None) == complaint_id]


@dataclass
class FakePublisher:
    """`Publisher` over a `FakeCases`: at each wake-up, how many events the relay would find in its outbox."""

    cases: FakeCases
    wakes: list[int] = field(default_factory=list)

    def notify(self) -> None:
        self.wakes.append(len(self.cases.outbox))


@dataclass
class Clock:
    """`Clock`: the instant the test set (`clock.at = ...`)."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at
