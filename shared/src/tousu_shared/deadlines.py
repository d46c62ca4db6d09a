"""The one implementation of deadlines in days (domain §6): the regulatory decision clock and every clock in days.

Two counting rules:

- ``civil_code`` (Civil Code arts. 201 and 203; the default of the regulatory clock): a period of N days
  starts the day after the start, in China time; it ends at 24:00 (00:00 China time of the following day)
  of its N-th day; a last day that is a statutory rest day (public holiday, or a weekend the State
  Council's schedule does not make a working day) moves to the next working day. Working-day periods
  count N working days after the start day and end at 24:00 of the N-th.
- ``elapsed``: wall time, N × 24 h (or the same clock time N working days later); for internal targets.

Paused time (appraisal, testing, assessment, mediation) is excluded by its duration, wherever in the day
it falls: the period's unmoved end (24:00 of the N-th day) moves by the total paused time, a period in
days then ends at 24:00 of the day that reaches, and only then does the rest-day rule move it. So a
2-hour pause (across midnight or not) gives one more day, a pause of exactly 24 h one day, 24 h + 1 min
two. Extensions (30 / 60 days) count from the same start with the same pauses and the same rule; new
facts restart the period from their receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal

from tousu_shared.calendar import (
    CHINA,
    DAY,
    add_working_days,
    at_local,
    aware,
    end_of_day,
    local_date,
    nth_working_day_after,
    official_rest_day,
)

Counting = Literal["civil_code", "elapsed"]
Basis = Literal["calendar", "working"]
NO_PAUSE = timedelta(0)


@dataclass(frozen=True)
class RegulatoryTerms:
    """The decision period of the 2020 banking and insurance consumer-complaint measure, and its counting."""

    days: int = 15
    extensions: tuple[int, ...] = (30, 60)
    counting: Counting = "civil_code"

    def length(self, *, extensions: int) -> int | None:
        """The period in days after `extensions` extensions; None beyond the last allowed one."""
        if extensions == 0:
            return self.days
        return self.extensions[extensions - 1] if extensions <= len(self.extensions) else None


REGULATORY = RegulatoryTerms()


def period_end(
    *,
    start: datetime,
    days: int,
    counting: Counting,
    basis: Basis = "calendar",
    paused: timedelta = NO_PAUSE,
    tz: tzinfo = CHINA,
) -> datetime:
    """When a period of `days` (calendar or working) days from `start` ends, `paused` time excluded."""
    if counting == "elapsed":
        end = start + days * DAY if basis == "calendar" else add_working_days(start, days, tz=tz)
        return end + paused
    first = local_date(start, tz=tz)
    last = first + days * DAY if basis == "calendar" else nth_working_day_after(first, days)
    last = _last_day(end_of_day(last, tz=tz) + paused, tz=tz)
    while official_rest_day(last):
        last += DAY
    return end_of_day(last, tz=tz).astimezone(start.tzinfo)


def _last_day(end: datetime, *, tz: tzinfo) -> date:
    """The day whose 24:00 closes a period that runs until `end` (an exact midnight closes the day before)."""
    day = local_date(end, tz=tz)
    return day - DAY if end.astimezone(tz) == at_local(day, tz=tz) else day


def regulatory_due_at(
    *,
    started_at: datetime,
    extensions: int = 0,
    paused: timedelta = NO_PAUSE,
    terms: RegulatoryTerms = REGULATORY,
    tz: tzinfo = CHINA,
) -> datetime:
    """The regulatory decision deadline after `extensions` extensions and `paused` excluded time."""
    days = terms.length(extensions=extensions)
    if days is None:
        raise ValueError(f"at most {len(terms.extensions)} extensions, got {extensions}")
    return period_end(start=aware(started_at), days=days, counting=terms.counting, paused=paused, tz=tz)
