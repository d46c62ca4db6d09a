"""The report's dates as a reader expects them: China calendar days and China time (json keeps RFC 3339)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time
from typing import Any

from tousu_intake.domain.period import CHINA, last_day

ZONE = "北京时间 (UTC+08:00)"


def _china(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(CHINA)


def _day_and_time(moment: datetime) -> str:
    """`2026-11-30 18:00` (seconds only when the bound has them)."""
    return f"{moment:%Y-%m-%d %H:%M}" + (f":{moment:%S}" if moment.second or moment.microsecond else "")


def shown_period(period: Mapping[str, Any], *, generated_at: str) -> str:
    """`2026-11-02 至 2026-12-01`: the first and the last China day of the period [from, to).

    `to` is exclusive, so a `to` at China midnight shows the day before. A bound inside a day keeps its
    time, except a `to` equal to the generation time (the default: up to now), which is shown beside it.
    """
    start, end = _china(period["from"]), _china(period["to"])
    first = start.date().isoformat() if start.time() == time() else _day_and_time(start)
    date_only = end.time() == time() or end == _china(generated_at)
    last = last_day(end).isoformat() if date_only else _day_and_time(end)
    return f"{first} 至 {last}"


def shown_time(moment: str) -> str:
    """`2026-12-01 21:10 北京时间 (UTC+08:00)`: China time to the minute, with its zone."""
    return f"{_china(moment):%Y-%m-%d %H:%M} {ZONE}"
