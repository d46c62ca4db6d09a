"""The no-response deadline through the scanner's path (claim → expire → commit → release), over the fake store."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.followup.builders import cst
from tests.unit.followup.harness import CID, Harness
from tousu_shared.events import ComplaintClosed

pytestmark = pytest.mark.unit

DEADLINE = cst(10, 15, 9)  # due 8 Oct 09:00 + 7 days without an answer


@pytest.fixture
async def h() -> Harness:
    harness = Harness()
    await harness.resolve()
    return harness


async def test_nothing_is_claimed_before_the_no_response_deadline(h: Harness) -> None:
    h.clock.at = DEADLINE.replace(hour=8)
    assert await h.scanner().scan_once() == 0
    assert h.case().status == "surveying"
    assert h.sample("tousu_followup_surveys_due") == 1.0
    assert h.sample("tousu_followup_surveys_overdue") == 1.0  # past the end of the contact window (9 Oct)


async def test_an_unanswered_survey_closes_as_no_response_at_its_deadline_once(h: Harness) -> None:
    h.clock.at = DEADLINE
    scanner = h.scanner()
    assert await scanner.scan_once() == 1
    (closed,) = h.published("complaint.closed")
    assert isinstance(closed, ComplaintClosed)
    assert (closed.outcome, closed.written_notice) == ("no_response", False)
    doc = h.cases.docs[CID]
    assert (doc.case and doc.case.surveys[0].status, doc.next_due_at, doc.claim_owner) == ("no_response", None, None)
    assert h.sample("tousu_satisfaction_total", outcome="no_response") == 1.0
    assert h.sample("tousu_followup_closed_total", outcome="no_response") == 1.0
    assert await scanner.scan_once() == 0  # the timer is gone with the pending survey
    assert h.sample("tousu_followup_surveys_due") == 0.0


async def test_a_case_changed_while_claimed_is_released_and_fires_on_the_next_claim(h: Harness) -> None:
    h.clock.at = DEADLINE
    h.cases.conflicts = 1
    assert await h.scanner().scan_once() == 2  # the first claim lost to a concurrent write, the second fired
    assert (h.cases.refused, h.cases.released) == (1, [CID])
    assert [c.outcome for c in h.published("complaint.closed") if isinstance(c, ComplaintClosed)] == ["no_response"]


async def test_an_answer_before_the_deadline_leaves_the_scanner_nothing_to_fire(h: Harness) -> None:
    h.clock.at = cst(10, 8, 10)
    await h.answer("satisfied")
    h.clock.at = DEADLINE
    assert await h.scanner().scan_once() == 0
    assert [c.outcome for c in h.published("complaint.closed") if isinstance(c, ComplaintClosed)] == ["satisfied"]


async def test_a_case_another_instance_holds_fires_only_once_its_lease_lapsed(h: Harness) -> None:
    h.clock.at = DEADLINE
    held = await h.cases.claim_due(now=DEADLINE, owner="other-instance", lease=timedelta(seconds=30))
    assert held is not None
    assert await h.scanner().scan_once() == 0
    assert (h.case().status, h.publisher.wakes) == ("surveying", [1])
    h.clock.at = DEADLINE + timedelta(minutes=1)
    assert await h.scanner().scan_once() == 1
    assert h.case().status == "closed"
    assert h.publisher.wakes == [1, 2]  # the closure was stored before the relay was woken
