"""Intake's time rules: the review (核查) window and plausible reported times.

The regulatory decision deadline itself is counted in one place, `tousu_shared.deadlines`, which
escalation's clocks use too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

REVIEW_WINDOW = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=5)


def review_open(*, decided_at: datetime | None, at: datetime) -> bool:
    """A review (核查) may be requested within 30 days of the decision."""
    return decided_at is not None and decided_at <= at <= decided_at + REVIEW_WINDOW


def in_future(value: datetime, *, now: datetime, skew: timedelta = CLOCK_SKEW) -> bool:
    """True when a reported time is later than now plus the tolerated clock skew."""
    return value > now + skew
