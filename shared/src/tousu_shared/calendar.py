"""Working days by the official Chinese calendar (chinesecalendar: holidays, weekends, 调休 workdays), in China time.

The one working-day calendar of every service. Every function takes time-zone-aware datetimes (a naive one
is refused: its calendar day would be a guess) and counts days in China time unless told another zone.

A year the installed chinesecalendar has no data for (it ships each year's State Council schedule some
weeks after publication) is *unknown*: `is_workday` then falls back to Monday–Friday, and `official_rest_day`
answers False, so the regulatory deadline never moves past a day nobody has declared a rest day (it can be
early, never later than the law's). Each unknown year is logged once as a warning.

An institution's holiday override (`tousu_shared.holidays`, the file named by TOUSU_CALENDAR_FILE) is
installed once at start-up with `use_holidays`: its listed days are consulted before chinesecalendar and a
listed year is known. It is process-wide reference data, like chinesecalendar's own tables, so the pure
deadline functions need no calendar argument.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta, timezone, tzinfo

import chinese_calendar

from tousu_shared.holidays import NO_OVERRIDES, HolidayOverrides

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST in China since 1991: a fixed offset is exact
DAY = timedelta(days=1)
_log = logging.getLogger("tousu.calendar")
_warned_years: set[int] = set()
_installed: list[HolidayOverrides] = [NO_OVERRIDES]  # one slot: the process's override


def use_holidays(overrides: HolidayOverrides) -> HolidayOverrides:
    """Install the institution's holiday override for this process; returns the one it replaces."""
    previous, _installed[0] = _installed[0], overrides
    return previous


def official_workday(day: date) -> bool | None:
    """True/False from the override, else the official schedule; None in a year neither knows."""
    overrides = _installed[0]
    listed = overrides.listed(day)
    if listed is not None:
        return listed
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if overrides.knows(day.year):
            return day.weekday() < 5
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            _log.warning(
                "chinesecalendar has no holiday data for %s: working days fall back to Monday-Friday and the "
                "regulatory deadline does not move off unknown days; upgrade chinesecalendar or list the year in "
                "TOUSU_CALENDAR_FILE",
                day.year,
            )
        return None


def is_workday(day: date) -> bool:
    """An official working day (adjusted 调休 weekends included); Monday–Friday in an unknown year."""
    known = official_workday(day)
    return day.weekday() < 5 if known is None else known


def official_rest_day(day: date) -> bool:
    """A statutory rest day (public holiday, or a weekend not made a working day); False when unknown."""
    return official_workday(day) is False


def covered_until() -> date:
    """The last day of the last year the installed calendar or the override knows."""
    return date(max([*(d.year for d in chinese_calendar.holidays), *_installed[0].years]), 12, 31)


def aware(moment: datetime) -> datetime:
    """`moment` itself; a naive datetime is refused (its day in China time would be a guess)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a time-zone-aware datetime is required, got {moment.isoformat()}")
    return moment


def local_date(moment: datetime, *, tz: tzinfo = CHINA) -> date:
    """The calendar day of an instant in China time (or `tz`)."""
    return aware(moment).astimezone(tz).date()


def at_local(day: date, hour: int = 0, *, tz: tzinfo = CHINA) -> datetime:
    """`hour`:00 on `day` in China time (or `tz`)."""
    return datetime.combine(day, time(hour=hour), tzinfo=tz)


def end_of_day(day: date, *, tz: tzinfo = CHINA) -> datetime:
    """24:00 of `day`, i.e. 00:00 of the next day, in China time (or `tz`)."""
    return at_local(day + DAY, tz=tz)


def nth_working_day_after(day: date, n: int) -> date:
    """The n-th working day after `day` (n ≥ 1); `day` itself never counts."""
    left = n
    while left > 0:
        day += DAY
        if is_workday(day):
            left -= 1
    return day


def add_working_days(start: datetime, days: int, *, tz: tzinfo = CHINA) -> datetime:
    """The same local clock time `days` working days after `start`, in `start`'s own zone."""
    local = aware(start).astimezone(tz)
    day = nth_working_day_after(local.date(), days) if days > 0 else local.date()
    return datetime.combine(day, local.timetz()).astimezone(start.tzinfo)


def working_seconds(start: datetime, end: datetime, *, tz: tzinfo = CHINA) -> float:
    """Seconds between `start` and `end` that fall on working days (local calendar)."""
    total, cursor, end_local = 0.0, aware(start).astimezone(tz), aware(end).astimezone(tz)
    while cursor < end_local:
        stop = min(end_of_day(cursor.date(), tz=tz), end_local)
        if is_workday(cursor.date()):
            total += (stop - cursor).total_seconds()
        cursor = stop
    return total


def after_working_seconds(start: datetime, seconds: float, *, tz: tzinfo = CHINA) -> datetime:
    """The instant when `seconds` of working time have passed since `start` (rest days skipped)."""
    cursor, left = aware(start).astimezone(tz), seconds
    while True:
        midnight = end_of_day(cursor.date(), tz=tz)
        span = (midnight - cursor).total_seconds() if is_workday(cursor.date()) else 0.0
        if span >= left and span > 0:
            return (cursor + timedelta(seconds=left)).astimezone(start.tzinfo)
        left -= span
        cursor = midnight
