"""Times typed on the command line: `24h`, `90d`, `2w`, `30m`, a day (YYYY-MM-DD, China time) or RFC 3339."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone

CHINA = timezone(timedelta(hours=8))
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
_DURATION = re.compile(r"(\d+)([mhdw])")


def parse_duration(text: str) -> timedelta:
    """`30m`, `24h`, `90d`, `2w` (also `0h`); ValueError otherwise."""
    match = _DURATION.fullmatch(text.strip().lower())
    if match is None:
        raise ValueError(f"{text!r} is not a duration like 30m, 24h, 90d or 2w")
    return int(match[1]) * _UNITS[match[2]]


def parse_moment(text: str, *, now: datetime, ago: bool) -> datetime:
    """A duration from `now` (back when `ago`, ahead otherwise), a day at 00:00 China time, or RFC 3339."""
    text = text.strip()
    if _DURATION.fullmatch(text.lower()):
        step = parse_duration(text)
        return now - step if ago else now + step
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), CHINA).astimezone(UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a duration (24h, 90d), a day (YYYY-MM-DD) or an RFC 3339 time") from exc
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} needs an offset (e.g. +08:00 or Z)")
    return moment.astimezone(UTC)
