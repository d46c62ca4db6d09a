"""Ports of the intake core: what the write side, the read model, the views and the report need of storage."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from tousu_intake.domain.report import ReportFacts
from tousu_shared.auth import KeyLookup
from tousu_shared.clock import Clock
from tousu_shared.mongo import Document


class DuplicateComplaint(Exception):
    """Another complaint already holds this idempotency key or channel reference."""


class Publisher(Protocol):
    """Port of publishing: the relay that sends the events a write queued in the document's outbox."""

    def notify(self) -> None:
        """Wake the relay now: a write just queued events (it also sends them unwoken, only later)."""
        ...


class ComplaintReads(Protocol):
    """One complaint document by id, without its outbox."""

    async def get(self, complaint_id: str) -> Document | None:
        """The complaint, or None."""
        ...


class ComplaintWrites(ComplaintReads, Protocol):
    """Port of the write side: a new complaint and every later change carry their pending events in one write."""

    async def insert(self, document: Document) -> None:
        """Store a new complaint with its outbox; DuplicateComplaint when its idempotency key or reference is taken."""
        ...

    async def find_original(self, *, idempotency_scope: str | None, channel: str, channel_ref: str) -> Document | None:
        """The complaint a repeat refers to (by idempotency scope first, then by channel reference)."""
        ...

    async def update_if_unchanged(self, *, complaint_id: str, rev: int, update: Mapping[str, Any]) -> bool:
        """Apply MongoDB update operators only if the revision is still `rev`; False when someone wrote first."""
        ...


class ComplaintProjections(ComplaintWrites, Protocol):
    """Port of the read model: revision-checked updates, and a batch's complaints in one read."""

    async def many(self, complaint_ids: list[str]) -> dict[str, Document]:
        """The complaints among `complaint_ids` that exist, by id."""
        ...


class ComplaintPages(ComplaintReads, Protocol):
    """Port of the views: one complaint, and filtered pages newest id first."""

    async def page(self, *, query: Document, before: str | None, limit: int) -> list[Document]:
        """Complaints matching `query` (equality and `received_at` bounds) with ids below `before`."""
        ...


class ComplaintStore(ComplaintProjections, ComplaintPages, Protocol):
    """The whole complaints collection, as the composition root hands it out."""


class IncidentStore(Protocol):
    """Port of the incident read model: the newest snapshot per incident."""

    async def save_if_newer(self, snapshot: Document) -> bool:
        """Store the snapshot unless one as new is stored; True when stored."""
        ...

    async def get(self, incident_id: str) -> Document | None:
        """One incident, or None."""
        ...

    async def page(self, *, query: Document, before: str | None, limit: int) -> list[Document]:
        """Incidents matching `query`, newest id first, with ids below `before`."""
        ...


class ReportSource(Protocol):
    """Port of the report: the period's facts aggregated from the read model."""

    async def facts(self, *, start: datetime, end: datetime) -> ReportFacts:
        """What the report counts for complaints received in [start, end)."""
        ...


class Cipher(Protocol):
    """Encryption of personal data at rest (the Fernet `PiiCipher` in production)."""

    def encrypt(self, value: Any) -> str:
        """An opaque token of a JSON-able value."""
        ...

    def decrypt(self, token: str) -> Any:
        """The value behind a token."""
        ...


__all__ = [
    "Cipher",
    "Clock",
    "ComplaintPages",
    "ComplaintProjections",
    "ComplaintReads",
    "ComplaintStore",
    "ComplaintWrites",
    "DuplicateComplaint",
    "IncidentStore",
    "KeyLookup",
    "Publisher",
    "ReportSource",
]
