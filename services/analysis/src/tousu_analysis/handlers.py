"""Thin event handlers: check the payload type, call one service method, report a redelivery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tousu_analysis.domain.updates import HistoryFact, action_fact, feedback_fact, reopen_fact
from tousu_analysis.service import AnalysisService, Outcome
from tousu_shared.consumer import DUPLICATE, Handler
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintFeedbackReceived,
    ComplaintReceived,
    ComplaintReopened,
    Envelope,
    EventData,
)
from tousu_shared.retry import PermanentError

E = TypeVar("E", bound=EventData)


def payload(envelope: Envelope[EventData], model: type[E]) -> E:
    """The envelope's data as the expected model; anything else can never be processed."""
    if not isinstance(envelope.data, model):
        raise PermanentError(f"{envelope.type} carries {type(envelope.data).__name__}, expected {model.__name__}")
    return envelope.data


def _reporting(outcome: Outcome) -> str | None:
    """Tell the shared consumer when the idempotent write found the event already applied."""
    return DUPLICATE if outcome == "duplicate" else None


def _fact_handler(
    service: AnalysisService, model: type[E], to_fact: Callable[[E], HistoryFact]
) -> Callable[[Envelope[EventData]], Awaitable[str | None]]:
    async def on_fact(envelope: Envelope[EventData]) -> str | None:
        event = payload(envelope, model)
        return _reporting(
            await service.record(
                event_id=envelope.id,
                complaint_id=event.complaint_id,
                customer_key=event.customer_key,
                fact=to_fact(event),
            )
        )

    return on_fact


def handlers(service: AnalysisService) -> dict[str, Handler]:
    """The handler of every event type the analysis service consumes."""

    async def on_complaint_received(envelope: Envelope[EventData]) -> str | None:
        complaint = payload(envelope, ComplaintReceived)
        return _reporting(await service.analyse(event_id=envelope.id, complaint=complaint))

    return {
        ComplaintReceived.event_type: on_complaint_received,
        ComplaintFeedbackReceived.event_type: _fact_handler(service, ComplaintFeedbackReceived, feedback_fact),
        ComplaintActionRecorded.event_type: _fact_handler(service, ComplaintActionRecorded, action_fact),
        ComplaintReopened.event_type: _fact_handler(service, ComplaintReopened, reopen_fact),
    }
