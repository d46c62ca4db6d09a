"""The report shows its period as China calendar days and its generation time in China time, in md and html."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.unit.intake.report_builders import sample_facts
from tousu_intake.domain.period import period
from tousu_intake.domain.report import summarize
from tousu_tools.report_render import render

pytestmark = pytest.mark.unit
# 2026-12-01 21:10:29 in China, still 2026-12-01 in UTC
EVENING = datetime(2026, 12, 1, 13, 10, 29, 453000, tzinfo=UTC)


def _report(*, now: datetime, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    lower, upper = period(start=start, end=end, now=now)
    return summarize(sample_facts(), start=lower, end=upper, generated_at=now)


def _both(report: dict[str, Any]) -> tuple[str, str]:
    """The Markdown, and the text a reader sees in the HTML (tags and attributes dropped)."""
    return render(report, fmt="md"), re.sub(r"<[^>]*>", " ", render(report, fmt="html"))


def test_default_period_and_generation_time_are_china_dates_and_time_in_md_and_html() -> None:
    for text in _both(_report(now=EVENING)):
        assert "2026-11-02 至 2026-12-01" in text
        assert "2026-12-01 21:10 北京时间 (UTC+08:00)" in text
        assert "T13:10" not in text and "+00:00" not in text and ".453" not in text


def test_json_keeps_rfc3339_instants() -> None:
    report = json.loads(render(_report(now=EVENING), fmt="json"))
    assert datetime.fromisoformat(report["generated_at"]) == EVENING
    assert datetime.fromisoformat(report["period"]["from"]) == datetime(2026, 11, 1, 16, 0, tzinfo=UTC)
    assert datetime.fromisoformat(report["period"]["to"]) == EVENING


def test_an_exclusive_end_at_china_midnight_shows_the_last_included_day() -> None:
    # --to 2026-11-30 is inclusive: the period ends (exclusively) at 2026-12-01 00:00 China time
    report = _report(now=EVENING, start="2026-11-01", end="2026-11-30")
    assert report["period"]["to"] == "2026-11-30T16:00:00+00:00"
    for text in _both(report):
        assert "2026-11-01 至 2026-11-30" in text


def test_a_report_generated_at_china_midnight_ends_on_the_day_before() -> None:
    midnight = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 2026-12-01 00:00 in China
    for text in _both(_report(now=midnight)):
        assert "2026-11-01 至 2026-11-30" in text
        assert "2026-12-01 00:00 北京时间" in text


def test_after_china_midnight_the_days_are_china_days_not_utc_days() -> None:
    night = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)  # 2026-12-02 01:00 in China, 2026-12-01 in UTC
    for text in _both(_report(now=night)):
        assert "2026-11-03 至 2026-12-02" in text
        assert "2026-12-02 01:00 北京时间" in text


def test_bounds_inside_a_day_keep_their_china_time() -> None:
    report = _report(now=EVENING, start="2026-11-01T04:00:00Z", end="2026-11-30T18:00:00+08:00")
    for text in _both(report):
        assert "2026-11-01 12:00 至 2026-11-30 18:00" in text
