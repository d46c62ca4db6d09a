"""The one clock and the one event-id scheme every service uses (time and ids are passed into the domain)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

Clock = Callable[[], datetime]
EVENT_NAMESPACE = uuid.UUID("5b0e3f7a-8c1d-4e29-b6a4-2d9f0c7e1a53")


def utc_now() -> datetime:
    """The current time in UTC at the database's millisecond precision (a stored time reads back equal)."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class OffsetClock:
    """`utc_now` moved on by the seconds written in a file, re-read whenever the file changes.

    Development and test only (the settings refuse it in production): it lets an end-to-end test move the
    time of every service process at once, e.g. past a plan step's due time, without restarting them.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._seen: int | None = None
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        """Now, plus the file's offset (none while the file is missing or unreadable)."""
        try:
            changed = self._path.stat().st_mtime_ns
            if changed != self._seen:
                self._offset = timedelta(seconds=float(self._path.read_text(encoding="utf-8").strip() or 0))
                self._seen = changed
        except (OSError, ValueError):
            self._offset, self._seen = timedelta(0), None
        return utc_now() + self._offset


def configured_clock(offset_file: Path | None) -> Clock:
    """The service's clock: `utc_now`, or an `OffsetClock` when an offset file is configured."""
    return utc_now if offset_file is None else OffsetClock(offset_file)


def stable_event_id(source: str, *parts: object) -> str:
    """The `ce_id` of the event `source` emits because of `parts`: the same cause always gives the same id.

    A replay or a re-published copy therefore carries the id every consumer has already seen.
    """
    return str(uuid.uuid5(EVENT_NAMESPACE, "\n".join([source, *(str(p) for p in parts)])))
