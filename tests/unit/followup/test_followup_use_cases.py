"""Follow-up's use cases through its service layer on the fakes: every cycle and answer, each effect once."""

from __future__ import annotations

import pytest

from tests.unit.followup.builders import cst
from tests.unit.followup.harness import CID, DECIDED, Harness, action, feedback, received, resolved, routed
from tousu_shared.events import (
    ComplaintClosed,
    ComplaintReopened,
    FollowupSatisfactionRecorded,
    FollowupSurveyScheduled,
)

pytestmark = pytest.mark.unit

DUE = cst(10, 8, 10)  # the simple survey of a decision on 30 Sep is due from 8 Oct 09:00


@pytest.fixture
def h() -> Harness:
    return Harness()


def closed_events(h: Harness) -> list[ComplaintClosed]:
    return [e for e in h.published("complaint.closed") if isinstance(e, ComplaintClosed)]


@pytest.mark.parametrize("satisfaction", ["satisfied", "basically_satisfied"])
async def test_a_satisfied_or_basically_satisfied_answer_closes_with_that_outcome(
    h: Harness, satisfaction: str
) -> None:
    await h.resolve()
    h.clock.at = DUE
    await h.answer(satisfaction)
    assert [(c.cycle, c.outcome, c.written_notice) for c in closed_events(h)] == [(1, satisfaction, False)]
    assert h.sample("tousu_satisfaction_total", outcome=satisfaction) == 1.0
    assert h.case().surveys[0].status == "answered"


async def test_three_failed_attempts_over_two_days_close_as_unreachable_with_a_written_notice(h: Harness) -> None:
    await h.resolve()
    for n, at in enumerate((cst(10, 8, 10), cst(10, 8, 15)), start=1):
        h.clock.at = at
        await h.answer(None, event_id=f"fb-{n}")
    assert (h.case().status, closed_events(h)) == ("surveying", [])  # two attempts only count
    h.clock.at = cst(10, 9, 10)
    await h.answer(None, event_id="fb-3")
    recorded = [e for e in h.published("followup.satisfaction_recorded") if isinstance(e, FollowupSatisfactionRecorded)]
    assert [(e.reached, e.attempts) for e in recorded] == [(False, 1), (False, 2), (False, 3)]
    assert [(c.outcome, c.written_notice) for c in closed_events(h)] == [("unreachable", True)]
    assert (h.case().surveys[0].status, h.cases.docs[CID].next_due_at) == ("unreachable", None)
    assert h.sample("tousu_followup_contact_attempts_total", reached="false") == 3.0
    assert h.sample("tousu_satisfaction_total", outcome="unreachable") == 1.0


async def test_a_redelivered_attempt_and_the_same_feedback_under_a_new_event_id_change_nothing(h: Harness) -> None:
    await h.resolve()
    h.clock.at = DUE
    await h.answer(None, event_id="fb-1")
    before = (h.cases.docs[CID].rev, h.cases.types())
    await h.answer(None, event_id="fb-1")  # the same delivery again
    resent = feedback(None, fid="f-fb-1", at=DUE)  # intake's feedback again, with another envelope id
    await h.service.on_feedback(event_id="fb-1-again", feedback=resent)
    assert (h.cases.docs[CID].rev, h.cases.types()) == before
    assert len(h.case().surveys[0].attempts) == 1
    assert h.cases.docs[CID].applied == ["a-1", "fb-1"]
    assert h.sample("tousu_followup_contact_attempts_total", reached="false") == 1.0


