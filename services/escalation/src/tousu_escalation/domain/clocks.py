"""SLA clocks as data (domain §6): start, stop, pause, extend, restart, warn and breach; pure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tousu_escalation.domain.clock_policy import ClockKind, ClockPolicy
from tousu_shared.calendar import after_working_seconds, working_seconds
from tousu_shared.deadlines import Basis, Counting, period_end

Status = Literal["running", "paused", "stopped"]


class ClockRefused(ValueError):
    """The change is not allowed by the clock policy (e.g. a third extension)."""


class Clock(BaseModel):
    """One running (or paused, or stopped) deadline of a complaint's current cycle."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClockKind
    basis: Basis
    counting: Counting = Field(default="elapsed", description="How its days count (clocks stored before: elapsed).")
    started_at: datetime
    due_at: datetime
    status: Status = "running"
    paused_at: datetime | None = None
    pause_state: str | None = None
    paused_seconds: float = 0.0
    extensions: int = 0
    warned: list[float] = Field(default_factory=list, description="Warning thresholds already raised.")
    breaches: int = Field(default=0, description="Escalation level reached while breached.")
    stopped_at: datetime | None = None
    stop_reason: str | None = None


class Warned(BaseModel):
    """A warning threshold was passed."""

    model_config = ConfigDict(frozen=True)

    kind: ClockKind
    threshold: float
    due_at: datetime


class Breached(BaseModel):
    """The deadline passed (again, at a higher level)."""

    model_config = ConfigDict(frozen=True)

    kind: ClockKind
    level: int
    due_at: datetime
    overdue_seconds: int


Alert = Warned | Breached


def start_clock(
    *,
    kind: ClockKind,
    started_at: datetime,
    policy: ClockPolicy,
    due_at: datetime | None = None,
    basis: Basis | None = None,
) -> Clock:
    """A new running clock; `due_at`/`basis` come from the route for `from_route` clocks."""
    clock = Clock(
        kind=kind,
        basis=basis or policy.clocks[kind].basis,
        counting=policy.counting(kind),
        started_at=started_at,
        due_at=due_at or started_at,
    )
    due = due_at or _due(clock, policy=policy)
    if due is None:
        raise ValueError(f"a {kind} clock takes its due time from the route: pass due_at")
    return clock.model_copy(update={"due_at": due})


def _due(clock: Clock, *, policy: ClockPolicy, extensions: int | None = None) -> datetime | None:
    """The due time from the start, the length after `extensions`, the paused time and the counting rule.

    None for a clock whose due time the route gives (it has no length in days).
    """
    days = policy.length(clock.kind, extensions=clock.extensions if extensions is None else extensions)
    if days is None:
        return None
    paused = timedelta(seconds=clock.paused_seconds)
    return period_end(
        start=clock.started_at, days=days, counting=clock.counting, basis=clock.basis, paused=paused, tz=policy.tz
    )


def stop(clock: Clock, *, at: datetime, reason: str) -> Clock:
    """Stop the clock for good (contact made, resolved, withdrawn)."""
    if clock.status == "stopped":
        return clock
    return clock.model_copy(update={"status": "stopped", "stopped_at": at, "stop_reason": reason, "paused_at": None})


def stops(*, action: str, kind: ClockKind, policy: ClockPolicy) -> bool:
    """True when an action of this type stops a clock of this kind."""
    return action in policy.clocks[kind].stopped_by


def pause(clock: Clock, *, at: datetime, state: str, policy: ClockPolicy) -> Clock:
    """Pause for appraisal/mediation (time excluded from the clock, domain §6)."""
    if state not in policy.clocks[clock.kind].pause_states:
        raise ClockRefused(f"{clock.kind} clock does not pause for {state!r}")
    if clock.status != "running":
        raise ClockRefused(f"{clock.kind} clock is {clock.status}, cannot pause")
    return clock.model_copy(update={"status": "paused", "paused_at": at, "pause_state": state})


def resume(clock: Clock, *, at: datetime, policy: ClockPolicy) -> Clock:
    """Resume a paused clock: the paused time is excluded, then the due time is counted again by its rule."""
    if clock.status != "paused" or clock.paused_at is None:
        raise ClockRefused(f"{clock.kind} clock is {clock.status}, cannot resume")
    paused = max(at - clock.paused_at, timedelta(0))
    running = clock.model_copy(
        update={
            "status": "running",
            "paused_at": None,
            "pause_state": None,
            "paused_seconds": clock.paused_seconds + paused.total_seconds(),
        }
    )
    due = _due(running, policy=policy) or clock.due_at + paused  # a route target just moves by the pause
    return running.model_copy(update={"due_at": due})


