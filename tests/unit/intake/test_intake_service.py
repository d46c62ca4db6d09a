"""Intake's write side over hand-written fakes: submission, handler actions and follow-up answers."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.unit.intake.fakes import FakeComplaints
from tests.unit.intake.service_harness import NAME, NOW, PERSONAL, Intake, Keys, action, complaint, feedback, resolved
from tousu_intake.domain.errors import ActionRejected, InvalidInput
from tousu_intake.ports import DuplicateComplaint
from tousu_intake.service import ConcurrentUpdate, IdempotencyConflict, NotFound
from tousu_shared.auth import Forbidden
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.mongo import Document

pytestmark = pytest.mark.unit


class CollidingIds(FakeComplaints):
    """A store in which every new id is taken already (by a complaint with another reference)."""

    async def insert(self, document: Document) -> None:
        raise DuplicateComplaint(f"E11000 duplicate key _id {document['_id']}")


# submission


async def test_a_new_complaint_is_stored_with_its_received_event_in_one_write() -> None:
    intake = Intake()
    result = await intake.service.submit(body=complaint(), key=Keys.writer, idempotency_key="k-1")

    cid = result.body["complaint_id"]
    assert result.created and result.body["status"] == "received"
    assert intake.complaints.writes == [cid]  # the complaint and its outbox: one write
    [entry] = intake.complaints.outbox(cid)
    assert (entry["type"], entry["topic"]) == ("complaint.received", "tousu.intake.v1")
    assert json.loads(entry["value"])["complaint_id"] == cid
    assert intake.publisher.notified == 1
    assert intake.counted("tousu_complaints_received_total", channel="hotline", product_line="banking") == 1


async def test_the_regulatory_deadline_counts_from_the_reported_receipt() -> None:
    intake = Intake()
    received = NOW - timedelta(days=3)
    result = await intake.service.submit(
        body=complaint(received_at=received.isoformat()), key=Keys.writer, idempotency_key=None
    )
    assert result.body["received_at"] == received.isoformat()
    assert result.body["due_at"] == regulatory_due_at(started_at=received).isoformat()


async def test_a_replay_with_the_same_idempotency_key_returns_the_same_complaint_without_a_write() -> None:
    intake = Intake()
    first = await intake.service.submit(body=complaint(), key=Keys.writer, idempotency_key="k-1")
    intake.clock.advance(seconds=30)
    again = await intake.service.submit(body=complaint(), key=Keys.writer, idempotency_key="k-1")

    assert not again.created
    assert again.body == first.body
    assert len(intake.complaints.docs) == 1 and len(intake.complaints.writes) == 1
    assert intake.publisher.notified == 1
    assert intake.counted("tousu_complaints_received_total", channel="hotline", product_line="banking") == 1


async def test_the_same_channel_reference_without_a_key_is_a_replay_too() -> None:
    intake = Intake()
    first = await intake.service.submit(body=complaint(), key=Keys.writer, idempotency_key=None)
    again = await intake.service.submit(body=complaint(), key=Keys.writer, idempotency_key=None)
    cid = first.body["complaint_id"]
    assert (again.created, again.body) == (False, first.body)
    assert intake.complaints.writes == [cid]
    assert [e["type"] for e in intake.complaints.outbox(cid)] == ["complaint.received"]
    assert intake.publisher.notified == 1


async def test_a_colliding_complaint_id_is_a_retryable_conflict_not_a_replay() -> None:
    intake = Intake(complaints=CollidingIds())
    with pytest.raises(ConcurrentUpdate, match="retry"):
        await intake.service.submit(body=complaint(), key=Keys.writer, idempotency_key="k-1")
    assert intake.publisher.notified == 0


async def test_a_reused_idempotency_key_with_a_different_body_is_rejected() -> None:
    intake = Intake()
    await intake.service.submit(body=complaint(), key=Keys.writer, idempotency_key="k-1")
    with pytest.raises(IdempotencyConflict, match="Idempotency-Key"):
        await intake.service.submit(body=complaint(channel_ref="HL-0002"), key=Keys.writer, idempotency_key="k-1")
    assert len(intake.complaints.docs) == 1


async def test_a_reused_channel_reference_with_a_different_body_is_rejected() -> None:
    intake = Intake()
    await intake.service.submit(body=complaint(), key=Keys.writer, idempotency_key=None)
    with pytest.raises(IdempotencyConflict, match="channel_ref"):
        await intake.service.submit(body=complaint(category="保险"), key=Keys.writer, idempotency_key=None)


async def test_idempotency_keys_are_scoped_to_the_api_key() -> None:
    intake = Intake()
    mine = await intake.service.submit(body=complaint(), key=Keys.writer, idempotency_key="k-1")
    theirs = await intake.service.submit(
        body=complaint(channel_ref="HL-0002"), key=Keys.other_writer, idempotency_key="k-1"
    )
    assert theirs.created and theirs.body["complaint_id"] != mine.body["complaint_id"]


async def test_personal_data_is_masked_before_it_leaves_intake_and_stored_only_encrypted() -> None:
    intake = Intake()
    cid = await intake.submitted()
    stored = intake.complaints.docs[cid]

    [entry] = intake.complaints.outbox(cid)
    leaving = json.dumps([entry, stored["intake"], stored["timeline"]], ensure_ascii=False, default=str)
    assert [v for v in PERSONAL if v in leaving] == []
    event = json.loads(entry["value"])
    assert event["customer"]["name_masked"] == "王**"
    assert event["customer"]["phone_masked"] == "138****5678"
    assert f"本人{NAME[0]}**" in event["content"]
    assert intake.cipher.decrypt(stored["pii"])["customer"]["id_number"] == "110101199003071234"
    assert stored["pii"].startswith("pii:")


async def test_a_key_may_post_only_for_its_channels() -> None:
    intake = Intake()
    with pytest.raises(Forbidden):
        await intake.service.submit(body=complaint(channel="app"), key=Keys.writer, idempotency_key=None)
    assert intake.complaints.docs == {}


@pytest.mark.parametrize(
    ("shift", "reason"), [(timedelta(minutes=10), "in the future"), (-timedelta(days=400), "days in the past")]
)
async def test_implausible_receipt_times_are_refused(shift: timedelta, reason: str) -> None:
    intake = Intake()
    with pytest.raises(InvalidInput, match=reason):
        await intake.service.submit(
            body=complaint(received_at=(NOW + shift).isoformat()), key=Keys.writer, idempotency_key=None
        )


# handler actions


async def test_an_action_is_stored_with_its_event_and_moves_the_status() -> None:
    intake = Intake()
    cid = await intake.submitted()
    intake.clock.advance(hours=1)
    result = await intake.service.record_action(complaint_id=cid, body=action("acknowledged"), key=Keys.admin)

    assert result["status"] == "in_progress" and result["cycle"] == 1
    assert intake.complaints.writes == [cid, cid]
    assert [e["type"] for e in intake.complaints.outbox(cid)] == ["complaint.received", "complaint.action_recorded"]
    assert intake.complaints.docs[cid]["status"] == "in_progress"
    assert intake.publisher.notified == 2
    assert (
        intake.counted("tousu_intake_updates_total", event_type="complaint.action_recorded", action="acknowledged") == 1
    )


async def test_free_text_in_an_action_is_masked_with_the_complainants_names() -> None:
    intake = Intake()
    cid = await intake.submitted()
    await intake.service.record_action(
        complaint_id=cid, body=action("note", note=f"已致电{NAME}，号码13812345678"), key=Keys.admin
    )
    note = json.loads(intake.complaints.outbox(cid)[-1]["value"])["note"]
    assert NAME not in note and "13812345678" not in note
    assert intake.complaints.docs[cid]["timeline"][-1]["detail"]["note"] == note


async def test_an_extension_moves_the_deadline_and_counts() -> None:
    intake = Intake()
    cid = await intake.submitted()
    before = intake.complaints.docs[cid]["due_at"]
    result = await intake.service.record_action(
        complaint_id=cid, body=action("extension_requested", reason="需调取录音"), key=Keys.admin
    )
    assert result["due_at"] > before
    assert intake.complaints.docs[cid]["extensions"] == 1


async def test_resolving_records_the_decision_and_a_second_resolution_is_refused() -> None:
    intake = Intake()
    cid = await intake.submitted()
    await intake.service.record_action(complaint_id=cid, body=resolved(), key=Keys.admin)
    doc = intake.complaints.docs[cid]
    assert doc["status"] == "resolved" and doc["decided_at"] == NOW
    assert doc["resolution"]["root_cause"] == "营销话术不当"

    with pytest.raises(ActionRejected, match="already resolved"):
        await intake.service.record_action(complaint_id=cid, body=resolved(), key=Keys.admin)
    assert len(intake.complaints.outbox(cid)) == 2


async def test_an_action_on_a_complaint_the_key_may_not_see_is_not_found() -> None:
    intake = Intake()
    cid = await intake.submitted(key=Keys.other_writer)
    with pytest.raises(NotFound):
        await intake.service.record_action(complaint_id=cid, body=action("note", note="x"), key=Keys.writer)
    with pytest.raises(NotFound):
        await intake.service.record_action(complaint_id="TS-missing", body=action("note", note="x"), key=Keys.admin)


async def test_a_concurrent_write_is_retried_on_the_fresh_document() -> None:
    intake = Intake()
    cid = await intake.submitted()
    intake.complaints.conflicts = 2
    result = await intake.service.record_action(complaint_id=cid, body=action("contacted"), key=Keys.admin)
    assert result["status"] == "in_progress"
    assert intake.complaints.refused == 2
    assert [e["type"] for e in intake.complaints.outbox(cid)].count("complaint.action_recorded") == 1


async def test_a_complaint_that_keeps_changing_gives_up_with_a_retryable_conflict() -> None:
    intake = Intake()
    cid = await intake.submitted()
    intake.complaints.conflicts = 5
    with pytest.raises(ConcurrentUpdate):
        await intake.service.record_action(complaint_id=cid, body=action("contacted"), key=Keys.admin)
    assert len(intake.complaints.outbox(cid)) == 1


# follow-up answers


async def test_feedback_needs_a_decision_first() -> None:
    intake = Intake()
    cid = await intake.submitted()
    with pytest.raises(ActionRejected, match="feedback needs a resolved complaint"):
        await intake.service.record_feedback(complaint_id=cid, body=feedback(), key=Keys.admin)


async def test_an_answer_is_stored_sorted_by_contact_time_with_its_event() -> None:
    intake = Intake()
    cid = await intake.resolved_complaint()
    later = await intake.service.record_feedback(complaint_id=cid, body=feedback(), key=Keys.admin)
    earlier_at = intake.clock() - timedelta(hours=5)
    await intake.service.record_feedback(
        complaint_id=cid,
        body=feedback(reached=False, satisfaction=None, score=None, contacted_at=earlier_at.isoformat()),
        key=Keys.admin,
    )

    assert later["cycle"] == 1 and later["status"] == "resolved"
    answers = intake.complaints.docs[cid]["followup"]["feedback"]
    assert [a["reached"] for a in answers] == [False, True]
    assert [e["type"] for e in intake.complaints.outbox(cid)][-2:] == ["complaint.feedback_received"] * 2


async def test_a_comment_is_masked_before_it_is_stored_or_sent() -> None:
    intake = Intake()
    cid = await intake.resolved_complaint()
    await intake.service.record_feedback(complaint_id=cid, body=feedback(comment=f"{NAME}表示满意"), key=Keys.admin)
    sent = json.loads(intake.complaints.outbox(cid)[-1]["value"])["comment"]
    assert sent == "王**表示满意"
    assert intake.complaints.docs[cid]["followup"]["feedback"][-1]["comment"] == sent


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"reached": True, "satisfaction": None}, "satisfaction"), ({"reached": False, "score": 3}, "score")],
)
async def test_an_answer_must_fit_whether_the_customer_was_reached(fields: dict[str, object], field: str) -> None:
    intake = Intake()
    cid = await intake.resolved_complaint()
    body = feedback(**({"satisfaction": None, "score": None} | fields))
    with pytest.raises(InvalidInput) as refused:
        await intake.service.record_feedback(complaint_id=cid, body=body, key=Keys.read_all)
    assert [e.field for e in refused.value.errors] == [field]
