"""The one working-day calendar: official 2026 holidays and adjusted workdays, China time, no naive datetimes."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from tousu_shared import calendar
from tousu_shared.calendar import (
    CHINA,
    add_working_days,
    after_working_seconds,
    covered_until,
    is_workday,
    local_date,
    nth_working_day_after,
    official_rest_day,
    working_seconds,
)

pytestmark = pytest.mark.unit
CST = timezone(timedelta(hours=8))


def cst(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CST)


def test_the_installed_calendar_knows_2026() -> None:
    # chinesecalendar 1.11 carries the State Council's 2026 schedule; the deadline tests below rely on it.
    assert covered_until() >= date(2026, 12, 31)


def test_national_day_2026_is_off_and_its_adjusted_saturday_is_a_workday() -> None:
    # 2026 schedule: National Day 1–7 Oct (Thu–Wed), 调休 workdays Sun 20 Sep and Sat 10 Oct.
    assert not any(is_workday(cst(10, d).date()) for d in range(1, 8))
    assert all(official_rest_day(cst(10, d).date()) for d in range(1, 8))
    assert is_workday(cst(10, 8).date())
    assert is_workday(cst(9, 20).date())  # Sunday, adjusted workday
    assert is_workday(cst(10, 10).date())  # Saturday, adjusted workday
    assert not official_rest_day(cst(10, 10).date())
    assert not is_workday(cst(10, 11).date())


def test_one_working_day_before_national_day_lands_after_the_holiday() -> None:
    assert add_working_days(cst(9, 30), 1) == cst(10, 8)


def test_working_days_are_counted_in_china_time_not_by_the_utc_date() -> None:
    received = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 Oct in Beijing: already the holiday
    assert add_working_days(received, 1) == datetime(2026, 10, 8, 1, 0, tzinfo=CST)
    assert add_working_days(received, 1).tzinfo == UTC
    assert local_date(datetime(2026, 11, 30, 16, 1, tzinfo=UTC)) == date(2026, 12, 1)


def test_adjusted_workdays_count_as_working_days() -> None:
    assert add_working_days(cst(10, 9), 1) == cst(10, 10)  # Friday → adjusted Saturday
    assert add_working_days(cst(9, 18), 1) == cst(9, 20)  # Friday → adjusted Sunday
    assert add_working_days(cst(9, 24), 1) == cst(9, 28)  # Mid-autumn 25–27 Sep skipped
    assert add_working_days(cst(9, 30), 3) == cst(10, 10)
    assert nth_working_day_after(date(2026, 9, 30), 3) == date(2026, 10, 10)


def test_working_time_skips_the_whole_holiday() -> None:
    assert working_seconds(cst(9, 30), cst(10, 8)) == 86_400
    assert after_working_seconds(cst(9, 30), 43_200) == cst(9, 30, 22)
    assert after_working_seconds(cst(9, 30), 64_800) == cst(10, 8, 4)


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="time-zone-aware"):
        add_working_days(datetime(2026, 9, 30, 10), 1)
    with pytest.raises(ValueError, match="time-zone-aware"):
        local_date(datetime(2026, 9, 30, 23))


def test_a_year_without_calendar_data_falls_back_to_monday_to_friday_with_a_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(calendar, "_warned_years", set())  # each unknown year warns once per process
    friday = datetime(2100, 1, 1, 10, tzinfo=CHINA)
    with caplog.at_level(logging.WARNING, logger="tousu.calendar"):
        assert add_working_days(friday, 1) == datetime(2100, 1, 4, 10, tzinfo=CHINA)
    assert "no holiday data for 2100" in caplog.text
    assert not official_rest_day(date(2100, 1, 2)), "an unknown Saturday is not declared a rest day"