def extend(clock: Clock, *, policy: ClockPolicy, reason: str | None, approver: str | None) -> Clock:
    """Apply the next allowed extension (its total from the start, paused time excluded, the clock's rule).

    A third extension, or a missing reason/approver, is refused.
    """
    steps = policy.clocks[clock.kind].extensions
    if clock.extensions >= len(steps):
        raise ClockRefused(f"{clock.kind} clock: extension {clock.extensions + 1} refused, at most {len(steps)}")
    step = steps[clock.extensions]
    given = {"reason": reason, "approver": approver}
    missing = [r for r in step.requires if not (given[r] or "").strip()]
    if missing:
        raise ClockRefused(f"extension {clock.extensions + 1} needs {', '.join(missing)}")
    due = _due(clock, policy=policy, extensions=clock.extensions + 1) or clock.due_at
    return clock.model_copy(
        update={"due_at": max(due, clock.due_at), "extensions": clock.extensions + 1, "warned": [], "breaches": 0}
    )


def restart(clock: Clock, *, at: datetime, policy: ClockPolicy) -> Clock:
    """New facts on the same matter: the clock starts again from their receipt (base length)."""
    rule = policy.clocks[clock.kind]
    if not rule.restart_on_new_facts or rule.days is None:
        return clock
    return start_clock(kind=clock.kind, started_at=at, policy=policy)


def has_new_facts(*, open_signature: list[str], new_signature: list[str]) -> bool:
    """A repeat that shares no text-signature band with the open complaint brings new facts."""
    return not set(open_signature) & set(new_signature)


def merge(clock: Clock, *, received_at: datetime, new_facts: bool, policy: ClockPolicy) -> Clock:
    """A repeated same-matter complaint while open is merged; with new facts the clock restarts."""
    if clock.status == "stopped" or not new_facts:
        return clock
    return restart(clock, at=received_at, policy=policy)


def threshold_at(clock: Clock, fraction: float, *, policy: ClockPolicy) -> datetime:
    """When `fraction` of the clock's (working or calendar) time will have elapsed."""
    if clock.basis == "working":
        total = working_seconds(clock.started_at, clock.due_at, tz=policy.tz)
        return after_working_seconds(clock.started_at, fraction * total, tz=policy.tz)
    start = clock.started_at + timedelta(seconds=clock.paused_seconds)
    return start + (clock.due_at - start) * fraction


def next_due_at(clock: Clock, *, policy: ClockPolicy) -> datetime | None:
    """When this clock next needs attention (a warning, the breach, a repeat); None if not running."""
    if clock.status != "running":
        return None
    pending = [w for w in policy.warnings if w not in clock.warned]
    if pending and clock.breaches == 0:
        return threshold_at(clock, pending[0], policy=policy)
    return clock.due_at + policy.breach.interval * clock.breaches


def advance(clock: Clock, *, now: datetime, policy: ClockPolicy) -> tuple[Clock, list[Alert]]:
    """Raise what is due at `now`: passed warnings in order, or a breach at the level the overdue time reached.

    Once breached, unraised warnings are superseded (a late scan never sends stale warnings).
    """
    if clock.status != "running":
        return clock, []
    if now >= clock.due_at:
        return _breach(clock, now=now, policy=policy)
    passed = [w for w in policy.warnings if w not in clock.warned and threshold_at(clock, w, policy=policy) <= now]
    alerts: list[Alert] = [Warned(kind=clock.kind, threshold=w, due_at=clock.due_at) for w in passed]
    return clock.model_copy(update={"warned": sorted([*clock.warned, *passed])}), alerts


def _breach(clock: Clock, *, now: datetime, policy: ClockPolicy) -> tuple[Clock, list[Alert]]:
    overdue = now - clock.due_at
    level = int(overdue / policy.breach.interval) + 1
    if level <= clock.breaches:
        return clock, []
    alert = Breached(kind=clock.kind, level=level, due_at=clock.due_at, overdue_seconds=int(overdue.total_seconds()))
    return clock.model_copy(update={"breaches": level, "warned": list(policy.warnings)}), [alert]


def earliest(*, clocks: list[Clock], policy: ClockPolicy) -> datetime | None:
    """The case's `next_due_at`: the soonest attention any clock needs."""
    dues = [d for c in clocks if (d := next_due_at(c, policy=policy)) is not None]
    return min(dues, default=None)


def overdue(*, clocks: list[Clock]) -> bool:
    """True while any running clock is breached."""
    return any(c.status == "running" and c.breaches > 0 for c in clocks)
