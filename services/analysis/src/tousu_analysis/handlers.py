"""Thin event handlers: the typed payloads become service calls, one by one or a whole batch at once."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from tousu_analysis.domain.updates import HistoryFact, action_fact, feedback_fact, reopen_fact
from tousu_analysis.service import AnalysisService, Fact, Incoming, Outcome, Received
from tousu_shared.consumer import DUPLICATE
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintFeedbackReceived,
    ComplaintReceived,
    ComplaintReopened,
    Envelope,
    EventData,
)
from tousu_shared.handlers import BatchHandler, EventHandlers, Handler, OnEvent, batch_handler
from tousu_shared.retry import PermanentError

F = TypeVar("F", ComplaintFeedbackReceived, ComplaintActionRecorded, ComplaintReopened)
MODELS: list[type[EventData]] = [
    ComplaintReceived,
    ComplaintFeedbackReceived,
    ComplaintActionRecorded,
    ComplaintReopened,
]


def _reporting(outcome: Outcome) -> str | None:
    """Tell the shared consumer when the idempotent write found the event already applied."""
    return DUPLICATE if outcome == "duplicate" else None


def _on_fact(service: AnalysisService, to_fact: Callable[[F], HistoryFact]) -> OnEvent[F]:
    async def on_fact(event: F, envelope: Envelope[EventData]) -> str | None:
        fact = to_fact(event)
        outcome = await service.record(
            event_id=envelope.id, complaint_id=event.complaint_id, customer_key=event.customer_key, fact=fact
        )
        return _reporting(outcome)

    return on_fact


def handlers(service: AnalysisService) -> Mapping[str, Handler]:
    """The handler of every event type the analysis service consumes."""

    async def on_complaint_received(complaint: ComplaintReceived, envelope: Envelope[EventData]) -> str | None:
        return _reporting(await service.analyse(event_id=envelope.id, complaint=complaint))

    return (
        EventHandlers()
        .on(ComplaintReceived, on_complaint_received)
        .on(ComplaintFeedbackReceived, _on_fact(service, feedback_fact))
        .on(ComplaintActionRecorded, _on_fact(service, action_fact))
        .on(ComplaintReopened, _on_fact(service, reopen_fact))
        .as_mapping()
    )


def item_of(envelope: Envelope[EventData]) -> Incoming:
    """The service's item for an event of a consumed type."""
    data = envelope.data
    if isinstance(data, ComplaintReceived):
        return Received(envelope.id, data)
    if isinstance(data, ComplaintFeedbackReceived):
        fact = feedback_fact(data)
    elif isinstance(data, ComplaintActionRecorded):
        fact = action_fact(data)
    elif isinstance(data, ComplaintReopened):
        fact = reopen_fact(data)
    else:
        raise PermanentError(f"analysis does not consume {envelope.type}")
    return Fact(envelope.id, data.complaint_id, data.customer_key, fact)


def batched(service: AnalysisService) -> BatchHandler:
    """A run of a batch's events in one call, in batch order: one read per look-up and one write per batch."""

    async def on_batch(envelopes: list[Envelope[EventData]]) -> list[str | None]:
        outcomes = await service.handle([item_of(e) for e in envelopes])
        return [_reporting(o) for o in outcomes]

    return batch_handler(MODELS, on_batch)
