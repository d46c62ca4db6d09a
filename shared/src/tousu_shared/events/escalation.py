"""Events produced by the escalation service on `tousu.escalation.v1`."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from tousu_shared.events.base import EventData
from tousu_shared.events.plan import HandlingPlan

ClockKind = Literal["regulatory", "first_contact", "response"]
IncidentKind = Literal["group", "public_opinion"]


class ComplaintRouted(EventData):
    """The complaint's primary route, queue and response target (first or re-route)."""

    event_type: ClassVar[str] = "complaint.routed"
    topic_key: ClassVar[str] = "escalation"

    cycle: int = Field(default=1, ge=1, description="Resolution cycle routed.")
    route: str = Field(description="Primary route, e.g. safety, public_opinion, group, standard.")
    tier: str | None = Field(default=None, description="L1/L2/L3 for standard; tier for re-routes.")
    level: str | None = Field(default=None, description="Route level, e.g. red/orange for public_opinion.")
    queue: str = Field(description="Owning queue.")
    flags: list[str] = Field(default_factory=list, description="Every applicable route flag.")
    reasons: list[str] = Field(default_factory=list, description="Why this route.")
    response_due_at: datetime = Field(description="Route response target.")
    incident_id: str | None = Field(default=None, description="Incident the complaint belongs to.")
    reroute_of: str | None = Field(default=None, description="Previous route when this is a re-route.")
    merged_into: str | None = Field(
        default=None,
        description="Open complaint of the same customer and matter this one was merged into (its regulatory clock).",
    )
    policy_version: str = Field(description="Version of the routing policy.")
    routed_at: datetime = Field(description="When it was routed.")
    plan: HandlingPlan | None = Field(
        default=None,
        description="(added 2026-12) The handling plan (处置方案) of this cycle as (re-)planned with this routing; "
        "later changes travel on `complaint.plan_updated`.",
    )


class ComplaintSlaWarning(EventData):
    """A clock passed a warning threshold."""

    event_type: ClassVar[str] = "complaint.sla_warning"
    topic_key: ClassVar[str] = "escalation"

    clock: ClockKind = Field(description="Which clock.")
    threshold: float = Field(description="Elapsed share that was passed, e.g. 0.5, 0.75, 0.9.")
    due_at: datetime = Field(description="The clock's due time.")
    route: str | None = Field(default=None, description="Current route.")
    queue: str | None = Field(default=None, description="Current queue.")
    occurred_at: datetime = Field(description="When the warning fired.")


class ComplaintSlaBreached(EventData):
    """A clock passed its due time (repeats with rising urgency while breached)."""

    event_type: ClassVar[str] = "complaint.sla_breached"
    topic_key: ClassVar[str] = "escalation"

    clock: ClockKind = Field(description="Which clock.")
    due_at: datetime = Field(description="The clock's due time.")
    overdue_seconds: int = Field(ge=0, description="How long past due.")
    escalation_level: int = Field(ge=1, description="1 on the first breach, +1 on each repeat.")
    route: str | None = Field(default=None, description="Current route.")
    queue: str | None = Field(default=None, description="Queue escalated to.")
    occurred_at: datetime = Field(description="When the breach was detected.")


class IncidentEvent(EventData):
    """Shared shape of incident events (the complaint that caused the change is the subject)."""

    incident_id: str = Field(description="Incident id.")
    kind: IncidentKind = Field(description="group (群体性) or public_opinion (舆情).")
    status: Literal["open", "closed"] = Field(default="open", description="Incident status.")
    major: bool = Field(default=False, description="≥ major threshold (重大消费投诉).")
    queue: str = Field(description="Owner queue.")
    matter_key: str = Field(description="The clustering key of the matter.")
    product_type: str | None = Field(default=None, description="Product type of the matter.")
    cause: str | None = Field(default=None, description="Cause of the matter.")
    member_count: int = Field(ge=1, description="Distinct customers in the incident.")
    complaint_ids: list[str] = Field(default_factory=list, description="Member complaints.")
    growth_per_day: float = Field(default=0.0, description="New members per day since opening.")
    opened_at: datetime = Field(description="When the incident opened.")
    updated_at: datetime = Field(description="When it last changed.")


class IncidentOpened(IncidentEvent):
    """A group or public-opinion incident was opened."""

    event_type: ClassVar[str] = "incident.opened"
    topic_key: ClassVar[str] = "escalation"


class IncidentUpdated(IncidentEvent):
    """An incident grew (new member) or changed status."""

    event_type: ClassVar[str] = "incident.updated"
    topic_key: ClassVar[str] = "escalation"
