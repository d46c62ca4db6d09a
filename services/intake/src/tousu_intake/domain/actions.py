"""The handler-action state machine: which action a complaint's state allows, and its effect."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from tousu_intake.domain.deadlines import review_open
from tousu_intake.domain.errors import ActionRejected, FieldError, InvalidInput
from tousu_shared.deadlines import REGULATORY, regulatory_due_at
from tousu_shared.events.intake import PAUSE_REASONS

DECIDED = frozenset({"resolved", "followup_pending"})
RESOLUTION_FIELDS = ("decision", "remedy", "root_cause", "remediation")
PAUSING = {"clock_paused": True, "clock_resumed": False}  # appraisal/mediation time is excluded (domain §6)
ALLOWED_WHEN = {"withdrawn": frozenset({"note"}), "closed": frozenset({"note", "review_requested"})}


@dataclass(frozen=True)
class CaseState:
    """What the rules need to know about a complaint (its regulatory clock as escalation keeps it)."""

    status: str
    received_at: datetime
    due_at: datetime
    extensions: int = 0
    decided_at: datetime | None = None
    cycle: int = 1
    paused: bool = False
    paused_at: datetime | None = None
    paused_seconds: float = 0.0
    clock_started_at: datetime | None = None  # the cycle's clock start; None: `received_at`

    @property
    def started_at(self) -> datetime:
        """When this cycle's regulatory clock started."""
        return self.clock_started_at or self.received_at


@dataclass(frozen=True)
class ActionRequest:
    """A handler's action as the rules see it."""

    type: str
    occurred_at: datetime
    reason: str | None = None
    approver: str | None = None
    decision: str | None = None
    remedy: str | None = None
    root_cause: str | None = None
    remediation: str | None = None


@dataclass(frozen=True)
class ActionOutcome:
    """The complaint's clock and decision after the action."""

    due_at: datetime
    extensions: int
    decided_at: datetime | None
    cycle: int
    paused: bool = False
    paused_at: datetime | None = None
    paused_seconds: float = 0.0


def decide(*, state: CaseState, action: ActionRequest) -> ActionOutcome:
    """Validate an action against the state; raise InvalidInput (422) or ActionRejected (409)."""
    _require_fields(state=state, action=action)
    _check_state(state=state, action=action)
    outcome = ActionOutcome(
        due_at=state.due_at,
        extensions=state.extensions,
        decided_at=action.occurred_at if action.type == "resolved" else state.decided_at,
        cycle=state.cycle,
        paused=state.paused,
        paused_at=state.paused_at,
        paused_seconds=state.paused_seconds,
    )
    if action.type == "extension_requested":
        return _extend(state=state, outcome=outcome)
    if action.type in PAUSING:
        return _pause_or_resume(state=state, outcome=outcome, pausing=PAUSING[action.type], at=action.occurred_at)
    return outcome


def _due(state: CaseState, *, extensions: int, paused_seconds: float) -> datetime:
    """The deadline escalation's regulatory clock computes from the same facts (tousu_shared.deadlines)."""
    return regulatory_due_at(
        started_at=state.started_at, extensions=extensions, paused=timedelta(seconds=paused_seconds)
    )


def _missing(action: ActionRequest, names: tuple[str, ...], why: str) -> list[FieldError]:
    return [FieldError(n, why) for n in names if not (getattr(action, n) or "").strip()]


def _require_fields(*, state: CaseState, action: ActionRequest) -> None:
    errors: list[FieldError] = []
    if action.occurred_at < state.received_at:
        errors.append(FieldError("occurred_at", "is before the complaint was received"))
    if action.type == "resolved":
        errors += _missing(action, RESOLUTION_FIELDS, "required for a resolved action")
    if action.type == "clock_paused" and (action.reason or "").strip() not in PAUSE_REASONS:
        errors.append(FieldError("reason", f"required for a pause: one of {', '.join(PAUSE_REASONS)}"))
    if action.type == "extension_requested":
        errors += _missing(action, ("reason",), "required for an extension")
        if state.extensions == 1:
            errors += _missing(action, ("approver",), "required for the second extension (senior approval)")
    if errors:
        raise InvalidInput(errors)


def _check_state(*, state: CaseState, action: ActionRequest) -> None:
    allowed = ALLOWED_WHEN.get(state.status)
    if allowed is not None and action.type not in allowed:
        raise ActionRejected(f"complaint is {state.status}: only {', '.join(sorted(allowed))} allowed")
    if action.type in PAUSING:
        _check_pause(state=state, pausing=PAUSING[action.type])
    if action.type in ("resolved", "extension_requested") and state.status in DECIDED:
        raise ActionRejected(f"complaint is already {state.status} in cycle {state.cycle}")
    if action.type == "review_requested" and not review_open(decided_at=state.decided_at, at=action.occurred_at):
        reason = "no decision yet" if state.decided_at is None else "more than 30 days after the decision"
        raise ActionRejected(f"a review (核查) can only be requested within 30 days of the decision: {reason}")


def _check_pause(*, state: CaseState, pausing: bool) -> None:
    if state.status in DECIDED:
        raise ActionRejected(f"complaint is already {state.status}: its decision clock has stopped")
    if pausing and state.paused:
        raise ActionRejected("the decision clock is already paused")
    if not pausing and not state.paused:
        raise ActionRejected("the decision clock is not paused")


def _extend(*, state: CaseState, outcome: ActionOutcome) -> ActionOutcome:
    """The next extension, counted from the clock's start with the time already paused (Civil Code rule)."""
    if REGULATORY.length(extensions=state.extensions + 1) is None:
        limit = REGULATORY.extensions[-1]
        raise ActionRejected(f"the decision deadline is already extended to the legal maximum of {limit} days")
    extensions = state.extensions + 1
    due = _due(state, extensions=extensions, paused_seconds=state.paused_seconds)
    return replace(outcome, due_at=due, extensions=extensions)


def _pause_or_resume(*, state: CaseState, outcome: ActionOutcome, pausing: bool, at: datetime) -> ActionOutcome:
    """A pause keeps the deadline until the resume, which excludes the paused time and counts again."""
    if pausing:
        return replace(outcome, paused=True, paused_at=at)
    since = state.paused_at or at  # paused before pauses were timed: nothing known to exclude
    total = state.paused_seconds + max((at - since).total_seconds(), 0.0)
    due = _due(state, extensions=state.extensions, paused_seconds=total)
    return replace(outcome, due_at=due, paused=False, paused_at=None, paused_seconds=total)


def check_feedback(*, state: CaseState) -> None:
    """Follow-up feedback answers a decision: only a resolved, not yet closed complaint takes it."""
    if state.status not in DECIDED:
        raise ActionRejected(f"complaint is {state.status}: feedback needs a resolved complaint")
