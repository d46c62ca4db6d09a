"""Whether a change of a case set or moved its regulatory deadline, and the fact that tells it (pure)."""

from __future__ import annotations

from datetime import datetime

from tousu_escalation.domain.case import Case
from tousu_escalation.domain.clock_policy import ClockPolicy
from tousu_shared.events.deadline import ComplaintDeadlineSet, DeadlineChange


def deadline_change(*, before: Case | None, after: Case) -> DeadlineChange | None:
    """What happened to the regulatory clock between two states of a case; None when its deadline did not move.

    A stopped clock (decided, withdrawn) or none at all (a merged complaint) sets nothing; warnings and
    breaches leave the deadline alone.
    """
    new = after.clock("regulatory")
    if new is None or new.status == "stopped":
        return None
    old = before.clock("regulatory") if before is not None and before.cycle == after.cycle else None
    if old is None:
        return "reopened" if before is not None and before.routing is not None else "started"
    if new.started_at != old.started_at:
        return "restarted"
    if new.extensions > old.extensions:
        return "extended"
    if new.status != old.status:
        return "paused" if new.status == "paused" else "resumed"
    return None


def deadline_set(
    *, before: Case | None, after: Case, policy: ClockPolicy, now: datetime, restarted_by: str | None = None
) -> ComplaintDeadlineSet | None:
    """`complaint.deadline_set` when the change from `before` to `after` set or moved the deadline, else None."""
    change = deadline_change(before=before, after=after)
    clock = after.clock("regulatory")
    if change is None or clock is None:
        return None
    return ComplaintDeadlineSet(
        complaint_id=after.complaint_id,
        customer_key=after.customer_key,
        cycle=after.cycle,
        change=change,
        due_at=clock.due_at,
        started_at=clock.started_at,
        days=policy.length(clock.kind, extensions=clock.extensions),
        extensions=clock.extensions,
        paused=clock.status == "paused",
        paused_at=clock.paused_at,
        paused_seconds=clock.paused_seconds,
        counting=clock.counting,
        basis=clock.basis,
        restarted_by=restarted_by if change == "restarted" else None,
        policy_version=policy.version,
        set_at=now,
    )
