"""Downstream events as the analysis, escalation and follow-up services would publish them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tousu_shared.events import (
    ComplaintAnalyzed,
    ComplaintClosed,
    ComplaintReopened,
    ComplaintRouted,
    ComplaintSlaWarning,
    Dimensions,
    DimensionScore,
    Envelope,
    EventData,
    FollowupSatisfactionRecorded,
    FollowupSurveyScheduled,
    IncidentOpened,
    Matter,
    RepeatRisk,
)


def _wrap(data: EventData, *, source: str, at: datetime) -> Envelope[EventData]:
    return Envelope[EventData].wrap(data, source=source, time=at)


def _about(view: dict[str, Any]) -> dict[str, Any]:
    """The complaint an event is about."""
    return {"complaint_id": view["complaint_id"], "customer_key": view["customer_key"]}


def analyzed(view: dict[str, Any], *, at: datetime, band: str = "low") -> Envelope[EventData]:
    """`complaint.analyzed` for a stored complaint (view = its identity and dates)."""
    dim = DimensionScore(score=40, level="medium", signals=["high_emotion"], reasons=["情绪激动"])
    data = ComplaintAnalyzed(
        **view,
        channel="hotline",
        complainant_count=1,
        dimensions=Dimensions(subject=dim, substance=dim, environment=dim, process=dim, feedback=dim),
        overall_score=40,
        repeat_risk=RepeatRisk(score=0.2 if band == "low" else 0.8, band=band),
        cause_category="息费/收费",
        matter=Matter(product_line="banking", cause="息费/收费"),
        severity="medium",
        rules_version="test-1",
        analyzer_version="test",
        analyzed_at=at,
    )
    return _wrap(data, source="tousu/analysis", at=at)


def routed(
    view: dict[str, Any], *, at: datetime, route: str = "standard", incident: str | None = None
) -> Envelope[EventData]:
    """`complaint.routed`."""
    data = ComplaintRouted(
        **_about(view),
        route=route,
        tier="L2",
        queue="specialist",
        response_due_at=at + timedelta(days=1),
        incident_id=incident,
        policy_version="test-1",
        routed_at=at,
    )
    return _wrap(data, source="tousu/escalation", at=at)


def sla_warning(view: dict[str, Any], *, at: datetime) -> Envelope[EventData]:
    """`complaint.sla_warning` at 50 %."""
    data = ComplaintSlaWarning(
        **_about(view),
        clock="regulatory",
        threshold=0.5,
        due_at=view["due_at"],
        occurred_at=at,
    )
    return _wrap(data, source="tousu/escalation", at=at)


def incident_opened(view: dict[str, Any], *, at: datetime, incident_id: str) -> Envelope[EventData]:
    """`incident.opened` with this complaint as its first member."""
    data = IncidentOpened(
        **_about(view),
        incident_id=incident_id,
        kind="group",
        queue="group_taskforce",
        matter_key="信用卡|息费",
        member_count=1,
        complaint_ids=[view["complaint_id"]],
        opened_at=at,
        updated_at=at,
    )
    return _wrap(data, source="tousu/escalation", at=at)


def survey_scheduled(view: dict[str, Any], *, at: datetime) -> Envelope[EventData]:
    """`followup.survey_scheduled`."""
    data = FollowupSurveyScheduled(
        **_about(view),
        survey_id="sv-1",
        cycle=1,
        due_at=at + timedelta(days=2),
        complexity="simple",
        scheduled_at=at,
    )
    return _wrap(data, source="tousu/followup", at=at)


def satisfaction(view: dict[str, Any], *, at: datetime) -> Envelope[EventData]:
    """`followup.satisfaction_recorded`: satisfied."""
    data = FollowupSatisfactionRecorded(
        **_about(view),
        survey_id="sv-1",
        cycle=1,
        reached=True,
        satisfaction="satisfied",
        score=5,
        attempts=1,
        occurred_at=at,
    )
    return _wrap(data, source="tousu/followup", at=at)


def closed(view: dict[str, Any], *, at: datetime) -> Envelope[EventData]:
    """`complaint.closed`: satisfied."""
    data = ComplaintClosed(
        **_about(view),
        cycle=1,
        outcome="satisfied",
        root_cause="营销话术不规范",
        remediation="修订话术",
        occurred_at=at,
    )
    return _wrap(data, source="tousu/followup", at=at)


def reopened(view: dict[str, Any], *, at: datetime) -> Envelope[EventData]:
    """`complaint.reopened`: the customer was not satisfied; cycle 2 starts."""
    data = ComplaintReopened(**_about(view), cycle=2, reason="unsatisfied", occurred_at=at)
    return _wrap(data, source="tousu/followup", at=at)
