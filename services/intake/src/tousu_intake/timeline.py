"""Timeline entries and the update operators shared by every write to a complaint document."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tousu_intake.domain.status import Entry, fold
from tousu_shared.events import Envelope, EventData
from tousu_shared.mongo import Document


def entry(envelope: Envelope[EventData], *, seq: int, detail: Mapping[str, Any]) -> Document:
    """The stored timeline entry of one event."""
    return {
        "event_id": envelope.id,
        "type": envelope.type,
        "time": _aware(envelope.time),
        "source": envelope.source,
        "seq": seq,
        "detail": dict(detail),
    }


def has_event(doc: Document, event_id: str) -> bool:
    """True when the event is already on the complaint's timeline (idempotency on ce_id)."""
    return any(e.get("event_id") == event_id for e in doc.get("timeline", []))


def status_after(doc: Document, new: Document) -> str:
    """The status once `new` joins the timeline, folded in event-time order."""
    entries = [*doc.get("timeline", []), new]
    return fold(
        Entry(type=e["type"], time=_aware(e["time"]), seq=e.get("seq", 0), action=e.get("detail", {}).get("action"))
        for e in entries
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def merge(*updates: Mapping[str, Any]) -> dict[str, Any]:
    """Merge update documents operator by operator (`$set` with `$set`, `$push` with `$push`...)."""
    merged: dict[str, Any] = {}
    for update in updates:
        for operator, fields in update.items():
            merged.setdefault(operator, {}).update(fields)
    return merged


def append(doc: Document, envelope: Envelope[EventData], *, detail: Mapping[str, Any]) -> dict[str, Any]:
    """Operators that add the event to the timeline and recompute the status."""
    seq = int(doc.get("seq", 0))
    new = entry(envelope, seq=seq, detail=detail)
    return {"$push": {"timeline": new}, "$set": {"seq": seq + 1, "status": status_after(doc, new)}}
