"""The action state machine: deadlines, extensions, pauses, resolution, withdrawal and review edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tousu_intake.domain.actions import ActionRequest, CaseState, check_feedback, decide
from tousu_intake.domain.deadlines import in_future
from tousu_intake.domain.errors import ActionRejected, InvalidInput
from tousu_shared.deadlines import regulatory_due_at

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 1, 9, tzinfo=UTC)  # Sun 1 Nov, 17:00 China time
CST = timezone(timedelta(hours=8))
DUE = datetime(2026, 11, 17, tzinfo=CST)  # days 2 .. 16 Nov (Mon), to 24:00
DUE_30 = datetime(2026, 12, 2, tzinfo=CST)  # last day Tue 1 Dec
DUE_60 = datetime(2027, 1, 1, tzinfo=CST)  # last day Thu 31 Dec 2026, to 24:00


def _state(**overrides: object) -> CaseState:
    values: dict[str, object] = {"status": "routed", "received_at": T0, "due_at": DUE, **overrides}
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


def test_the_decision_is_due_at_24_00_of_the_15th_day_after_receipt() -> None:
    assert regulatory_due_at(started_at=T0) == DUE


def test_clock_skew_up_to_five_minutes_is_not_the_future() -> None:
    assert not in_future(T0 + timedelta(minutes=5), now=T0)
    assert in_future(T0 + timedelta(minutes=5, seconds=1), now=T0)


def test_the_first_extension_moves_the_deadline_to_30_days_and_needs_a_reason() -> None:
    with pytest.raises(InvalidInput) as missing:
        decide(state=_state(), action=_act("extension_requested"))
    assert [e.field for e in missing.value.errors] == ["reason"]
    outcome = decide(state=_state(), action=_act("extension_requested", reason="鉴定"))
    assert (outcome.due_at, outcome.extensions) == (DUE_30, 1)


def test_the_second_extension_moves_it_to_60_days_and_needs_an_approver() -> None:
    state = _state(extensions=1, due_at=DUE_30)
    with pytest.raises(InvalidInput) as missing:
        decide(state=state, action=_act("extension_requested", reason="r"))
    assert [e.field for e in missing.value.errors] == ["approver"]
    outcome = decide(state=state, action=_act("extension_requested", reason="r", approver="vp"))
    assert (outcome.due_at, outcome.extensions) == (DUE_60, 2)


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


def test_a_resume_excludes_the_paused_time_and_counts_the_period_again() -> None:
    paused = decide(state=_state(), action=_act("clock_paused", days=2, reason="appraisal"))
    assert (paused.paused, paused.paused_at, paused.due_at) == (True, T0 + timedelta(days=2), DUE)
    state = _state(paused=True, paused_at=paused.paused_at)
    resumed = decide(state=state, action=_act("clock_resumed", days=2 + 1 / 12))  # two hours of appraisal
    assert (resumed.paused, resumed.paused_at, resumed.paused_seconds) == (False, None, 7200.0)
    assert resumed.due_at == datetime(2026, 11, 18, tzinfo=CST), "two hours more: one more day, to 24:00"
    assert resumed.due_at == regulatory_due_at(started_at=T0, paused=timedelta(hours=2))


def test_an_extension_after_a_pause_keeps_the_paused_time() -> None:
    state = _state(paused_seconds=86_400.0, due_at=datetime(2026, 11, 18, tzinfo=CST))
    outcome = decide(state=state, action=_act("extension_requested", days=5, reason="鉴定"))
    assert outcome.due_at == datetime(2026, 12, 3, tzinfo=CST)  # 30 days + 1 paused day: last day Wed 2 Dec
    assert outcome.paused_seconds == 86_400.0


def test_a_new_cycle_counts_from_its_own_clock_start() -> None:
    reopened = datetime(2026, 12, 4, 10, tzinfo=CST)  # Fri: days 5 .. 19 Dec (Sat) → Mon 21 Dec
    state = _state(status="reopened", cycle=2, clock_started_at=reopened)
    outcome = decide(state=state, action=_act("extension_requested", days=35, reason="r"))
    assert outcome.due_at == regulatory_due_at(started_at=reopened, extensions=1)
    assert regulatory_due_at(started_at=reopened) == datetime(2026, 12, 22, tzinfo=CST)
