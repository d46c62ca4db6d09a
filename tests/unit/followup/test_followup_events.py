"""Facts become the contract's events with ids derived from their cause; a refused closure publishes nothing."""

from __future__ import annotations

import pytest

from tests.unit.followup.builders import answer, cst, resolved
from tousu_followup.domain.model import SurveyScheduled
from tousu_followup.events import envelopes
from tousu_shared.events import ComplaintClosed, FollowupSatisfactionRecorded, FollowupSurveyScheduled

pytestmark = pytest.mark.unit


def test_an_answer_and_its_closure_become_two_events_with_stable_ids() -> None:
    decision = answer(resolved(), "satisfied")
    first = envelopes(decision.case, facts=decision.facts, cause="ce-1", now=cst(10, 8))
    again = envelopes(decision.case, facts=decision.facts, cause="ce-1", now=cst(10, 8))
    assert [type(e.data) for e in first] == [FollowupSatisfactionRecorded, ComplaintClosed]
    assert [e.id for e in first] == [e.id for e in again]
    assert {e.subject for e in first} == {"TS-1"} and {e.key for e in first} == {"ck-1"}


def test_the_scheduled_survey_carries_its_window_and_reasons() -> None:
    case = resolved()
    survey = case.surveys[0]
    (envelope,) = envelopes(case, facts=[SurveyScheduled(survey=survey)], cause="ce-0", now=cst(9, 30))
    assert isinstance(envelope.data, FollowupSurveyScheduled)
    assert (envelope.data.due_at, envelope.data.due_by) == (cst(10, 8, 9), cst(10, 10, 0))
    assert envelope.data.reasons == ["no complexity criterion applies"]


def test_a_refused_closure_publishes_only_the_answer() -> None:
    decision = answer(resolved(traced=False), "satisfied")
    assert [e.type for e in envelopes(decision.case, facts=decision.facts, cause="c", now=cst(10, 8))] == [
        "followup.satisfaction_recorded"
    ]
