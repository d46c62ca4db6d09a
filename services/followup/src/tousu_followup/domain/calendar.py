"""Working days by the official Chinese holiday calendar (adjusted workdays included); pure."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

import chinese_calendar

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no DST in China: a fixed offset is exact
DAY = timedelta(days=1)


def is_workday(day: date) -> bool:
    """True on an official working day (incl. adjusted 调休 weekends); Monday-Friday outside the data."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the calendar has no data for yet
        return day.weekday() < 5


def nth_working_day_after(day: date, n: int) -> date:
    """The n-th working day after `day` (n ≥ 1); `day` itself never counts."""
    left = n
    while left > 0:
        day += DAY
        if is_workday(day):
            left -= 1
    return day


def local_date(moment: datetime) -> date:
    """The calendar date of an instant in China local time."""
    return moment.astimezone(CHINA).date()


def at_local(day: date, hour: int) -> datetime:
    """`hour`:00 China local time on `day`."""
    return datetime.combine(day, time(hour=hour), tzinfo=CHINA)
