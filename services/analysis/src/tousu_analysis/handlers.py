"""Thin event handlers: call one service method with the typed payload, report a redelivery."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from tousu_analysis.domain.updates import HistoryFact, action_fact, feedback_fact, reopen_fact
from tousu_analysis.service import AnalysisService, Outcome
from tousu_shared.consumer import DUPLICATE
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintFeedbackReceived,
    ComplaintReceived,
    ComplaintReopened,
    Envelope,
    EventData,
)
from tousu_shared.handlers import EventHandlers, Handler, OnEvent

Fact = TypeVar("Fact", ComplaintFeedbackReceived, ComplaintActionRecorded, ComplaintReopened)


def _reporting(outcome: Outcome) -> str | None:
    """Tell the shared consumer when the idempotent write found the event already applied."""
    return DUPLICATE if outcome == "duplicate" else None


def _on_fact(service: AnalysisService, to_fact: Callable[[Fact], HistoryFact]) -> OnEvent[Fact]:
    async def on_fact(event: Fact, envelope: Envelope[EventData]) -> str | None:
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
