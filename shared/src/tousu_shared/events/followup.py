"""Events produced by the follow-up service on `tousu.followup.v1`."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from tousu_shared.events.base import EventData
from tousu_shared.events.intake import Satisfaction

CloseOutcome = Literal["satisfied", "basically_satisfied", "unreachable", "no_response", "withdrawn"]


class FollowupSurveyScheduled(EventData):
    """A satisfaction follow-up (回访) was scheduled for a resolution cycle."""

    event_type: ClassVar[str] = "followup.survey_scheduled"
    topic_key: ClassVar[str] = "followup"

    survey_id: str = Field(description="Survey id.")
    cycle: int = Field(ge=1, description="Resolution cycle.")
    due_at: datetime = Field(description="When the contact centre should call.")
    complexity: Literal["simple", "complex"] = Field(description="Drives the 1–2 or 3–5 working-day delay.")
    scheduled_at: datetime = Field(description="When it was scheduled.")
    due_by: datetime | None = Field(
        default=None, description="End of the contact window: the call is overdue after this instant."
    )
    reasons: list[str] = Field(default_factory=list, description="Why the case counts as simple or complex.")


class FollowupSatisfactionRecorded(EventData):
    """A follow-up answer or failed attempt was recorded."""

    event_type: ClassVar[str] = "followup.satisfaction_recorded"
    topic_key: ClassVar[str] = "followup"

    survey_id: str = Field(description="Survey id.")
    cycle: int = Field(ge=1, description="Resolution cycle.")
    reached: bool = Field(description="Whether the customer was reached.")
    satisfaction: Satisfaction | None = Field(default=None, description="The answer.")
    score: int | None = Field(default=None, description="Score 1–5.")
    attempts: int = Field(ge=1, description="Contact attempts so far.")
    occurred_at: datetime = Field(description="When it was recorded.")


class ComplaintReopened(EventData):
    """The complaint was reopened as a new resolution cycle (same complaint id)."""

    event_type: ClassVar[str] = "complaint.reopened"
    topic_key: ClassVar[str] = "followup"

    cycle: int = Field(ge=2, description="The new cycle number.")
    reason: Literal["unsatisfied", "review_requested"] = Field(description="Why it reopened.")
    tier_hint: str | None = Field(default=None, description="Minimum tier for re-routing, e.g. management.")
    occurred_at: datetime = Field(description="When it reopened.")


class ComplaintClosed(EventData):
    """The complaint was closed, with root cause and remediation (溯源整改)."""

    event_type: ClassVar[str] = "complaint.closed"
    topic_key: ClassVar[str] = "followup"

    cycle: int = Field(ge=1, description="The closing cycle.")
    outcome: CloseOutcome = Field(description="How it closed.")
    root_cause: str | None = Field(default=None, description="Root cause recorded at resolution.")
    remediation: str | None = Field(default=None, description="Remediation recorded at resolution.")
    written_notice: bool = Field(default=False, description="Closed with a written notice (unreachable).")
    occurred_at: datetime = Field(description="When it closed.")
