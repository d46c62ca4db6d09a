"""Thin consumer handlers: call one service method with the typed payload."""

from __future__ import annotations

from collections.abc import Mapping

from tousu_escalation.lifecycle import Lifecycle
from tousu_escalation.planner import Planner
from tousu_escalation.service import EscalationService
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintAnalyzed,
    ComplaintClosed,
    ComplaintFeedbackReceived,
    ComplaintReopened,
    Envelope,
    EventData,
    FollowupSurveyScheduled,
)
from tousu_shared.handlers import EventHandlers, Handler


def build_handlers(*, service: EscalationService, lifecycle: Lifecycle, planner: Planner) -> Mapping[str, Handler]:
    """Event type → handler for everything escalation consumes."""

    async def on_complaint_analyzed(analysis: ComplaintAnalyzed, envelope: Envelope[EventData]) -> None:
        await service.on_analyzed(event_id=envelope.id, analysis=analysis)

    async def on_action_recorded(action: ComplaintActionRecorded, envelope: Envelope[EventData]) -> None:
        await lifecycle.on_action(event_id=envelope.id, action=action)

    async def on_complaint_reopened(reopened: ComplaintReopened, envelope: Envelope[EventData]) -> None:
        await lifecycle.on_reopened(event_id=envelope.id, reopened=reopened)

    async def on_feedback_received(feedback: ComplaintFeedbackReceived, envelope: Envelope[EventData]) -> None:
        await planner.on_feedback(event_id=envelope.id, feedback=feedback)

    async def on_survey_scheduled(survey: FollowupSurveyScheduled, envelope: Envelope[EventData]) -> None:
        await planner.on_survey_scheduled(event_id=envelope.id, survey=survey)

    async def on_complaint_closed(closed: ComplaintClosed, envelope: Envelope[EventData]) -> None:
        await planner.on_closed(event_id=envelope.id, closed=closed)

    return (
        EventHandlers()
        .on(ComplaintAnalyzed, on_complaint_analyzed)
        .on(ComplaintActionRecorded, on_action_recorded)
        .on(ComplaintReopened, on_complaint_reopened)
        .on(ComplaintFeedbackReceived, on_feedback_received)
        .on(FollowupSurveyScheduled, on_survey_scheduled)
        .on(ComplaintClosed, on_complaint_closed)
        .as_mapping()
    )
