"""Closure rules: close with root cause and remediation, or refuse and wait; unreachable; review window."""

from __future__ import annotations

from datetime import datetime

from tousu_followup.domain.model import (
    Attempt,
    Blocked,
    Case,
    Closed,
    CloseOutcome,
    Closure,
    ClosureRefused,
    Decision,
    Fact,
)
from tousu_followup.domain.rules import FollowupRules
from tousu_shared.calendar import local_date

UNTRACED = "root cause and remediation (溯源整改) were not recorded at resolution"


def close(
    case: Case, *, outcome: CloseOutcome, now: datetime, written_notice: bool = False, facts: tuple[Fact, ...] = ()
) -> Decision:
    """Close the case; any closure but a withdrawal needs the root cause and remediation, else it waits."""
    traced = case.resolution is not None and case.resolution.traced
    if outcome != "withdrawn" and not traced:
        blocked = Blocked(outcome=outcome, written_notice=written_notice, reason=UNTRACED, since=now)
        refused = ClosureRefused(cycle=case.cycle, outcome=outcome, reason=UNTRACED, at=now)
        waiting = case.model_copy(update={"status": "closure_blocked", "blocked": blocked})
        return Decision(case=waiting, facts=[*facts, refused])
    r = case.resolution
    closed = Closed(
        cycle=case.cycle,
        outcome=outcome,
        root_cause=r.root_cause if r else None,
        remediation=r.remediation if r else None,
        written_notice=written_notice,
        at=now,
    )
    closure = Closure(cycle=case.cycle, outcome=outcome, written_notice=written_notice, at=now)
    done = case.model_copy(update={"status": "closed", "blocked": None, "closure": closure})
    return Decision(case=done, facts=[*facts, closed])


def unreachable(attempts: list[Attempt], *, rules: FollowupRules) -> bool:
    """Enough failed attempts, spread over enough distinct days (China local dates)."""
    failed = [a for a in attempts if not a.reached]
    days = {local_date(a.at) for a in failed}
    return len(failed) >= rules.unreachable_attempts and len(days) >= rules.unreachable_min_days


def review_open(*, decided_at: datetime, at: datetime, rules: FollowupRules) -> bool:
    """A review (核查) may be requested from the decision until the end of the review window, inclusive."""
    return decided_at <= at <= decided_at + rules.review_window
