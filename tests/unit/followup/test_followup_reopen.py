"""Reopening: an unsatisfied answer starts cycle 2 with its own survey; a review (核查) reopens at management."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.followup.builders import RULES, STANDARD, answer, cst, resolution, resolved
from tousu_followup.domain import lifecycle as lc
from tousu_followup.domain.model import Case, Closed, Reopened, SurveyScheduled

pytestmark = pytest.mark.unit


def _unsatisfied() -> Case:
    return answer(resolved(), "unsatisfied").case


def test_an_unsatisfied_answer_reopens_the_same_complaint_as_cycle_two() -> None:
    decision = answer(resolved(), "unsatisfied")
    reopened = decision.facts[-1]
    assert isinstance(reopened, Reopened)
    assert (reopened.cycle, reopened.reason, reopened.tier_hint) == (2, "unsatisfied", None)
    assert (decision.case.complaint_id, decision.case.cycle, decision.case.status) == ("TS-1", 2, "handling")
    assert not any(isinstance(f, Closed) for f in decision.facts)


def test_cycle_two_gets_its_own_complex_survey_and_closes_when_satisfied() -> None:
    decided = cst(10, 20, 15)
    second = lc.resolve(
        _unsatisfied(), resolution=resolution(cycle=2, at=decided), context=STANDARD, rules=RULES, now=decided
    )
    scheduled = second.facts[0]
    assert isinstance(scheduled, SurveyScheduled)
    assert (scheduled.survey.survey_id, scheduled.survey.cycle) == ("sv_TS-1_2", 2)
    assert scheduled.survey.complexity == "complex"  # a reopened cycle is complex: 3–5 working days
    assert [s.survey_id for s in second.case.surveys] == ["sv_TS-1_1", "sv_TS-1_2"]
    closed = answer(second.case, "satisfied", fid="fb-2", cycle=2).facts[-1]
    assert isinstance(closed, Closed) and closed.cycle == 2


def test_a_late_answer_to_the_first_survey_changes_nothing_in_cycle_two() -> None:
    assert answer(_unsatisfied(), "satisfied", fid="fb-late", cycle=1).ignored


def test_a_resolution_of_an_earlier_cycle_is_ignored() -> None:
    assert lc.resolve(
        _unsatisfied(), resolution=resolution(cycle=1), context=STANDARD, rules=RULES, now=cst(10, 9)
    ).ignored


def test_a_review_within_thirty_days_of_the_decision_reopens_at_management_tier() -> None:
    closed = answer(resolved(at=cst(9, 30)), "satisfied").case
    decision = lc.request_review(closed, at=cst(9, 30) + timedelta(days=30), rules=RULES, now=cst(10, 30))
    reopened = decision.facts[0]
    assert isinstance(reopened, Reopened)
    assert (reopened.cycle, reopened.reason, reopened.tier_hint) == (2, "review_requested", "management")
    assert (decision.case.status, decision.case.closure) == ("handling", None)


def test_a_review_one_second_after_thirty_days_changes_nothing() -> None:
    closed = answer(resolved(at=cst(9, 30)), "satisfied").case
    late = cst(9, 30) + timedelta(days=30, seconds=1)
    assert lc.request_review(closed, at=late, rules=RULES, now=late).ignored


def test_a_review_before_the_decision_changes_nothing() -> None:
    closed = answer(resolved(at=cst(9, 30)), "satisfied").case
    assert lc.request_review(closed, at=cst(9, 29), rules=RULES, now=cst(9, 30)).ignored


def test_a_review_while_the_survey_is_pending_cancels_it() -> None:
    decision = lc.request_review(resolved(), at=cst(10, 2), rules=RULES, now=cst(10, 2))
    assert decision.case.surveys[0].status == "cancelled"
    assert lc.next_due_at(decision.case, rules=RULES) is None


def test_a_review_of_a_complaint_already_being_reworked_changes_nothing() -> None:
    assert lc.request_review(_unsatisfied(), at=cst(10, 9), rules=RULES, now=cst(10, 9)).ignored
