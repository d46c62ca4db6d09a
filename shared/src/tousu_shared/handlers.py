"""Typed handler registration: `on_<event>` functions take their payload model; the type is checked here, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.retry import PermanentError

E = TypeVar("E", bound=EventData)
Handler = Callable[[Envelope[EventData]], Awaitable[str | None]]
OnEvent = Callable[[E, Envelope[EventData]], Awaitable[str | None]]
OnEvents = Callable[[list[Envelope[EventData]]], Awaitable[list[str | None]]]


@dataclass(frozen=True)
class BatchHandler:
    """One call for all of a batch's events of these types (their payload models already checked).

    For effects keyed by event id (no ledger): the events come in batch order, so each complaint's
    events keep their order, and the handler may write each complaint once. It returns
    one result per event (`DUPLICATE` for an event already applied). If the call fails, the shared
    consumer handles the same events one by one, with per-event retries and dead letters.
    """

    models: Mapping[str, type[EventData]]
    handle: OnEvents

    def accepts(self, envelope: Envelope[EventData]) -> bool:
        """Whether the envelope's type is batched here and its payload is the registered model."""
        model = self.models.get(envelope.type)
        return model is not None and isinstance(envelope.data, model)


class EventHandlers:
    """Event type → handler of its payload model, for `Runtime.consume`.

    A record whose payload is not the registered model can never be processed: it raises
    `PermanentError`, so the shared consumer dead-letters it, and no handler checks types itself.
    """

    def __init__(self) -> None:
        self._by_type: dict[str, Handler] = {}

    def on(self, model: type[E], handle: OnEvent[E]) -> EventHandlers:
        """Register `handle(payload, envelope)` for the model's event type; returns self to chain."""
        self._by_type[model.event_type] = _checked(model, handle)
        return self

    def as_mapping(self) -> Mapping[str, Handler]:
        """The registered handlers by event type."""
        return dict(self._by_type)


def batch_handler(models: Sequence[type[EventData]], handle: OnEvents) -> BatchHandler:
    """A `BatchHandler` for the given payload models (each by its event type)."""
    return BatchHandler(models={m.event_type: m for m in models}, handle=handle)


def _checked(model: type[E], handle: OnEvent[E]) -> Handler:
    async def typed(envelope: Envelope[EventData]) -> str | None:
        data = envelope.data
        if not isinstance(data, model):
            raise PermanentError(f"{envelope.type} carries {type(data).__name__}, expected {model.__name__}")
        return await handle(data, envelope)

    return typed
