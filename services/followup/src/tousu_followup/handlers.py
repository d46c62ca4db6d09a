"""Thin consumer handlers: check the payload type, call one service method."""

from __future__ import annotations

from typing import TypeVar

from tousu_followup.service import FollowupService
from tousu_shared.consumer import Handler
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintAnalyzed,
    ComplaintFeedbackReceived,
    ComplaintReceived,
    ComplaintRouted,
)
from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.retry import PermanentError

T = TypeVar("T", bound=EventData)


def _payload(envelope: Envelope[EventData], model: type[T]) -> T:
    if not isinstance(envelope.data, model):
        raise PermanentError(f"{envelope.type} carries {type(envelope.data).__name__}, not {model.__name__}")
    return envelope.data


def build_handlers(*, service: FollowupService) -> dict[str, Handler]:
    """Event type → handler for everything follow-up consumes."""

    async def on_received(envelope: Envelope[EventData]) -> None:
        await service.on_received(received=_payload(envelope, ComplaintReceived))

    async def on_analyzed(envelope: Envelope[EventData]) -> None:
        await service.on_analyzed(analysis=_payload(envelope, ComplaintAnalyzed))

    async def on_routed(envelope: Envelope[EventData]) -> None:
        await service.on_routed(routed=_payload(envelope, ComplaintRouted))

    async def on_action_recorded(envelope: Envelope[EventData]) -> None:
        await service.on_action(event_id=envelope.id, action=_payload(envelope, ComplaintActionRecorded))

    async def on_feedback_received(envelope: Envelope[EventData]) -> None:
        await service.on_feedback(event_id=envelope.id, feedback=_payload(envelope, ComplaintFeedbackReceived))

    return {
        ComplaintReceived.event_type: on_received,
        ComplaintAnalyzed.event_type: on_analyzed,
        ComplaintRouted.event_type: on_routed,
        ComplaintActionRecorded.event_type: on_action_recorded,
        ComplaintFeedbackReceived.event_type: on_feedback_received,
    }
