"""Working days by the official Chinese holiday calendar (adjusted workdays included); pure."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone, tzinfo

import chinese_calendar

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST in China: a fixed offset is exact
DAY = timedelta(days=1)


def is_workday(day: date) -> bool:
    """True on an official working day (incl. adjusted 调休 weekends); Monday-Friday outside the data."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the calendar has no data for yet
        return day.weekday() < 5


def add_working_days(start: datetime, days: int, *, tz: tzinfo = CHINA) -> datetime:
    """The same local clock time `days` working days after `start` (days counted in China local time)."""
    local, left = start.astimezone(tz), days
    while left > 0:
        local += DAY
        if is_workday(local.date()):
            left -= 1
    return local.astimezone(start.tzinfo)


def working_seconds(start: datetime, end: datetime, *, tz: tzinfo = CHINA) -> float:
    """Seconds between `start` and `end` that fall on working days (local calendar)."""
    total, cursor, end_local = 0.0, start.astimezone(tz), end.astimezone(tz)
    while cursor < end_local:
        midnight = datetime.combine(cursor.date() + DAY, datetime.min.time(), tzinfo=tz)
        stop = min(midnight, end_local)
        if is_workday(cursor.date()):
            total += (stop - cursor).total_seconds()
        cursor = stop
    return total


def after_working_seconds(start: datetime, seconds: float, *, tz: tzinfo = CHINA) -> datetime:
    """The instant when `seconds` of working time have passed since `start` (holidays skipped)."""
    cursor, left = start.astimezone(tz), seconds
    while True:
        midnight = datetime.combine(cursor.date() + DAY, datetime.min.time(), tzinfo=tz)
        span = (midnight - cursor).total_seconds() if is_workday(cursor.date()) else 0.0
        if span >= left and span > 0:
            return (cursor + timedelta(seconds=left)).astimezone(start.tzinfo)
        left -= span
        cursor = midnight
