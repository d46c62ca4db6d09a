"""Thin consumer handlers: call one service method with the typed payload."""

from __future__ import annotations

from collections.abc import Mapping

from tousu_escalation.lifecycle import Lifecycle
from tousu_escalation.service import EscalationService
from tousu_shared.events import ComplaintActionRecorded, ComplaintAnalyzed, ComplaintReopened, Envelope, EventData
from tousu_shared.handlers import EventHandlers, Handler


def build_handlers(*, service: EscalationService, lifecycle: Lifecycle) -> Mapping[str, Handler]:
    """Event type → handler for everything escalation consumes."""

    async def on_complaint_analyzed(analysis: ComplaintAnalyzed, envelope: Envelope[EventData]) -> None:
        await service.on_analyzed(event_id=envelope.id, analysis=analysis)

    async def on_action_recorded(action: ComplaintActionRecorded, envelope: Envelope[EventData]) -> None:
        await lifecycle.on_action(event_id=envelope.id, action=action)

    async def on_complaint_reopened(reopened: ComplaintReopened, envelope: Envelope[EventData]) -> None:
        await lifecycle.on_reopened(event_id=envelope.id, reopened=reopened)

    return (
        EventHandlers()
        .on(ComplaintAnalyzed, on_complaint_analyzed)
        .on(ComplaintActionRecorded, on_action_recorded)
        .on(ComplaintReopened, on_complaint_reopened)
        .as_mapping()
    )
