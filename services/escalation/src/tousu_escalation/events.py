"""Builders of the events escalation publishes; ids are derived from their cause, so a replay repeats them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from tousu_escalation.domain.case import Case
from tousu_escalation.domain.clock_policy import ClockPolicy
from tousu_escalation.domain.clocks import Alert, Breached
from tousu_escalation.domain.deadline import deadline_set
from tousu_escalation.domain.incidents import IncidentView, growth_per_day
from tousu_shared.clock import stable_event_id
from tousu_shared.events import (
    ComplaintRouted,
    ComplaintSlaBreached,
    ComplaintSlaWarning,
    IncidentOpened,
    IncidentUpdated,
)
from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope

SOURCE = "tousu/escalation"


def event_id(*parts: object) -> str:
    """A stable id for the event caused by `parts` (same cause → same `ce_id`)."""
    return stable_event_id(SOURCE, *parts)


def wrap(data: EventData, *, id_parts: tuple[object, ...], time: datetime) -> Envelope[EventData]:
    """The CloudEvents envelope."""
    return Envelope[EventData].wrap(data, source=SOURCE, event_id=event_id(data.event_type, *id_parts), time=time)


def routed(case: Case, *, cause: str) -> Envelope[EventData]:
    """`complaint.routed` for the case's current routing; `cause` is the id of what caused it."""
    assert case.routing is not None
    r = case.routing
    data = ComplaintRouted(
        complaint_id=case.complaint_id,
        customer_key=case.customer_key,
        cycle=case.cycle,
        **r.model_dump(),
        merged_into=case.merged_into,
        plan=case.plan,
    )
    return wrap(data, id_parts=(case.complaint_id, cause), time=r.routed_at)


def deadline(
    before: Case | None,
    after: Case,
    *,
    cause: str,
    now: datetime,
    policy: ClockPolicy,
    restarted_by: str | None = None,
) -> list[Envelope[EventData]]:
    """`complaint.deadline_set` when the change from `before` to `after` set or moved the regulatory deadline."""
    data = deadline_set(before=before, after=after, policy=policy, now=now, restarted_by=restarted_by)
    if data is None:
        return []
    return [wrap(data, id_parts=(after.complaint_id, after.cycle, cause), time=now)]


def alert(case: Case, *, alert: Alert, now: datetime, policy: ClockPolicy) -> Envelope[EventData]:
    """`complaint.sla_warning` or `complaint.sla_breached` for one clock alert."""
    route, queue = (case.routing.route, case.routing.queue) if case.routing else (None, None)
    common = {
        "complaint_id": case.complaint_id,
        "customer_key": case.customer_key,
        "clock": alert.kind,
        "due_at": alert.due_at,
        "route": route,
        "occurred_at": now,
    }
    ids: tuple[object, ...] = (case.complaint_id, case.cycle, alert.kind, alert.due_at.isoformat())
    if isinstance(alert, Breached):
        escalated = policy.breach.queue(level=alert.level, current=queue)
        data: EventData = ComplaintSlaBreached(
            **common, overdue_seconds=alert.overdue_seconds, escalation_level=alert.level, queue=escalated
        )
        return wrap(data, id_parts=(*ids, alert.level), time=now)
    return wrap(
        ComplaintSlaWarning(**common, threshold=alert.threshold, queue=queue),
        id_parts=(*ids, alert.threshold),
        time=now,
    )


def incident(
    view: IncidentView,
    *,
    opened: bool,
    complaint_id: str,
    customer_key: str,
    now: datetime,
    status: Literal["open", "closed"] = "open",
) -> Envelope[EventData]:
    """`incident.opened` or `incident.updated` (growth, or status closed) with the member count and growth per day."""
    fields = {
        "status": status,
        "complaint_id": complaint_id,
        "customer_key": customer_key,
        "incident_id": view.incident_id,
        "kind": view.kind,
        "major": view.major,
        "queue": view.queue,
        "matter_key": view.key,
        "product_type": view.product_type,
        "cause": view.cause,
        "member_count": len(view.customers),
        "complaint_ids": view.complaint_ids,
        "growth_per_day": growth_per_day(
            members=len(view.customers), opening_count=view.opening_count, opened_at=view.opened_at, now=now
        ),
        "opened_at": view.opened_at,
        "updated_at": now,
    }
    data: EventData = IncidentOpened(**fields) if opened else IncidentUpdated(**fields)
    ids = (view.incident_id, complaint_id) if status == "open" else (view.incident_id, status)  # closes once
    return wrap(data, id_parts=ids, time=now)
