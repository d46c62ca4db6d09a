"""The action state machine: deadlines, extensions, resolution, withdrawal and review edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tousu_intake.domain.actions import ActionRequest, CaseState, check_feedback, decide
from tousu_intake.domain.deadlines import due_at, in_future
from tousu_intake.domain.errors import ActionRejected, InvalidInput

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)


def _state(**overrides: object) -> CaseState:
    values: dict[str, object] = {"status": "routed", "received_at": T0, "due_at": due_at(T0), **overrides}
    return CaseState(**values)  # type: ignore[arg-type]


def _resolved(*, days: float = 1) -> ActionRequest:
    return ActionRequest(
        type="resolved",
        occurred_at=T0 + timedelta(days=days),
        decision="d",
        remedy="r",
        root_cause="c",
        remediation="m",
    )


def _act(kind: str, *, days: float = 1, **fields: str | None) -> ActionRequest:
    return ActionRequest(type=kind, occurred_at=T0 + timedelta(days=days), **fields)


def test_the_decision_is_due_15_calendar_days_after_receipt() -> None:
    assert due_at(T0) == datetime(2026, 11, 16, 9, tzinfo=UTC)


def test_clock_skew_up_to_five_minutes_is_not_the_future() -> None:
    assert not in_future(T0 + timedelta(minutes=5), now=T0)
    assert in_future(T0 + timedelta(minutes=5, seconds=1), now=T0)


def test_the_first_extension_moves_the_deadline_to_30_days_and_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as missing:
        decide(state=_state(), action=_act("extension_requested"))
    assert [e.field for e in missing.value.errors] == ["reason"]
    outcome = decide(state=_state(), action=_act("extension_requested", reason="鉴定"))
    assert (outcome.due_at, outcome.extensions) == (T0 + timedelta(days=30), 1)


def test_the_second_extension_moves_it_to_60_days_and_needs_an_approver() -> None:
    state = _state(extensions=1, due_at=T0 + timedelta(days=30))
    with pytest.raises(InvalidInput) as missing:
        decide(state=state, action=_act("extension_requested", reason="r"))
    assert [e.field for e in missing.value.errors] == ["approver"]
    outcome = decide(state=state, action=_act("extension_requested", reason="r", approver="vp"))
    assert (outcome.due_at, outcome.extensions) == (T0 + timedelta(days=60), 2)


def test_a_third_extension_is_refused() -> None:
    with pytest.raises(ActionRejected, match="60 days"):
        decide(state=_state(extensions=2), action=_act("extension_requested", reason="r", approver="vp"))


def test_resolved_needs_all_four_resolution_fields_and_records_the_decision_time() -> None:
    with pytest.raises(InvalidInput) as missing:
        decide(state=_state(), action=_act("resolved", decision="d", remedy=" "))
    assert {e.field for e in missing.value.errors} == {"remedy", "root_cause", "remediation"}
    outcome = decide(state=_state(), action=_resolved(days=3))
    assert outcome.decided_at == T0 + timedelta(days=3)


@pytest.mark.parametrize("status", ["resolved", "followup_pending"])
def test_no_second_resolution_or_extension_in_the_same_cycle(status: str) -> None:
    with pytest.raises(ActionRejected, match="already"):
        decide(state=_state(status=status), action=_resolved())
    with pytest.raises(ActionRejected, match="already"):
        decide(state=_state(status=status), action=_act("extension_requested", reason="r"))


def test_a_reopened_complaint_can_be_resolved_again() -> None:
    assert decide(state=_state(status="reopened", cycle=2), action=_resolved()).cycle == 2


@pytest.mark.parametrize("kind", ["acknowledged", "contacted", "resolution_proposed", "withdrawn", "review_requested"])
def test_a_withdrawn_complaint_takes_only_notes(kind: str) -> None:
    with pytest.raises(ActionRejected, match="withdrawn"):
        decide(state=_state(status="withdrawn"), action=_act(kind))
    decide(state=_state(status="withdrawn"), action=_act("note"))


def test_a_closed_complaint_takes_notes_and_a_timely_review_only() -> None:
    closed = _state(status="closed", decided_at=T0 + timedelta(days=5))
    with pytest.raises(ActionRejected, match="closed"):
        decide(state=closed, action=_act("contacted"))
    decide(state=closed, action=_act("review_requested", days=35))


def test_a_review_must_come_within_30_days_of_the_decision() -> None:
    decided = _state(status="resolved", decided_at=T0 + timedelta(days=5))
    decide(state=decided, action=_act("review_requested", days=35))
    with pytest.raises(ActionRejected, match="30 days"):
        decide(state=decided, action=_act("review_requested", days=35.01))
    with pytest.raises(ActionRejected, match="no decision"):
        decide(state=_state(), action=_act("review_requested"))


def test_an_action_cannot_predate_the_complaint() -> None:
    with pytest.raises(InvalidInput) as early:
        decide(state=_state(), action=_act("note", days=-1))
    assert early.value.errors[0].field == "occurred_at"


def test_feedback_needs_a_resolved_complaint() -> None:
    check_feedback(state=_state(status="resolved"))
    check_feedback(state=_state(status="followup_pending"))
    for status in ("routed", "withdrawn", "closed"):
        with pytest.raises(ActionRejected):
            check_feedback(state=_state(status=status))


def test_a_pause_needs_an_appraisal_or_mediation_reason() -> None:
    with pytest.raises(InvalidInput) as info:
        decide(state=_state(), action=_act("clock_paused", reason="busy"))
    assert info.value.errors[0].field == "reason"
    assert decide(state=_state(), action=_act("clock_paused", reason="mediation")).paused


def test_the_clock_pauses_once_and_resumes_only_when_paused() -> None:
    with pytest.raises(ActionRejected, match="already paused"):
        decide(state=_state(paused=True), action=_act("clock_paused", reason="appraisal"))
    with pytest.raises(ActionRejected, match="not paused"):
        decide(state=_state(), action=_act("clock_resumed"))
    assert not decide(state=_state(paused=True), action=_act("clock_resumed")).paused


def test_a_decided_complaint_cannot_pause_its_stopped_clock() -> None:
    with pytest.raises(ActionRejected, match="stopped"):
        decide(state=_state(status="resolved"), action=_act("clock_paused", reason="appraisal"))
