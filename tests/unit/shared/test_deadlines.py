"""The regulatory deadline as the Civil Code counts it (arts. 201, 203): next day, 24:00, off rest days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tousu_shared.deadlines import REGULATORY, RegulatoryTerms, period_end, regulatory_due_at

pytestmark = pytest.mark.unit
CST = timezone(timedelta(hours=8))
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def cst(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CST)


def due(received: datetime, **kwargs: object) -> datetime:
    return regulatory_due_at(started_at=received, **kwargs).astimezone(CST)  # type: ignore[arg-type]


def test_the_issue_example_is_due_at_the_end_of_the_15th_day_not_at_the_receipt_time() -> None:
    # received Wed 2 Dec 03:32: days 3 Dec .. 17 Dec (Thu, a working day), ends 24:00 on 17 Dec
    assert due(cst(12, 2, 3, 32)) == cst(12, 18)


def test_a_receipt_at_23_59_and_at_00_01_china_time_are_a_day_apart() -> None:
    late_monday = cst(11, 2, 23, 59)  # 15:59 UTC
    early_tuesday = cst(11, 3, 0, 1)  # 16:01 UTC, the same UTC date
    assert late_monday.astimezone(UTC).date() == early_tuesday.astimezone(UTC).date()
    assert due(late_monday) == cst(11, 18)  # last day Tue 17 Nov
    assert due(early_tuesday) == cst(11, 19)  # last day Wed 18 Nov


def test_the_deadline_is_rfc3339_utc_when_the_receipt_is_utc() -> None:
    assert regulatory_due_at(started_at=datetime(2026, 11, 2, 2, tzinfo=UTC)) == datetime(2026, 11, 17, 16, tzinfo=UTC)


@pytest.mark.parametrize(("received_day", "why"), [(6, "Saturday 21 Nov"), (7, "Sunday 22 Nov")])
def test_a_last_day_on_the_weekend_moves_to_monday(received_day: int, why: str) -> None:
    assert due(cst(11, received_day, 10)) == cst(11, 24), f"last day {why} → Monday 23 Nov, 24:00"


@pytest.mark.parametrize("last_day", range(1, 9))
def test_a_last_day_in_the_national_day_holiday_moves_to_the_first_working_day_after(last_day: int) -> None:
    # 2026 schedule: 1–7 Oct off, Thu 8 Oct the first working day; a last day on 8 Oct stays there.
    received = cst(10, last_day, 10) - 15 * DAY
    assert due(received) == cst(10, 9)


def test_a_weekend_day_the_schedule_makes_a_working_day_does_not_move() -> None:
    assert due(cst(9, 25, 10)) == cst(10, 11)  # last day Sat 10 Oct, an adjusted (调休) working day
    assert due(cst(9, 5, 10)) == cst(9, 21)  # last day Sun 20 Sep, an adjusted working day


def test_extensions_count_from_receipt_by_the_same_rule_even_when_granted_inside_a_holiday() -> None:
    received = cst(9, 16, 10)  # due 1 Oct, moved past National Day to the end of Thu 8 Oct
    assert due(received) == cst(10, 9)
    # the extension granted on 3 Oct (inside the holiday) counts 30 days from receipt: Fri 16 Oct
    assert due(received, extensions=1) == cst(10, 17)
    assert due(received, extensions=2) == cst(11, 17)  # 60 days: Sun 15 Nov → Mon 16 Nov


def test_a_complaint_received_inside_a_holiday_counts_from_the_next_day() -> None:
    received = cst(10, 3, 15)
    assert due(received) == cst(10, 20)  # last day Sun 18 Oct → Mon 19 Oct
    assert due(received, extensions=1) == cst(11, 3)  # last day Mon 2 Nov


def test_a_pause_across_midnight_adds_its_duration_then_the_period_ends_at_24_00() -> None:
    received = cst(11, 2, 10)  # unpaused: last day Tue 17 Nov
    assert due(received) == cst(11, 18)
    across_midnight = cst(11, 6, 1) - cst(11, 5, 23)  # 23:00 → 01:00, two hours
    within_a_day = cst(11, 5, 12) - cst(11, 5, 10)
    assert due(received, paused=across_midnight) == cst(11, 19)
    assert due(received, paused=within_a_day) == cst(11, 19), "a pause counts by its duration, not its dates"
    assert due(received, paused=DAY) == cst(11, 19)
    assert due(received, paused=DAY + timedelta(minutes=1)) == cst(11, 20)


def test_a_pause_is_added_before_the_rest_day_rule() -> None:
    received = cst(11, 5, 10)  # last day Fri 20 Nov
    assert due(received) == cst(11, 21)
    # two hours of appraisal push the end into Saturday, which moves to Monday 23 Nov
    assert due(received, paused=2 * HOUR) == cst(11, 24)
    # a last day already moved past the weekend absorbs a short pause: Sat 21 Nov → Mon 23 Nov either way
    assert due(cst(11, 6, 10), paused=2 * HOUR) == due(cst(11, 6, 10))


def test_elapsed_counting_is_wall_time_with_the_pause_added() -> None:
    wall = RegulatoryTerms(counting="elapsed")
    received = cst(11, 6, 10)
    assert due(received, terms=wall) == received + 15 * DAY
    assert due(received, terms=wall, extensions=1, paused=2 * HOUR) == received + 30 * DAY + 2 * HOUR


def test_working_day_periods_end_at_24_00_of_the_nth_working_day() -> None:
    end = period_end(start=cst(9, 30, 16), days=1, counting="civil_code", basis="working")
    assert end == cst(10, 9)  # the first working day after 30 Sep is Thu 8 Oct
    assert period_end(start=cst(9, 30, 16), days=1, counting="elapsed", basis="working") == cst(10, 8, 16)


def test_more_extensions_than_the_terms_allow_are_refused() -> None:
    assert REGULATORY.length(extensions=2) == 60
    assert REGULATORY.length(extensions=3) is None
    with pytest.raises(ValueError, match="at most 2 extensions"):
        regulatory_due_at(started_at=cst(11, 2, 10), extensions=3)


def test_in_a_year_the_calendar_does_not_know_the_deadline_is_never_later_than_the_law() -> None:
    # chinesecalendar 1.11 has no 2027 schedule: an unknown Saturday is not moved to Monday (early, never late)
    assert due(cst(12, 18, 10)) == cst(1, 3, year=2027)  # last day Sat 2 Jan 2027, not moved
    assert due(cst(12, 20, 10)) == cst(1, 5, year=2027)  # last day Mon 4 Jan 2027
