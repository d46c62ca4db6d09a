"""The regulatory decision clock (domain §6): 15 calendar days, extensions to 30 and 60."""

from __future__ import annotations

from datetime import datetime, timedelta

DECISION_DAYS = 15
EXTENSION_DAYS = (30, 60)
REVIEW_WINDOW = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)


def due_at(received_at: datetime) -> datetime:
    """The decision and notice deadline: 15 calendar days after receipt."""
    return received_at + timedelta(days=DECISION_DAYS)


def extended_due_at(received_at: datetime, *, extensions_before: int) -> datetime | None:
    """The deadline after one more extension, or None when the legal limit is reached."""
    if extensions_before >= len(EXTENSION_DAYS):
        return None
    return received_at + timedelta(days=EXTENSION_DAYS[extensions_before])


def review_open(*, decided_at: datetime | None, at: datetime) -> bool:
    """A review (核查) may be requested within 30 days of the decision."""
    return decided_at is not None and decided_at <= at <= decided_at + REVIEW_WINDOW


def in_future(value: datetime, *, now: datetime, skew: timedelta = CLOCK_SKEW) -> bool:
    """True when a reported time is later than now plus the tolerated clock skew."""
    return value > now + skew
