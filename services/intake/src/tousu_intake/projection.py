"""How each downstream event changes the complaint view: newest-by-event-time wins, lists stay sorted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Generic, TypeVar

from tousu_intake.domain import plans
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.events import (
    ComplaintAnalyzed,
    ComplaintClosed,
    ComplaintReopened,
    ComplaintRouted,
    ComplaintSlaBreached,
    ComplaintSlaWarning,
    Envelope,
    EventData,
    FollowupSatisfactionRecorded,
    FollowupSurveyScheduled,
)
from tousu_shared.events.deadline import ComplaintDeadlineSet
from tousu_shared.events.escalation import IncidentEvent, IncidentOpened, IncidentUpdated
from tousu_shared.events.plan import ComplaintPlanUpdated
from tousu_shared.mongo import Document

Change = tuple[dict[str, Any], dict[str, Any]]  # (timeline detail, fields to $set)
IDENTITY = {"complaint_id", "customer_key"}
E = TypeVar("E", bound=EventData)


def payload(data: EventData) -> dict[str, Any]:
    """The event payload without the identity fields the view already has."""
    return data.model_dump(mode="json", exclude=IDENTITY)


def _newer(doc: Document, field: str, time: datetime) -> bool:
    stored = doc.get(field)
    return stored is None or bool(stored <= time)


def _sorted_add(items: list[dict[str, Any]], item: dict[str, Any]) -> list[dict[str, Any]]:
    return sorted([*items, item], key=lambda i: str(i.get("occurred_at", "")))


def _analyzed(doc: Document, d: ComplaintAnalyzed, env: Envelope[EventData]) -> Change:
    detail = {
        "severity": d.severity,
        "overall_score": d.overall_score,
        "repeat_risk": d.repeat_risk.band,
        "cause_category": d.cause_category,
        "cycle": d.cycle,
    }
    fields = {"analysis": payload(d), "analysis_at": env.time} if _newer(doc, "analysis_at", env.time) else {}
    return detail, fields


def _routed(doc: Document, d: ComplaintRouted, env: Envelope[EventData]) -> Change:
    detail = {"route": d.route, "queue": d.queue, "tier": d.tier, "flags": d.flags, "cycle": d.cycle}
    incidents = sorted({*doc.get("incident_ids", []), *([d.incident_id] if d.incident_id else [])})
    fields: dict[str, Any] = {"incident_ids": incidents}
    if _newer(doc, "routing_at", env.time):
        routing = {k: v for k, v in payload(d).items() if k != "plan"}  # the plan is kept per cycle, once
        fields |= {"routing": routing, "routing_at": env.time, "route": d.route}
    if d.plan is not None:
        fields |= plans.fields(doc.get("plans", []), d.plan.model_dump(mode="json"))
    return detail, fields


def _plan_updated(doc: Document, d: ComplaintPlanUpdated, env: Envelope[EventData]) -> Change:
    """A plan change without a re-route (a step done, a re-plan, the cycle settled): the newest revision wins."""
    detail = {"cycle": d.plan.cycle, "revision": d.plan.revision, "change": d.change, "reason": d.reason}
    return detail, plans.fields(doc.get("plans", []), d.plan.model_dump(mode="json"))


def _sla(doc: Document, d: ComplaintSlaWarning | ComplaintSlaBreached, env: Envelope[EventData]) -> Change:
    sla = dict(doc.get("sla") or {})
    item = payload(d)
    kind = "warnings" if isinstance(d, ComplaintSlaWarning) else "breaches"
    sla[kind] = _sorted_add(sla.get(kind, []), item)
    detail: dict[str, Any] = {k: item[k] for k in ("clock", "threshold", "escalation_level", "queue") if k in item}
    return detail, {"sla": sla}


def _deadline_set(doc: Document, d: ComplaintDeadlineSet, env: Envelope[EventData]) -> Change:
    """Escalation's regulatory clock is authoritative: it replaces the `due_at` intake counted (201, actions).

    Intake's own count stays for what escalation has not seen yet; the newest of escalation's deadlines wins.
    """
    item = payload(d)
    detail = {k: item[k] for k in ("change", "due_at", "extensions", "cycle")}
    if d.cycle < int(doc.get("cycle", 1)) or not _newer(doc, "deadline_set_at", env.time):
        return detail, {}
    return detail, {
        "due_at": d.due_at,
        "clock_started_at": d.started_at,
        "extensions": d.extensions,
        "clock_paused": d.paused,
        "clock_paused_at": d.paused_at,
        "clock_paused_seconds": d.paused_seconds,
        "deadline": item,
        "deadline_set_at": env.time,
    }


def _followup(
    doc: Document, d: FollowupSurveyScheduled | FollowupSatisfactionRecorded, env: Envelope[EventData]
) -> Change:
    followup = dict(doc.get("followup") or {})
    item = payload(d)
    if isinstance(d, FollowupSurveyScheduled):
        followup["surveys"] = sorted([*followup.get("surveys", []), item], key=lambda s: s["scheduled_at"])
        return {"survey_id": d.survey_id, "cycle": d.cycle, "due_at": item["due_at"]}, {"followup": followup}
    followup["answers"] = _sorted_add(followup.get("answers", []), item)
    followup["satisfaction"] = followup["answers"][-1].get("satisfaction")
    return {"survey_id": d.survey_id, "reached": d.reached, "satisfaction": d.satisfaction}, {"followup": followup}


def _reopened(doc: Document, d: ComplaintReopened, env: Envelope[EventData]) -> Change:
    detail = {"cycle": d.cycle, "reason": d.reason, "tier_hint": d.tier_hint}
    if d.cycle <= int(doc.get("cycle", 1)):
        return detail, {}
    if int((doc.get("deadline") or {}).get("cycle", 0)) >= d.cycle:  # escalation's clock of this cycle came first
        return detail, {"cycle": d.cycle}
    return detail, {"cycle": d.cycle, **new_cycle_clock(started_at=d.occurred_at)}


def new_cycle_clock(*, started_at: datetime) -> dict[str, Any]:
    """A new resolution cycle gets a new regulatory clock from the reopen, as escalation starts one."""
    return {
        "clock_started_at": started_at,
        "due_at": regulatory_due_at(started_at=started_at),
        "extensions": 0,
        "clock_paused": False,
        "clock_paused_at": None,
        "clock_paused_seconds": 0.0,
    }


def _closed(doc: Document, d: ComplaintClosed, env: Envelope[EventData]) -> Change:
    return {"outcome": d.outcome, "cycle": d.cycle}, {"closure": payload(d)}


def _incident(doc: Document, d: IncidentEvent, env: Envelope[EventData]) -> Change:
    detail = {
        "incident_id": d.incident_id,
        "kind": d.kind,
        "status": d.status,
        "member_count": d.member_count,
        "major": d.major,
    }
    if d.complaint_id not in d.complaint_ids:  # e.g. the complaint whose arrival closed a stale incident
        return detail, {}
    return detail, {"incident_ids": sorted({*doc.get("incident_ids", []), d.incident_id})}


class Projection(Generic[E]):
    """How one event model changes the view; the consumer has checked the payload's model."""

    def __init__(self, model: type[E], change: Callable[[Document, E, Envelope[EventData]], Change]) -> None:
        self.model = model
        self._change = change

    def __call__(self, doc: Document, data: E, env: Envelope[EventData]) -> Change:
        """The timeline detail and the fields to set for this event."""
        return self._change(doc, data, env)


PROJECTIONS: list[Projection[Any]] = [
    Projection(ComplaintAnalyzed, _analyzed),
    Projection(ComplaintRouted, _routed),
    Projection(ComplaintPlanUpdated, _plan_updated),
    Projection(ComplaintSlaWarning, _sla),
    Projection(ComplaintSlaBreached, _sla),
    Projection(ComplaintDeadlineSet, _deadline_set),
    Projection(FollowupSurveyScheduled, _followup),
    Projection(FollowupSatisfactionRecorded, _followup),
    Projection(ComplaintReopened, _reopened),
    Projection(ComplaintClosed, _closed),
]
INCIDENT_PROJECTIONS: list[Projection[Any]] = [
    Projection(IncidentOpened, _incident),
    Projection(IncidentUpdated, _incident),
]