async def test_every_cycle_gets_its_own_survey_and_a_late_answer_to_the_first_changes_nothing(h: Harness) -> None:
    await h.resolve()
    h.clock.at = DUE
    await h.answer("unsatisfied")
    decided = cst(10, 12, 16)
    h.clock.at = decided
    await h.service.on_action(event_id="a-2", action=resolved(at=decided, cycle=2))
    scheduled = [e for e in h.published("followup.survey_scheduled") if isinstance(e, FollowupSurveyScheduled)]
    assert [(s.cycle, s.complexity) for s in scheduled] == [(1, "simple"), (2, "complex")]  # a reopened case
    assert scheduled[0].survey_id != scheduled[1].survey_id
    assert h.cases.docs[CID].survey_due_at == scheduled[1].due_at
    h.clock.at = scheduled[1].due_at
    await h.answer("satisfied", event_id="fb-old", cycle=1)  # the first survey was answered already
    assert h.case().status == "surveying"
    await h.answer("satisfied", event_id="fb-2", cycle=2)
    assert [(c.cycle, c.outcome) for c in closed_events(h)] == [(2, "satisfied")]
    assert [s.status for s in h.case().surveys] == ["answered", "answered"]
    assert h.sample("tousu_followup_surveys_scheduled_total", complexity="complex") == 1.0


async def test_a_redelivered_unsatisfied_answer_reopens_once_and_leaves_no_deadline(h: Harness) -> None:
    await h.resolve()
    h.clock.at = DUE
    await h.answer("unsatisfied")
    await h.answer("unsatisfied")  # redelivered
    reopened = [e for e in h.published("complaint.reopened") if isinstance(e, ComplaintReopened)]
    assert [(r.cycle, r.reason) for r in reopened] == [(2, "unsatisfied")]
    assert h.sample("tousu_reopened_total", reason="unsatisfied") == 1.0
    assert h.cases.docs[CID].next_due_at is None  # nothing for the scanner while the new cycle is handled


async def test_the_relay_is_woken_once_per_write_with_events_after_they_are_stored(h: Harness) -> None:
    await h.service.on_received(received=received())
    await h.service.on_routed(routed=routed())
    await h.service.on_action(event_id="n-1", action=action("note", at=DECIDED))  # changes nothing
    assert h.publisher.wakes == []
    await h.resolve()
    await h.resolve(event_id="a-2")  # the same decision under another id: ignored
    h.clock.at = DUE
    await h.answer("satisfied")  # the answer and the closure: two events, one write
    assert h.publisher.wakes == [1, 3]


async def test_events_carry_the_clock_and_ids_from_their_cause_so_a_retried_write_repeats_them() -> None:
    calm, contested = Harness(), Harness()
    for harness in (calm, contested):
        await harness.resolve()
        harness.clock.at = DUE
    contested.cases.conflicts = 2
    for harness in (calm, contested):
        await harness.answer("satisfied")
    ids = [e.id for e in calm.cases.outbox]
    assert [e.id for e in contested.cases.outbox] == ids and len(set(ids)) == 3
    assert [e.time for e in calm.cases.outbox] == [DECIDED, DUE, DUE]
    assert [c.occurred_at for c in closed_events(calm)] == [DUE]
    other = Harness()
    await other.resolve(event_id="a-other")
    assert other.cases.outbox[0].id != ids[0]  # another cause, another id


async def test_a_withdrawal_after_closure_changes_nothing(h: Harness) -> None:
    await h.resolve()
    h.clock.at = DUE
    await h.answer("satisfied")
    await h.service.on_action(event_id="w-1", action=action("withdrawn", at=cst(10, 9)))
    assert [c.outcome for c in closed_events(h)] == ["satisfied"]
    assert "w-1" not in h.cases.docs[CID].applied


async def test_a_redelivered_root_cause_is_not_written_again(h: Harness) -> None:
    await h.resolve(traced=False)
    trace = action("note", at=cst(10, 2), root_cause="核赔规则理解偏差", remediation="修订核赔指引并培训")
    await h.service.on_action(event_id="t-1", action=trace)
    rev = h.cases.docs[CID].rev
    await h.service.on_action(event_id="t-1", action=trace)  # the event id is kept with the effect
    assert (h.cases.docs[CID].rev, h.cases.docs[CID].applied) == (rev, ["a-1", "t-1"])
    resolution = h.case().resolution
    assert resolution is not None and resolution.remediation == "修订核赔指引并培训"
    assert h.publisher.wakes == [1]  # the trace itself has no event to publish
