"""In-memory stand-ins for escalation's two stores, with the same revision checks and unique indexes.

Every call yields to the event loop a few times (a seeded random number), so several service instances
running on one loop interleave their reads and writes the way instances on one database do.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tousu_escalation.adapters.cases import Stored
from tousu_escalation.adapters.incidents import StoredIncident
from tousu_escalation.domain.case import Case, matter_key
from tousu_escalation.domain.incidents import IncidentView, Neighbour
from tousu_escalation.domain.routing import head_count
from tousu_shared.events import Envelope, EventData


@dataclass
class Yielder:
    """Yields to the loop 0-3 times per store call, as a seeded random source decides."""

    rng: random.Random = field(default_factory=lambda: random.Random(0))

    async def __call__(self) -> None:
        for _ in range(self.rng.randint(0, 3)):
            await asyncio.sleep(0)


@dataclass
class FakeCases:
    """The cases collection: documents by complaint id with a revision and the applied event ids."""

    pause: Yielder
    docs: dict[str, Stored] = field(default_factory=dict)
    events: list[Envelope[EventData]] = field(default_factory=list)

    async def get(self, complaint_id: str) -> Stored | None:
        await self.pause()
        return self.docs.get(complaint_id)

    async def insert(
        self,
        *,
        case: Case,
        next_due_at: datetime | None,
        event_id: str,
        events: Sequence[Envelope[EventData]],
        now: datetime,
        pages: Sequence[Any] = (),
    ) -> bool:
        await self.pause()
        if case.complaint_id in self.docs:
            return False
        self.docs[case.complaint_id] = Stored(case=case, rev=1, applied=frozenset([event_id]))
        self.events += events
        return True

    async def save(
        self,
        *,
        stored: Stored,
        case: Case,
        next_due_at: datetime | None,
        events: Sequence[Envelope[EventData]],
        now: datetime,
        event_id: str | None = None,
        release_claim: bool = False,
        pages: Sequence[Any] = (),
    ) -> bool:
        await self.pause()
        current = self.docs.get(case.complaint_id)
        if current is None or current.rev != stored.rev:
            return False
        applied = current.applied | ({event_id} if event_id else set())
        self.docs[case.complaint_id] = Stored(case=case, rev=current.rev + 1, applied=applied)
        self.events += events
        return True

    async def neighbours(self, *, keys: list[str], since: datetime, until: datetime) -> list[Neighbour]:
        await self.pause()
        return [
            Neighbour(
                complaint_id=s.case.complaint_id,
                customer_key=s.case.customer_key,
                keys=s.case.cluster_keys,
                received_at=s.case.received_at,
                head_count=max(head_count(s.case.analysis), 1),
            )
            for s in self.docs.values()
            if s.case.analysis is not None
            and s.case.received_at is not None
            and set(s.case.cluster_keys) & set(keys)
            and since <= s.case.received_at <= until
        ]

    async def open_same_matter(self, *, customer_key: str, matter_key: str, exclude: str) -> Stored | None:
        await self.pause()
        same = [
            s
            for s in self.docs.values()
            if s.case.customer_key == customer_key
            and s.case.analysis is not None
            and _matter(s.case) == matter_key
            and s.case.status == "open"
            and s.case.merged_into is None
            and s.case.complaint_id != exclude
        ]
        return min(same, key=lambda s: s.case.received_at or datetime.min, default=None)

    async def many(self, complaint_ids: list[str]) -> list[Stored]:
        await self.pause()
        return [self.docs[c] for c in complaint_ids if c in self.docs]

    async def reroute(self, *, changes: list[tuple[Stored, Case, Sequence[Envelope[EventData]]]], now: datetime) -> int:
        await self.pause()
        moved = 0
        for stored, case, events in changes:
            current = self.docs.get(case.complaint_id)
            if current is None or current.rev != stored.rev:
                continue
            kept = current.case.model_copy(
                update={
                    "routing": case.routing,
                    "joined_incidents": case.joined_incidents,
                    "plan": case.plan,
                }
            )
            self.docs[case.complaint_id] = Stored(case=kept, rev=current.rev + 1, applied=current.applied)
            self.events += events
            moved += 1
        return moved


def _matter(case: Case) -> str | None:
    return matter_key(case.analysis) if case.analysis else None


@dataclass
class FakeIncidents:
    """The incidents collection: unique ids, and at most one open incident per kind and key."""

    pause: Yielder
    docs: dict[str, tuple[IncidentView, int, str]] = field(default_factory=dict)
    events: list[Envelope[EventData]] = field(default_factory=list)

    def _stored(self, incident_id: str) -> StoredIncident:
        view, rev, status = self.docs[incident_id]
        return StoredIncident(view=view, rev=rev, status=status)

    async def get(self, incident_id: str) -> StoredIncident | None:
        await self.pause()
        return self._stored(incident_id) if incident_id in self.docs else None

    async def find_open(self, *, keys: list[str]) -> list[StoredIncident]:
        await self.pause()
        found = [self._stored(i) for i, (v, _, st) in self.docs.items() if v.key in keys and st == "open"]
        return sorted(found, key=lambda s: s.view.opened_at)

    async def find_wave(self, *, key: str, complaint_ids: list[str]) -> list[StoredIncident]:
        await self.pause()
        ids = set(complaint_ids)
        found = [
            self._stored(i)
            for i, (v, _, st) in self.docs.items()
            if v.kind == "group" and v.key == key and st != "merged" and ids & set(v.complaint_ids)
        ]
        return sorted(found, key=lambda s: s.view.opened_at)

    async def open_group(self, *, key: str) -> StoredIncident | None:
        await self.pause()
        return next(
            (
                self._stored(i)
                for i, (v, _, st) in self.docs.items()
                if v.kind == "group" and v.key == key and st == "open"
            ),
            None,
        )

    async def open(
        self,
        *,
        view: IncidentView,
        event: Envelope[EventData],
        now: datetime,
        pages: Sequence[Any] = (),
        status: str = "open",
    ) -> bool:
        await self.pause()
        twin = status == "open" and any(
            v.kind == view.kind and v.key == view.key and st == "open" for v, _, st in self.docs.values()
        )
        if view.incident_id in self.docs or twin:
            return False
        self.docs[view.incident_id] = (view, 1, status)
        self.events.append(event)
        return True

    async def join(
        self,
        *,
        stored: StoredIncident,
        view: IncidentView,
        event: Envelope[EventData],
        now: datetime,
        pages: Sequence[Any] = (),
    ) -> bool:
        await self.pause()
        _, rev, status = self.docs[view.incident_id]
        if rev != stored.rev:
            return False
        self.docs[view.incident_id] = (view, rev + 1, status)
        self.events.append(event)
        return True

    async def close(
        self, *, stored: StoredIncident, event: Envelope[EventData], now: datetime, merged_into: str | None = None
    ) -> bool:
        await self.pause()
        view, rev, status = self.docs[stored.view.incident_id]
        if rev != stored.rev or status == "merged":
            return False
        self.docs[view.incident_id] = (view, rev + 1, "merged" if merged_into else "closed")
        self.events.append(event)
        return True
