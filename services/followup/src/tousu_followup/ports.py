"""Ports of the follow-up core: what the service, the deadline scanner and the worklist need of the case store,
the publisher and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from tousu_followup.domain.model import Case, Context
from tousu_shared.clock import Clock
from tousu_shared.events import Envelope, EventData

Fields = dict[str, Any]  # dotted field paths of a case document (`context.channel`, `contact`)


@dataclass(frozen=True)
class Stored:
    """A case as loaded, with what optimistic concurrency and idempotency need."""

    case: Case
    context: Context
    rev: int = 0
    applied: frozenset[str] = frozenset()
    contact: Fields = field(default_factory=dict)


class Publisher(Protocol):
    """Port of publishing: the relay that sends the events a save queued in the case's outbox."""

    def notify(self) -> None:
        """Wake the relay now: a save just queued events (it would send them unwoken, only later)."""
        ...


class CaseStore(Protocol):
    """Port of the service: one case per complaint; state writes are revision-checked and carry their events."""

    async def get(self, complaint_id: str) -> Stored | None:
        """The case (a fresh one when only context is known yet), or None."""
        ...

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
        """Store the state, queue its events and record `event_id` in one write; False on a concurrent change."""
        ...

    async def merge_context(
        self, *, complaint_id: str, customer_key: str, fields: Fields, newer_than: tuple[str, Any] | None = None
    ) -> bool:
        """Set context fields without a read; with `newer_than`, only over older values of that field."""
        ...


class DeadlineCases(Protocol):
    """Port of the deadline scanner: claims of cases past their deadline, and the due/overdue counts."""

    async def claim_due(self, *, now: datetime, owner: str, lease: timedelta) -> Stored | None:
        """Atomically reserve one case whose deadline passed (never two holders at a time)."""
        ...

    async def release(self, *, complaint_id: str, owner: str) -> None:
        """Give a claim back without changing the case."""
        ...

    async def count_due(self, *, now: datetime) -> int:
        """Pending surveys due by now."""
        ...

    async def count_overdue(self, *, now: datetime) -> int:
        """Pending surveys past the end of their contact window."""
        ...


class WorklistCases(Protocol):
    """Port of the worklist routes: bounded reads of due surveys and refused closures."""

    async def due(self, *, now: datetime, channels: frozenset[str] | None, limit: int) -> list[Stored]:
        """Cases with a pending survey due by `now`, oldest due first."""
        ...

    async def blocked(self, *, channels: frozenset[str] | None, limit: int) -> list[Stored]:
        """Cases whose closure waits for root cause and remediation, by complaint id."""
        ...


class FollowupCases(CaseStore, DeadlineCases, WorklistCases, Protocol):
    """The whole case store, as the composition root hands it to the service, the scanner and the routes."""


__all__ = [
    "CaseStore",
    "Clock",
    "DeadlineCases",
    "Fields",
    "FollowupCases",
    "Publisher",
    "Stored",
    "WorklistCases",
]
