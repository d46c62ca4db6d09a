"""Intake's due_at and escalation's regulatory clock agree after every pause, resume and extension."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.unit.escalation.escalation_builders import action
from tousu_escalation.domain.case import Case, apply_action
from tousu_escalation.domain.clock_policy import load_clock_policy
from tousu_escalation.domain.clocks import start_clock
from tousu_intake.domain.actions import ActionOutcome, ActionRequest, CaseState, decide
from tousu_shared.deadlines import regulatory_due_at

pytestmark = pytest.mark.unit
CST = timezone(timedelta(hours=8))
POLICY = load_clock_policy()

# (type, China time, reason, approver): a pause across midnight, a pause inside National Day, two extensions
STEPS = [
    ("clock_paused", datetime(2026, 9, 20, 23, 0, tzinfo=CST), "appraisal", None),
    ("clock_resumed", datetime(2026, 9, 21, 1, 30, tzinfo=CST), None, None),
    ("extension_requested", datetime(2026, 9, 29, 9, 0, tzinfo=CST), "复杂", None),
    ("clock_paused", datetime(2026, 10, 2, 10, 0, tzinfo=CST), "mediation", None),
    ("clock_resumed", datetime(2026, 10, 5, 16, 0, tzinfo=CST), None, None),
    ("extension_requested", datetime(2026, 10, 20, 9, 0, tzinfo=CST), "特别复杂", "vp-1"),
]


def _intake_state(outcome: ActionOutcome, *, received: datetime) -> CaseState:
    return CaseState(
        status="in_progress",
        received_at=received,
        due_at=outcome.due_at,
        extensions=outcome.extensions,
        paused=outcome.paused,
        paused_at=outcome.paused_at,
        paused_seconds=outcome.paused_seconds,
    )


@pytest.mark.parametrize(
    ("received", "final"),
    [
        # 60 days: last day Sun 15 Nov, 24:00 → 16 Nov 00:00, + 3 d 8.5 h paused → 19 Nov 08:30 → 24:00 of Thu 19 Nov
        (datetime(2026, 9, 16, 23, 59, tzinfo=CST), datetime(2026, 11, 20, tzinfo=CST)),
        # two minutes later in China time: every count starts a day later
        (datetime(2026, 9, 17, 0, 1, tzinfo=CST), datetime(2026, 11, 21, tzinfo=CST)),
    ],
    ids=["23:59", "00:01"],
)
def test_intake_and_escalation_give_the_same_deadline_at_every_step(received: datetime, final: datetime) -> None:
    clock = start_clock(kind="regulatory", started_at=received, policy=POLICY)
    case = Case(complaint_id="C-1", customer_key="k", clocks=[clock])
    due = regulatory_due_at(started_at=received)
    state = CaseState(status="routed", received_at=received, due_at=due)
    assert case.clocks[0].due_at == due
    seen = [due]
    for kind, at, reason, approver in STEPS:
        outcome = decide(state=state, action=ActionRequest(type=kind, occurred_at=at, reason=reason, approver=approver))
        event = action("C-1", "k", kind, at=at, reason=reason, approver=approver, due_at=outcome.due_at)
        case = apply_action(case, action=event, policy=POLICY)
        assert case.clocks[0].due_at == outcome.due_at, f"after {kind} at {at.isoformat()}"
        state = _intake_state(outcome, received=received)
        seen.append(outcome.due_at)
    assert all(d.astimezone(CST).time().isoformat() == "00:00:00" for d in seen), "every deadline is a 24:00"
    assert seen == sorted(seen), "pauses and extensions only ever move the deadline later"
    assert seen[0] == datetime(2026, 10, 9, tzinfo=CST), "a last day in National Day moves to Thu 8 Oct"
    assert seen[-1] == final
