"""The institution's holiday override: listed days come before chinesecalendar and make a year known.

2035 stands for a year no chinesecalendar release carries; its days here are test data, not a schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from tousu_shared.calendar import covered_until, is_workday, nth_working_day_after, use_holidays
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.holidays import NO_OVERRIDES, HolidayFileError, HolidayOverrides, load_holidays, parse_holidays
from tousu_shared.runtime import install_holidays
from tousu_shared.settings import CalendarSettings

pytestmark = pytest.mark.unit
CST = timezone(timedelta(hours=8))
EXAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "holidays.example.yaml"


def cst(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=CST)


def midnight_after(year: int, month: int, day: int) -> datetime:
    """24:00 of that day in China time."""
    return cst(year, month, day, 0) + timedelta(days=1)


@pytest.fixture
def installed() -> Iterator[None]:
    """Whatever a test installs is undone after it."""
    previous = use_holidays(NO_OVERRIDES)
    yield
    use_holidays(previous)


def override(text: str) -> HolidayOverrides:
    return parse_holidays(text=text, source="test.yaml")


@pytest.mark.usefixtures("installed")
def test_a_listed_holiday_moves_the_regulatory_deadline_to_the_next_working_day() -> None:
    # received Thu 8 Mar: the 15th day is Fri 23 Mar; listed as a holiday it moves past the weekend
    assert regulatory_due_at(started_at=cst(2035, 3, 8)) == midnight_after(2035, 3, 23)
    use_holidays(override("years: {2035: {holidays: [2035-03-23]}}"))
    assert regulatory_due_at(started_at=cst(2035, 3, 8)) == midnight_after(2035, 3, 26)


@pytest.mark.usefixtures("installed")
def test_an_adjusted_working_day_does_not_move_it() -> None:
    # received Fri 9 Mar: the 15th day is Sat 24 Mar, a rest day once 2035 is known, unless made a working day
    use_holidays(override("years: {2035: {holidays: [2035-01-01]}}"))
    assert regulatory_due_at(started_at=cst(2035, 3, 9)) == midnight_after(2035, 3, 26)
    use_holidays(override("years: {2035: {workdays: [2035-03-24]}}"))
    assert regulatory_due_at(started_at=cst(2035, 3, 9)) == midnight_after(2035, 3, 24)


@pytest.mark.usefixtures("installed")
def test_an_unknown_year_without_override_keeps_the_fallback(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="tousu.calendar"):
        assert regulatory_due_at(started_at=cst(2039, 3, 11)) == midnight_after(2039, 3, 26)  # Sat 26: no move
    assert is_workday(date(2039, 3, 25)) and not is_workday(date(2039, 3, 26))  # Monday–Friday
    assert any("2039" in r.getMessage() and "TOUSU_CALENDAR_FILE" in r.getMessage() for r in caplog.records)


@pytest.mark.usefixtures("installed")
def test_working_day_targets_skip_listed_holidays_and_count_adjusted_weekends() -> None:
    use_holidays(override("years: {2035: {holidays: [2035-03-23], workdays: [2035-03-25]}}"))
    assert nth_working_day_after(date(2035, 3, 22), 1) == date(2035, 3, 25)  # Fri off, Sat rests, Sun works
    assert covered_until() == date(2035, 12, 31)


@pytest.mark.usefixtures("installed")
def test_a_listed_day_comes_before_chinesecalendar_in_a_year_it_knows() -> None:
    # 2026: received Wed 23 Sep, the 15th day is Thu 8 Oct, the first working day after National Day
    assert regulatory_due_at(started_at=cst(2026, 9, 23)) == midnight_after(2026, 10, 8)
    use_holidays(override("years: {2026: {holidays: [2026-10-08]}}"))
    assert regulatory_due_at(started_at=cst(2026, 9, 23)) == midnight_after(2026, 10, 9)
    assert is_workday(date(2026, 10, 10))  # unlisted days keep the official schedule (adjusted Saturday)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("years: {2035: {holidays: [2036-01-01]}}", "another year"),
        ("years: {2035: {holidays: [2035-03-24], workdays: [2035-03-24]}}", "both holiday and workday"),
        ("years: {2035: {holiday: [2035-03-23]}}", "Extra inputs are not permitted"),
        ("years: {2035: {holidays: [not-a-date]}}", "date"),
        ("years: [2035", "not valid YAML"),
    ],
)
def test_a_bad_override_is_refused_naming_the_file(text: str, complaint: str) -> None:
    with pytest.raises(HolidayFileError, match=r"test\.yaml") as refused:
        override(text)
    assert complaint in str(refused.value)


@pytest.mark.usefixtures("installed")
def test_every_service_loads_the_file_named_by_the_setting_and_refuses_a_missing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "holidays.yaml"
    path.write_text("years:\n  2035:\n    holidays: [2035-03-23]\n", encoding="utf-8")
    monkeypatch.setenv("TOUSU_CALENDAR_FILE", str(path))
    install_holidays(CalendarSettings())
    assert not is_workday(date(2035, 3, 23))
    with pytest.raises(HolidayFileError, match="TOUSU_CALENDAR_FILE"):
        install_holidays(CalendarSettings(file=tmp_path / "missing.yaml"))


def test_the_shipped_example_loads_and_lists_no_schedule() -> None:
    assert load_holidays(EXAMPLE) == NO_OVERRIDES
    assert load_holidays(None) == NO_OVERRIDES
