"""Typed handler registration: `on_<event>` functions take their payload model; the type is checked here, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.retry import PermanentError

E = TypeVar("E", bound=EventData)
Handler = Callable[[Envelope[EventData]], Awaitable[str | None]]
OnEvent = Callable[[E, Envelope[EventData]], Awaitable[str | None]]


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


def _checked(model: type[E], handle: OnEvent[E]) -> Handler:
    async def typed(envelope: Envelope[EventData]) -> str | None:
        data = envelope.data
        if not isinstance(data, model):
            raise PermanentError(f"{envelope.type} carries {type(data).__name__}, expected {model.__name__}")
        return await handle(data, envelope)

    return typed
