"""Builders of follow-up domain inputs for the unit tests."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import cast

from tousu_followup.domain import lifecycle as lc
from tousu_followup.domain.model import Case, Context, Decision, Resolution, Satisfaction
from tousu_followup.domain.rules import FollowupRules

CST = timezone(timedelta(hours=8))
RULES = FollowupRules()
STANDARD = Context(
    channel="hotline",
    product_line="insurance",
    route="standard",
    tier="L1",
    queue="frontline",
    severity="low",
    repeat_band="low",
)


def cst(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """A 2026 instant in China time."""
    return datetime(2026, month, day, hour, minute, tzinfo=CST)


def resolution(*, cycle: int = 1, at: datetime | None = None, traced: bool = True) -> Resolution:
    """A decision, with or without its root cause and remediation."""
    return Resolution(
        cycle=cycle,
        decided_at=at or cst(9, 30),
        decision="理赔重新核定",
        remedy="补付差额",
        root_cause="核赔规则理解偏差" if traced else None,
        remediation="修订核赔指引并培训" if traced else None,
    )


def resolved(*, context: Context = STANDARD, traced: bool = True, at: datetime | None = None) -> Case:
    """A case with the survey of cycle 1 scheduled."""
    case = Case(complaint_id="TS-1", customer_key="ck-1")
    return lc.resolve(
        case, resolution=resolution(traced=traced, at=at), context=context, rules=RULES, now=at or cst(9, 30)
    ).case


def answer(
    case: Case, satisfaction: str | None, *, fid: str = "fb-1", cycle: int = 1, at: datetime | None = None
) -> Decision:
    """Record one answer (None = a failed contact attempt)."""
    feedback = lc.Feedback(
        feedback_id=fid,
        cycle=cycle,
        reached=satisfaction is not None,
        contacted_at=at or cst(10, 8),
        satisfaction=cast("Satisfaction | None", satisfaction),
    )
    return lc.record_feedback(case, feedback=feedback, rules=RULES, now=at or cst(10, 8))
