"""A report period from `from` / `to`: dates are China calendar days (UTC+8), `to` dates are inclusive."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from tousu_intake.domain.errors import FieldError, InvalidInput

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")
DEFAULT_DAYS = 30


def parse_bound(value: str | None, *, name: str, inclusive_day: bool) -> datetime | None:
    """A date (YYYY-MM-DD) or an RFC 3339 date-time with offset; None when not given."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=int(inclusive_day)), time(), tzinfo=CHINA)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput([FieldError(name, "must be a date (YYYY-MM-DD) or an RFC 3339 date-time")]) from exc
    if moment.tzinfo is None:
        raise InvalidInput([FieldError(name, "an RFC 3339 date-time needs a time-zone offset")])
    return moment


def last_day(end: datetime) -> date:
    """The last China calendar day of a period ending (exclusively) at `end`."""
    return (end - timedelta(microseconds=1)).astimezone(CHINA).date()


def period(*, start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) in UTC; default: the last 30 China calendar days, whole, the last one up to `to` or now."""
    upper = parse_bound(end, name="to", inclusive_day=True) or now
    first_day = last_day(upper) - timedelta(days=DEFAULT_DAYS - 1)
    lower = parse_bound(start, name="from", inclusive_day=False) or datetime.combine(first_day, time(), tzinfo=CHINA)
    if lower >= upper:
        raise InvalidInput([FieldError("from", "must be before `to`")])
    return lower.astimezone(UTC), upper.astimezone(UTC)
