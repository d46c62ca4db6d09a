"""The one clock and the one event-id scheme every service uses (time and ids are passed into the domain)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
EVENT_NAMESPACE = uuid.UUID("5b0e3f7a-8c1d-4e29-b6a4-2d9f0c7e1a53")


def utc_now() -> datetime:
    """The current time in UTC at the database's millisecond precision (a stored time reads back equal)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def stable_event_id(source: str, *parts: object) -> str:
    """The `ce_id` of the event `source` emits because of `parts`: the same cause always gives the same id.

    A replay or a re-published copy therefore carries the id every consumer has already seen.
    """
    return str(uuid.uuid5(EVENT_NAMESPACE, "\n".join([source, *(str(p) for p in parts)])))
