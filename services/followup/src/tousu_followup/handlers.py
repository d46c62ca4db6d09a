"""Thin consumer handlers: call one service method with the typed payload."""

from __future__ import annotations

from collections.abc import Mapping

from tousu_followup.service import FollowupService
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintAnalyzed,
    ComplaintFeedbackReceived,
    ComplaintReceived,
    ComplaintRouted,
    Envelope,
    EventData,
)
from tousu_shared.handlers import EventHandlers, Handler


def build_handlers(*, service: FollowupService) -> Mapping[str, Handler]:
    """Event type → handler for everything follow-up consumes."""

    async def on_complaint_received(received: ComplaintReceived, envelope: Envelope[EventData]) -> None:
        await service.on_received(received=received)

    async def on_complaint_analyzed(analysis: ComplaintAnalyzed, envelope: Envelope[EventData]) -> None:
        await service.on_analyzed(analysis=analysis)

    async def on_complaint_routed(routed: ComplaintRouted, envelope: Envelope[EventData]) -> None:
        await service.on_routed(routed=routed)

    async def on_action_recorded(action: ComplaintActionRecorded, envelope: Envelope[EventData]) -> None:
        await service.on_action(event_id=envelope.id, action=action)

    async def on_feedback_received(feedback: ComplaintFeedbackReceived, envelope: Envelope[EventData]) -> None:
        await service.on_feedback(event_id=envelope.id, feedback=feedback)

    return (
        EventHandlers()
        .on(ComplaintReceived, on_complaint_received)
        .on(ComplaintAnalyzed, on_complaint_analyzed)
        .on(ComplaintRouted, on_complaint_routed)
        .on(ComplaintActionRecorded, on_action_recorded)
        .on(ComplaintFeedbackReceived, on_feedback_received)
        .as_mapping()
    )
