"""The read model over hand-written fakes: each downstream event applied once, in event-time order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.intake import events
from tests.unit.intake.service_harness import NOW, Intake
from tousu_intake.readmodel import BatchedReadModel, ReadModel
from tousu_shared.consumer import DUPLICATE
from tousu_shared.events import Envelope, EventData
from tousu_shared.retry import ConcurrentChange, PermanentError

pytestmark = pytest.mark.unit


async def registered(intake: Intake) -> dict[str, Any]:
    """A complaint the service registered; the identity and dates the event builders need."""
    return await registered_view(intake, await intake.submitted())


async def apply(intake: Intake, *envelopes: Envelope[EventData]) -> list[str | None]:
    """Each envelope through the one-by-one handlers, as the consumer calls them."""
    handlers = ReadModel(complaints=intake.complaints, incidents=intake.incidents).handlers()
    return [await handlers[e.type](e) for e in envelopes]


async def test_an_event_delivered_again_is_a_duplicate_and_changes_nothing() -> None:
    intake = Intake()
    view = await registered(intake)
    analysis = events.analyzed(view, at=NOW + timedelta(minutes=1))
    assert await apply(intake, analysis) == [None]
    before = dict(intake.complaints.docs[view["complaint_id"]])

    assert await apply(intake, analysis) == [DUPLICATE]
    assert intake.complaints.docs[view["complaint_id"]] == before


async def test_events_arriving_out_of_order_give_the_view_of_event_time_order() -> None:
    intake = Intake()
    view = await registered(intake)
    at = NOW + timedelta(minutes=1)
    routed, analysed = events.routed(view, at=at + timedelta(minutes=1)), events.analyzed(view, at=at)

    await apply(intake, routed, analysed)  # routing overtook the analysis it followed
    doc = intake.complaints.docs[view["complaint_id"]]
    assert doc["status"] == "routed"
    assert [e["type"] for e in doc["timeline"]] == ["complaint.received", "complaint.routed", "complaint.analyzed"]


async def test_an_older_analysis_arriving_late_does_not_replace_the_newer_one() -> None:
    intake = Intake()
    view = await registered(intake)
    newer = events.analyzed(view, at=NOW + timedelta(minutes=5), band="high")
    older = events.analyzed(view, at=NOW + timedelta(minutes=1), band="low")

    await apply(intake, newer, older)
    doc = intake.complaints.docs[view["complaint_id"]]
    assert doc["analysis"]["repeat_risk"]["band"] == "high"
    assert doc["analysis_at"] == newer.time
    assert len(doc["timeline"]) == 3  # both are on the timeline all the same


async def test_the_follow_up_life_closes_the_view_with_its_answers() -> None:
    intake = Intake()
    cid = await intake.resolved_complaint()
    view = await registered_view(intake, cid)
    at = intake.clock()
    await apply(intake, events.survey_scheduled(view, at=at), events.satisfaction(view, at=at + timedelta(days=1)))
    assert intake.complaints.docs[cid]["status"] == "followup_pending"
    assert intake.complaints.docs[cid]["followup"]["satisfaction"] == "satisfied"

    await apply(intake, events.closed(view, at=at + timedelta(days=2)))
    assert intake.complaints.docs[cid]["status"] == "closed"
    assert intake.complaints.docs[cid]["closure"]["outcome"] == "satisfied"


async def test_a_reopen_starts_a_new_cycle_with_a_new_clock_once() -> None:
    intake = Intake()
    cid = await intake.resolved_complaint()
    view = await registered_view(intake, cid)
    at = intake.clock()
    reopen = events.reopened(view, at=at)

    assert await apply(intake, reopen, reopen) == [None, DUPLICATE]
    doc = intake.complaints.docs[cid]
    assert (doc["status"], doc["cycle"], doc["clock_started_at"]) == ("reopened", 2, at)
    assert doc["due_at"] > view["due_at"]


async def test_an_event_for_an_unknown_complaint_is_permanent() -> None:
    intake = Intake()
    stranger = {"complaint_id": "TS-unknown", "customer_key": "ck", "received_at": NOW, "due_at": NOW}
    with pytest.raises(PermanentError, match="unknown complaint"):
        await apply(intake, events.analyzed(stranger, at=NOW))


async def test_incident_news_is_kept_even_when_its_complaint_is_not_held_here() -> None:
    intake = Intake()
    view = await registered(intake)
    stranger = {"complaint_id": "TS-unknown", "customer_key": "ck", "received_at": NOW, "due_at": NOW}

    results = await apply(
        intake,
        events.incident_opened(view, at=NOW, incident_id="INC-1"),
        events.incident_opened(stranger, at=NOW, incident_id="INC-2"),
    )
    assert results == [None, None]
    assert set(intake.incidents.docs) == {"INC-1", "INC-2"}
    assert intake.complaints.docs[view["complaint_id"]]["incident_ids"] == ["INC-1"]


async def test_a_write_lost_to_a_concurrent_change_is_retried_then_given_up_as_transient() -> None:
    intake = Intake()
    view = await registered(intake)
    intake.complaints.conflicts = 3
    assert await apply(intake, events.analyzed(view, at=NOW)) == [None]

    intake.complaints.conflicts = 8
    with pytest.raises(ConcurrentChange):
        await apply(intake, events.routed(view, at=NOW + timedelta(minutes=1)))
    assert intake.complaints.docs[view["complaint_id"]]["status"] == "analyzed"


async def test_a_batch_ends_in_the_view_the_events_give_one_by_one_with_one_write_per_complaint() -> None:
    one_by_one, batched = Intake(), Intake()
    view = await registered(one_by_one)
    batched.complaints = type(one_by_one.complaints).holding(*one_by_one.complaints.docs.values())
    at = NOW + timedelta(minutes=1)
    batch = [
        events.routed(view, at=at + timedelta(minutes=1)),
        events.analyzed(view, at=at),
        events.sla_warning(view, at=at),
    ]

    singles = await apply(one_by_one, *batch, batch[0])
    results = await BatchedReadModel(complaints=batched.complaints, incidents=batched.incidents).apply(
        [*batch, batch[0]]
    )

    assert results == singles == [None, None, None, DUPLICATE]
    cid = view["complaint_id"]
    assert len(batched.complaints.writes) == 1 < len(one_by_one.complaints.writes) - 1 == 3
    mine, theirs = one_by_one.complaints.docs[cid], batched.complaints.docs[cid]
    assert {k: v for k, v in mine.items() if k != "rev"} == {k: v for k, v in theirs.items() if k != "rev"}


async def registered_view(intake: Intake, cid: str) -> dict[str, Any]:
    """The identity and dates of a complaint already stored."""
    doc = intake.complaints.docs[cid]
    return {k: doc[k] for k in ("customer_key", "received_at", "due_at")} | {"complaint_id": cid}
