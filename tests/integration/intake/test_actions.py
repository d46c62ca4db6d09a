"""Actions and feedback are checked against the complaint's state and published through the outbox."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.intake.bodies import RESOLVED, complaint
from tests.integration.intake.conftest import RunningIntake
from tousu_shared.calendar import CHINA
from tousu_shared.deadlines import regulatory_due_at

pytestmark = pytest.mark.integration


async def _new(intake: RunningIntake, rng: random.Random, **fields: Any) -> str:
    response = await intake.client.post("/v1/complaints", json={**complaint(rng), **fields})
    assert response.status_code == 201, response.text
    return str(response.json()["complaint_id"])


async def _act(intake: RunningIntake, cid: str, **body: Any) -> Any:
    return await intake.client.post(f"/v1/complaints/{cid}/actions", json=body)


def _due(body: Any) -> datetime:
    return datetime.fromisoformat(body["due_at"])


async def test_the_201_gives_the_civil_code_deadline_at_24_00_china_time(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    created = await module_intake.client.post(
        "/v1/complaints", json={**complaint(rng), "received_at": received.isoformat()}
    )
    due = _due(created.json())
    assert due == regulatory_due_at(started_at=received)
    assert due.astimezone(CHINA).time().isoformat() == "00:00:00"  # 24:00 of the last day
    assert due - received >= timedelta(days=15), "never before the 15th day after receipt is over"
    view = (await module_intake.client.get(f"/v1/complaints/{created.json()['complaint_id']}")).json()
    assert _due(view) == datetime.fromisoformat(view["sla"]["regulatory_due_at"]) == due


async def test_extensions_move_the_due_date_to_30_then_60_days_and_no_further(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    cid = await _new(module_intake, rng, received_at=received.isoformat())
    no_reason = await _act(module_intake, cid, type="extension_requested", actor="h1")
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"] == [{"field": "reason", "reason": "required for an extension"}]
    first = await _act(module_intake, cid, type="extension_requested", actor="h1", reason="需要鉴定")
    assert first.status_code == 201
    assert _due(first.json()) == regulatory_due_at(started_at=received, extensions=1)
    assert _due(first.json()).astimezone(CHINA).time().isoformat() == "00:00:00"
    no_approver = await _act(module_intake, cid, type="extension_requested", actor="h1", reason="仍需鉴定")
    assert no_approver.status_code == 422
    assert no_approver.json()["errors"][0]["field"] == "approver"
    second = await _act(
        module_intake, cid, type="extension_requested", actor="h1", reason="仍需鉴定", approver="vp-risk"
    )
    assert _due(second.json()) == regulatory_due_at(started_at=received, extensions=2)
    third = await _act(module_intake, cid, type="extension_requested", actor="h1", reason="x", approver="ceo")
    assert third.status_code == 409
    assert third.headers["content-type"] == "application/problem+json"
    assert "60 days" in third.json()["detail"]
    view = (await module_intake.client.get(f"/v1/complaints/{cid}")).json()
    assert view["sla"]["extensions"] == 2 and view["status"] == "in_progress"
    assert _due(view) == _due(second.json())


async def test_a_pause_excludes_its_time_from_the_deadline_in_the_answer_and_the_view(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=4)
    cid = await _new(module_intake, rng, received_at=received.isoformat())
    start, end = received + timedelta(days=1, hours=1), received + timedelta(days=2, hours=3)  # 26 hours
    paused = await _act(
        module_intake, cid, type="clock_paused", actor="h1", reason="appraisal", occurred_at=start.isoformat()
    )
    assert paused.status_code == 201, paused.text
    assert _due(paused.json()) == regulatory_due_at(started_at=received)
    assert (await module_intake.client.get(f"/v1/complaints/{cid}")).json()["sla"]["paused"] is True
    resumed = await _act(module_intake, cid, type="clock_resumed", actor="h1", occurred_at=end.isoformat())
    assert resumed.status_code == 201, resumed.text
    expected = regulatory_due_at(started_at=received, paused=timedelta(hours=26))
    assert _due(resumed.json()) == expected
    view = (await module_intake.client.get(f"/v1/complaints/{cid}")).json()
    assert (_due(view), view["sla"]["paused"]) == (expected, False)
    extended = await _act(module_intake, cid, type="extension_requested", actor="h1", reason="鉴定后复杂")
    assert _due(extended.json()) == regulatory_due_at(started_at=received, extensions=1, paused=timedelta(hours=26))


async def test_resolved_needs_decision_remedy_root_cause_and_remediation(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    cid = await _new(module_intake, rng)
    response = await _act(module_intake, cid, type="resolved", actor="h1", decision="退还年费")
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"remedy", "root_cause", "remediation"}
    assert (await _act(module_intake, cid, **RESOLVED)).json()["status"] == "resolved"
    again = await _act(module_intake, cid, **RESOLVED)
    assert again.status_code == 409 and "already resolved" in again.json()["detail"]


async def test_a_withdrawn_complaint_takes_only_notes(module_intake: RunningIntake, rng: random.Random) -> None:
    cid = await _new(module_intake, rng)
    assert (await _act(module_intake, cid, type="withdrawn", actor="h1")).json()["status"] == "withdrawn"
    refused = await _act(module_intake, cid, **RESOLVED)
    assert refused.status_code == 409
    assert "withdrawn" in refused.json()["detail"]
    assert (await _act(module_intake, cid, type="note", actor="h1", note="客户来电确认撤诉")).status_code == 201
    feedback = await module_intake.client.post(f"/v1/complaints/{cid}/feedback", json={"satisfaction": "satisfied"})
    assert feedback.status_code == 409


async def test_a_review_is_only_possible_within_30_days_of_the_decision(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    received = datetime.now(UTC) - timedelta(days=50)
    cid = await _new(module_intake, rng, received_at=received.isoformat())
    early = await _act(module_intake, cid, type="review_requested", actor="h1")
    assert early.status_code == 409 and "no decision yet" in early.json()["detail"]
    decided = (received + timedelta(days=10)).isoformat()
    assert (await _act(module_intake, cid, **RESOLVED, occurred_at=decided)).status_code == 201
    late = await _act(module_intake, cid, type="review_requested", actor="h1")
    assert late.status_code == 409 and "30 days" in late.json()["detail"]
    in_time = (received + timedelta(days=39)).isoformat()
    assert (await _act(module_intake, cid, type="review_requested", actor="h1", occurred_at=in_time)).status_code == 201


async def test_action_times_must_be_plausible(module_intake: RunningIntake, rng: random.Random) -> None:
    received = datetime.now(UTC) - timedelta(days=1)
    cid = await _new(module_intake, rng, received_at=received.isoformat())
    before = await _act(
        module_intake, cid, type="note", actor="h1", occurred_at=(received - timedelta(hours=1)).isoformat()
    )
    future = await _act(
        module_intake, cid, type="note", actor="h1", occurred_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()
    )
    unknown = await _act(module_intake, cid, type="escalated", actor="h1")
    assert [r.status_code for r in (before, future, unknown)] == [422, 422, 422]
    assert [r.json()["errors"][0]["field"] for r in (before, future, unknown)] == ["occurred_at", "occurred_at", "type"]


async def test_feedback_answers_a_resolved_complaint(module_intake: RunningIntake, rng: random.Random) -> None:
    cid = await _new(module_intake, rng)
    url = f"/v1/complaints/{cid}/feedback"
    assert (await module_intake.client.post(url, json={"satisfaction": "satisfied"})).status_code == 409
    await _act(module_intake, cid, **RESOLVED)
    missing = await module_intake.client.post(url, json={"score": 4})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "satisfaction"
    bad_score = await module_intake.client.post(url, json={"satisfaction": "satisfied", "score": 6})
    assert bad_score.status_code == 422 and bad_score.json()["errors"][0]["field"] == "score"
    attempt = await module_intake.client.post(url, json={"reached": False, "comment": "无人接听"})
    assert attempt.status_code == 201
    answer = await module_intake.client.post(url, json={"satisfaction": "basically_satisfied", "score": 4})
    assert answer.status_code == 201 and answer.json()["cycle"] == 1
    view = (await module_intake.client.get(f"/v1/complaints/{cid}")).json()
    assert [f["reached"] for f in view["followup"]["feedback"]] == [False, True]
    assert view["followup"]["resolution"]["root_cause"] == RESOLVED["root_cause"]


async def test_an_unknown_complaint_cannot_be_acted_on(module_intake: RunningIntake) -> None:
    response = await _act(module_intake, "TS-20260101-UNKNOWN", type="note", actor="h1")
    assert response.status_code == 404
