"""Thin consumer handlers: check the payload type, call one service method."""

from __future__ import annotations

from typing import TypeVar

from tousu_escalation.lifecycle import Lifecycle
from tousu_escalation.service import EscalationService
from tousu_shared.consumer import Handler
from tousu_shared.events import ComplaintActionRecorded, ComplaintAnalyzed, ComplaintReopened
from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.retry import PermanentError

T = TypeVar("T", bound=EventData)


def _payload(envelope: Envelope[EventData], model: type[T]) -> T:
    if not isinstance(envelope.data, model):
        raise PermanentError(f"{envelope.type} carries {type(envelope.data).__name__}, not {model.__name__}")
    return envelope.data


def build_handlers(*, service: EscalationService, lifecycle: Lifecycle) -> dict[str, Handler]:
    """Event type → handler for everything escalation consumes."""

    async def on_analyzed(envelope: Envelope[EventData]) -> None:
        await service.on_analyzed(event_id=envelope.id, analysis=_payload(envelope, ComplaintAnalyzed))

    async def on_action_recorded(envelope: Envelope[EventData]) -> None:
        await lifecycle.on_action(event_id=envelope.id, action=_payload(envelope, ComplaintActionRecorded))

    async def on_reopened(envelope: Envelope[EventData]) -> None:
        await lifecycle.on_reopened(event_id=envelope.id, reopened=_payload(envelope, ComplaintReopened))

    return {
        ComplaintAnalyzed.event_type: on_analyzed,
        ComplaintActionRecorded.event_type: on_action_recorded,
        ComplaintReopened.event_type: on_reopened,
    }
