"""The closure paths: answered, unreachable after attempts over two days, no response; refusal without 溯源整改."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.followup.builders import RULES, answer, cst, resolved
from tousu_followup.domain import lifecycle as lc
from tousu_followup.domain.model import AnswerRecorded, Closed, ClosureRefused

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("satisfaction", ["satisfied", "basically_satisfied"])
def test_a_satisfied_answer_closes_with_root_cause_and_remediation(satisfaction: str) -> None:
    decision = answer(resolved(), satisfaction)
    recorded, closed = decision.facts
    assert isinstance(recorded, AnswerRecorded) and recorded.satisfaction == satisfaction
    assert isinstance(closed, Closed)
    assert (closed.outcome, closed.root_cause, closed.remediation) == (
        satisfaction,
        "核赔规则理解偏差",
        "修订核赔指引并培训",
    )
    assert decision.case.status == "closed"
    assert lc.next_due_at(decision.case, rules=RULES) is None


def test_two_failed_attempts_only_count() -> None:
    case = answer(resolved(), None, fid="a1", at=cst(10, 8)).case
    decision = answer(case, None, fid="a2", at=cst(10, 9))
    assert [type(f) for f in decision.facts] == [AnswerRecorded]
    assert decision.facts[0].attempts == 2  # type: ignore[union-attr]
    assert decision.case.status == "surveying"


def test_three_failed_attempts_on_one_day_are_not_enough() -> None:
    case = resolved()
    for n, hour in enumerate((9, 13, 17)):
        case = answer(case, None, fid=f"a{n}", at=cst(10, 8, hour)).case
    assert case.status == "surveying"


def test_three_failed_attempts_over_two_days_close_as_unreachable_with_written_notice() -> None:
    case = resolved()
    case = answer(case, None, fid="a1", at=cst(10, 8, 9)).case
    case = answer(case, None, fid="a2", at=cst(10, 8, 17)).case
    decision = answer(case, None, fid="a3", at=cst(10, 9, 10))
    closed = decision.facts[-1]
    assert isinstance(closed, Closed)
    assert (closed.outcome, closed.written_notice) == ("unreachable", True)
    assert decision.case.surveys[0].status == "unreachable"


def test_no_answer_seven_days_after_due_closes_as_no_response() -> None:
    case = resolved()
    survey = case.pending
    assert survey is not None
    deadline = survey.due_at + timedelta(days=7)
    assert lc.next_due_at(case, rules=RULES) == deadline
    assert lc.expire(case, rules=RULES, now=deadline - timedelta(seconds=1)).ignored
    decision = lc.expire(case, rules=RULES, now=deadline)
    assert isinstance(decision.facts[0], Closed) and decision.facts[0].outcome == "no_response"
    assert lc.next_due_at(decision.case, rules=RULES) is None


def test_withdrawal_cancels_the_survey_and_closes_without_a_root_cause() -> None:
    decision = lc.withdraw(resolved(traced=False), now=cst(10, 8))
    assert isinstance(decision.facts[0], Closed) and decision.facts[0].outcome == "withdrawn"
    assert decision.case.surveys[0].status == "cancelled"
    assert lc.withdraw(decision.case, now=cst(10, 9)).ignored


def test_closure_without_root_cause_is_refused_and_completed_once_it_is_recorded() -> None:
    refused = answer(resolved(traced=False), "satisfied")
    assert isinstance(refused.facts[-1], ClosureRefused)
    assert refused.case.status == "closure_blocked"
    assert refused.case.blocked is not None and refused.case.blocked.outcome == "satisfied"
    done = lc.trace(refused.case, cycle=1, root_cause="话术不规范", remediation="话术培训", now=cst(10, 9))
    closed = done.facts[0]
    assert isinstance(closed, Closed)
    assert (closed.outcome, closed.root_cause, closed.remediation) == ("satisfied", "话术不规范", "话术培训")
    assert done.case.status == "closed" and done.case.blocked is None


def test_the_same_feedback_twice_changes_nothing() -> None:
    once = answer(resolved(), None, fid="a1")
    again = answer(once.case, None, fid="a1")
    assert again.ignored and again.case == once.case


def test_feedback_for_a_cycle_without_a_survey_can_never_apply() -> None:
    with pytest.raises(lc.InvalidFeedback, match="no follow-up survey for cycle 2"):
        answer(resolved(), "satisfied", cycle=2)


def test_an_answer_after_closure_changes_nothing() -> None:
    closed = answer(resolved(), "satisfied").case
    assert answer(closed, "unsatisfied", fid="fb-2").ignored
