"""Scheduling: 1–2 working days for simple cases, 3–5 for complex ones, across the 2026 National Day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.unit.followup.builders import RULES, STANDARD, cst, resolution
from tousu_followup.domain.model import Context
from tousu_followup.domain.rules import Window
from tousu_followup.domain.schedule import classify, contact_window, plan_survey
from tousu_shared.calendar import is_workday

pytestmark = pytest.mark.unit


def test_chinesecalendar_knows_national_day_2026_and_its_adjusted_saturday() -> None:
    # chinesecalendar 1.11: holiday Thu 1 – Wed 7 Oct; Sat 10 Oct is an adjusted (调休) workday.
    assert not any(is_workday(cst(10, d).date()) for d in range(1, 8))
    assert is_workday(cst(10, 8).date())
    assert is_workday(cst(10, 10).date())
    assert not is_workday(cst(10, 11).date())


def test_a_simple_case_decided_before_national_day_is_called_after_the_holiday() -> None:
    due_at, due_by = contact_window(decided_at=cst(9, 30, 16), complexity="simple", rules=RULES)
    assert due_at == cst(10, 8, 9)  # first working day after the decision, from 09:00
    assert due_by == cst(10, 10, 0)  # by the end of Fri 9 Oct, the second working day


def test_a_complex_case_counts_the_adjusted_saturday_as_a_working_day() -> None:
    due_at, due_by = contact_window(decided_at=cst(9, 30, 16), complexity="complex", rules=RULES)
    assert due_at == cst(10, 10, 9)  # 8, 9, 10 Oct: the third working day is the adjusted Saturday
    assert due_by == cst(10, 14, 0)  # Sun 11 off; Mon 12, Tue 13 → by the end of Tue 13 Oct


def test_a_decision_on_a_holiday_and_in_utc_counts_from_the_local_date() -> None:
    on_holiday = contact_window(decided_at=cst(10, 3), complexity="simple", rules=RULES)
    late_utc = contact_window(decided_at=datetime(2026, 9, 30, 17, tzinfo=UTC), complexity="simple", rules=RULES)
    assert on_holiday[0] == late_utc[0] == cst(10, 8, 9)  # 17:00 UTC on 30 Sep is 01:00 on 1 Oct in Beijing


def test_a_friday_decision_before_the_adjusted_saturday_is_due_on_that_saturday() -> None:
    assert contact_window(decided_at=cst(10, 9), complexity="simple", rules=RULES)[0] == cst(10, 10, 9)


def test_a_standard_low_risk_case_is_simple() -> None:
    assert classify(context=STANDARD, cycle=1, rules=RULES)[0] == "simple"


def test_nothing_known_yet_counts_as_simple() -> None:
    assert classify(context=Context(), cycle=1, rules=RULES)[0] == "simple"


@pytest.mark.parametrize(
    ("change", "cycle", "reason"),
    [
        ({"severity": "high"}, 1, "severity high"),
        ({"repeat_band": "high"}, 1, "repeat risk high"),
        ({"route": "legal"}, 1, "route legal"),
        ({"tier": "L3"}, 1, "tier L3"),
        ({"extended": True}, 1, "deadline extended"),
        ({}, 2, "reopened (cycle 2)"),
    ],
)
def test_any_complexity_criterion_makes_the_case_complex(change: dict[str, object], cycle: int, reason: str) -> None:
    complexity, reasons = classify(context=STANDARD.model_copy(update=change), cycle=cycle, rules=RULES)
    assert complexity == "complex"
    assert reasons == [reason]


def test_the_survey_of_a_complex_case_carries_its_window_and_reasons() -> None:
    context = STANDARD.model_copy(update={"severity": "critical"})
    survey = plan_survey(
        complaint_id="TS-1", resolution=resolution(at=cst(9, 30, 16)), context=context, rules=RULES, now=cst(9, 30, 17)
    )
    assert (survey.survey_id, survey.cycle, survey.complexity) == ("sv_TS-1_1", 1, "complex")
    assert (survey.due_at, survey.reasons) == (cst(10, 10, 9), ["severity critical"])


def test_an_inverted_window_is_refused() -> None:
    with pytest.raises(ValueError, match="first <= last"):
        Window(3, 2)
