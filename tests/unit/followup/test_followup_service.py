"""The follow-up service's orchestration over a hand-written fake of its case store: no servers."""

from __future__ import annotations

import asyncio

import pytest

from tests.unit.followup.builders import cst
from tests.unit.followup.harness import CID, CK, Harness, action, received, routed
from tousu_followup.service import ATTEMPTS
from tousu_shared.events import ComplaintClosed, ComplaintReopened, FollowupSurveyScheduled
from tousu_shared.retry import ConcurrentChange, PermanentError

pytestmark = pytest.mark.unit

DUE = cst(10, 8, 10)  # the simple survey is due from 8 Oct 09:00


@pytest.fixture
def h() -> Harness:
    return Harness()


async def answered(h: Harness, satisfaction: str) -> None:
    """Resolve, then answer when the survey is due."""
    await h.resolve()
    h.clock.at = DUE
    await h.answer(satisfaction)


async def answered_untraced(h: Harness) -> None:
    """A satisfied answer to a decision recorded without root cause and remediation."""
    await h.resolve(traced=False)
    h.clock.at = DUE
    await h.answer("satisfied")


async def test_a_resolved_action_schedules_one_survey_and_a_redelivery_changes_nothing(h: Harness) -> None:
    await h.resolve(event_id="a-1")
    await h.resolve(event_id="a-1")  # redelivered: the case remembers the event id
    await h.resolve(event_id="a-2")  # the same decision again under another id: already scheduled
    assert h.cases.types() == ["followup.survey_scheduled"]
    assert (h.case().status, h.cases.docs[CID].applied) == ("surveying", ["a-1"])
    assert h.publisher.wakes == [1]  # once, after the event was stored
    assert h.sample("tousu_followup_surveys_scheduled_total", complexity="simple") == 1.0


async def test_the_scheduled_event_names_the_survey_and_its_contact_window(h: Harness) -> None:
    await h.resolve()
    (scheduled,) = h.published("followup.survey_scheduled")
    assert isinstance(scheduled, FollowupSurveyScheduled)
    assert (scheduled.complaint_id, scheduled.customer_key, scheduled.cycle) == (CID, CK, 1)
    assert scheduled.due_at == cst(10, 8, 9, 0)
    assert h.cases.docs[CID].survey_due_at == scheduled.due_at


async def test_context_from_other_services_makes_the_survey_complex_and_an_older_routing_is_ignored(
    h: Harness,
) -> None:
    await h.service.on_received(received=received())
    await h.service.on_routed(routed=routed(tier="L3", at=cst(9, 21)))
    await h.service.on_routed(routed=routed(tier="L1", at=cst(9, 20)))  # late delivery of an older routing
    await h.resolve()
    doc = h.cases.docs[CID]
    assert (doc.context["tier"], doc.contact["phone_masked"]) == ("L3", "138****5678")
    assert h.case().surveys[0].complexity == "complex"


async def test_an_extension_makes_the_survey_complex(h: Harness) -> None:
    await h.service.on_action(event_id="x-1", action=action("extension_requested", at=cst(9, 25), reason="鉴定"))
    await h.resolve()
    assert h.sample("tousu_followup_surveys_scheduled_total", complexity="complex") == 1.0


async def test_a_satisfied_answer_closes_the_complaint_and_counts_csat(h: Harness) -> None:
    await h.service.on_received(received=received())
    await h.service.on_routed(routed=routed())
    await answered(h, "satisfied")
    assert h.cases.types()[1:] == ["followup.satisfaction_recorded", "complaint.closed"]
    (closed,) = h.published("complaint.closed")
    assert isinstance(closed, ComplaintClosed)
    assert (closed.outcome, closed.root_cause) == ("satisfied", "核赔规则理解偏差")
    assert (h.case().status, h.cases.docs[CID].next_due_at) == ("closed", None)
    assert h.sample("tousu_followup_closed_total", outcome="satisfied") == 1.0
    assert h.sample("tousu_satisfaction_total", outcome="satisfied") == 1.0
    labels = {"route": "standard", "channel": "hotline", "product_line": "insurance", "queue": "frontline"}
    assert h.sample("tousu_followup_answers_total", **labels, outcome="satisfied") == 1.0
    assert h.sample("tousu_followup_contact_attempts_total", reached="true") == 1.0


