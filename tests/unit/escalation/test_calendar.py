"""Working days by the official calendar: the 2026 National Day and Mid-autumn holidays, adjusted workdays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tousu_escalation.domain.calendar import add_working_days, after_working_seconds, is_workday, working_seconds

pytestmark = pytest.mark.unit
CST = timezone(timedelta(hours=8))


def cst(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=CST)


def test_national_day_2026_is_off_and_its_adjusted_saturday_is_a_workday() -> None:
    # chinesecalendar 1.11: National Day 1–7 Oct (Thu–Wed), 调休 workdays Sun 20 Sep and Sat 10 Oct.
    assert not any(is_workday(cst(10, d).date()) for d in range(1, 8))
    assert is_workday(cst(10, 8).date())
    assert is_workday(cst(9, 20).date())  # Sunday, adjusted workday
    assert is_workday(cst(10, 10).date())  # Saturday, adjusted workday
    assert not is_workday(cst(10, 11).date())


def test_one_working_day_before_national_day_lands_after_the_holiday() -> None:
    assert add_working_days(cst(9, 30), 1) == cst(10, 8)


def test_a_complaint_received_during_the_holiday_is_due_on_the_first_working_day() -> None:
    received = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 Oct in Beijing
    assert add_working_days(received, 1) == datetime(2026, 10, 8, 1, 0, tzinfo=CST)
    assert add_working_days(received, 1).tzinfo == UTC


def test_adjusted_workdays_count_as_working_days() -> None:
    assert add_working_days(cst(10, 9), 1) == cst(10, 10)  # Friday → adjusted Saturday
    assert add_working_days(cst(9, 18), 1) == cst(9, 20)  # Friday → adjusted Sunday
    assert add_working_days(cst(9, 24), 1) == cst(9, 28)  # Mid-autumn 25–27 Sep skipped
    assert add_working_days(cst(9, 30), 3) == cst(10, 10)


def test_working_time_skips_the_whole_holiday() -> None:
    assert working_seconds(cst(9, 30), cst(10, 8)) == 86_400
    assert after_working_seconds(cst(9, 30), 43_200) == cst(9, 30, 22)
    assert after_working_seconds(cst(9, 30), 64_800) == cst(10, 8, 4)


def test_years_without_calendar_data_fall_back_to_monday_to_friday() -> None:
    friday = datetime(2100, 1, 1, 10, tzinfo=CST)  # a Friday
    assert add_working_days(friday, 1) == datetime(2100, 1, 4, 10, tzinfo=CST)
