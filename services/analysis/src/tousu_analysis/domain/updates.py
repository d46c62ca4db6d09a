"""Later facts about an analysed complaint (follow-up answers, reopens, actions) folded into its history item.

The service stores each fact once (keyed by the event's `ce_id`) instead of rewriting the item,
so a redelivered event is a no-op and facts arriving in any order give the same item.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tousu_analysis.domain.history import HistoryItem, Satisfaction, with_action, with_feedback, with_reopen
from tousu_shared.events import ComplaintActionRecorded, ComplaintFeedbackReceived, ComplaintReopened

FactKind = Literal["feedback", "reopen", "action"]


class HistoryFact(BaseModel):
    """One later fact about a complaint, as much of it as its history item needs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: FactKind = Field(description="feedback, reopen or action.")
    occurred_at: datetime = Field(description="When it happened (facts apply in this order).")
    satisfaction: Satisfaction | None = Field(default=None, description="Follow-up answer, for feedback.")
    action_type: str | None = Field(default=None, description="Action type, for actions.")
    remediation: str | None = Field(default=None, description="Remediation text, for `resolved` actions.")


def apply_fact(item: HistoryItem, fact: HistoryFact) -> HistoryItem:
    """The item after one fact (the domain's own `with_*` rules)."""
    if fact.kind == "feedback":
        return with_feedback(item, satisfaction=fact.satisfaction)
    if fact.kind == "reopen":
        return with_reopen(item)
    return with_action(item, action_type=fact.action_type or "", remediation=fact.remediation)


def fold_facts(item: HistoryItem, facts: list[HistoryFact]) -> HistoryItem:
    """The item after all its facts, oldest first."""
    for fact in sorted(facts, key=lambda f: f.occurred_at):
        item = apply_fact(item, fact)
    return item


_PROBE = HistoryItem(
    complaint_id="probe",
    received_at=datetime(2000, 1, 1, tzinfo=UTC),
    channel="other",
    product_line="other",
    cause="other",
)


def changes_history(fact: HistoryFact) -> bool:
    """Whether the fact can change any history item (a note or a satisfied answer cannot: no write)."""
    return apply_fact(_PROBE, fact) != _PROBE


def feedback_fact(event: ComplaintFeedbackReceived) -> HistoryFact:
    """A follow-up answer (a failed contact attempt carries no satisfaction)."""
    satisfaction = event.satisfaction if event.reached else None
    return HistoryFact(kind="feedback", occurred_at=event.contacted_at, satisfaction=satisfaction)


def reopen_fact(event: ComplaintReopened) -> HistoryFact:
    """A reopened resolution cycle."""
    return HistoryFact(kind="reopen", occurred_at=event.occurred_at)


def action_fact(event: ComplaintActionRecorded) -> HistoryFact:
    """A handler action (only review requests and resolutions change the history)."""
    return HistoryFact(
        kind="action", occurred_at=event.occurred_at, action_type=event.type, remediation=event.remediation
    )