async def test_an_unsatisfied_answer_reopens_cycle_two_without_a_tier_hint(h: Harness) -> None:
    await answered(h, "unsatisfied")
    (reopened,) = h.published("complaint.reopened")
    assert isinstance(reopened, ComplaintReopened)
    assert (reopened.cycle, reopened.reason, reopened.tier_hint) == (2, "unsatisfied", None)
    assert h.published("complaint.closed") == []
    assert (h.case().cycle, h.case().status) == (2, "handling")
    assert h.sample("tousu_reopened_total", reason="unsatisfied") == 1.0
    assert h.sample("tousu_satisfaction_total", outcome="unsatisfied") == 1.0


async def test_a_review_within_the_window_after_closure_reopens_at_management_tier(h: Harness) -> None:
    await answered(h, "satisfied")
    h.clock.at = cst(10, 20, 11)
    await h.service.on_action(event_id="r-1", action=action("review_requested", at=cst(10, 20, 10)))
    (reopened,) = h.published("complaint.reopened")
    assert isinstance(reopened, ComplaintReopened)
    assert (reopened.cycle, reopened.reason, reopened.tier_hint) == (2, "review_requested", "management")
    assert h.sample("tousu_reopened_total", reason="review_requested") == 1.0


async def test_a_withdrawal_closes_without_a_survey_answer(h: Harness) -> None:
    await h.resolve()
    await h.service.on_action(event_id="w-1", action=action("withdrawn", at=cst(10, 2)))
    (closed,) = h.published("complaint.closed")
    assert isinstance(closed, ComplaintClosed) and closed.outcome == "withdrawn"
    assert h.case().surveys[0].status == "cancelled"


async def test_feedback_for_a_cycle_without_a_survey_is_dead_lettered_and_stores_nothing(h: Harness) -> None:
    await h.resolve()
    with pytest.raises(PermanentError):
        await h.answer("satisfied", cycle=2)
    assert (h.cases.types(), h.cases.docs[CID].applied) == (["followup.survey_scheduled"], ["a-1"])


async def test_a_concurrent_change_is_retried_on_a_fresh_read(h: Harness) -> None:
    await h.resolve()
    h.cases.conflicts = 1
    h.clock.at = DUE
    await h.answer("satisfied")
    assert h.cases.refused == 1
    assert h.case().status == "closed"
    assert h.cases.types().count("complaint.closed") == 1


async def test_an_answer_and_the_root_cause_arriving_together_both_take_effect(h: Harness) -> None:
    await h.resolve(traced=False)
    h.clock.at = DUE
    trace = action("note", at=DUE, root_cause="核赔规则理解偏差", remediation="修订核赔指引并培训")
    await asyncio.gather(h.answer("satisfied"), h.service.on_action(event_id="t-1", action=trace))
    assert h.cases.refused == 1  # both read the same revision; the second write was retried
    assert h.case().status == "closed"
    assert sorted(h.cases.docs[CID].applied) == ["a-1", "fb-1", "t-1"]
    (closed,) = h.published("complaint.closed")
    assert isinstance(closed, ComplaintClosed) and closed.remediation == "修订核赔指引并培训"


async def test_a_case_that_keeps_changing_is_reported_as_a_concurrent_change(h: Harness) -> None:
    await h.resolve()
    h.cases.conflicts = ATTEMPTS
    h.clock.at = DUE
    with pytest.raises(ConcurrentChange):
        await h.answer("satisfied")
    assert h.cases.refused == ATTEMPTS
    assert h.published("complaint.closed") == []
    assert h.publisher.wakes == [1]  # only the survey's write woke the relay
    assert h.sample("tousu_followup_closed_total", outcome="satisfied") == 0.0


async def test_a_refused_closure_waits_on_the_blocked_list_until_the_root_cause_arrives(h: Harness) -> None:
    await answered_untraced(h)
    assert [s.case.complaint_id for s in await h.cases.blocked(channels=None, limit=10)] == [CID]
    assert h.sample("tousu_followup_closure_refused_total", outcome="satisfied") == 1.0
    trace = action("note", at=DUE, root_cause="核赔规则理解偏差", remediation="修订核赔指引并培训")
    await h.service.on_action(event_id="t-1", action=trace)
    assert h.case().status == "closed"
    assert await h.cases.blocked(channels=None, limit=10) == []
