"""Composition root of the followup service."""

from __future__ import annotations

from fastapi import FastAPI

from tousu_shared.events import EVENT_TYPES, EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.logging import get_logger
from tousu_shared.runtime import Runtime, build_app
from tousu_shared.settings import Settings

log = get_logger("tousu.followup")


async def _log_event(envelope: Envelope[EventData]) -> None:
    log.info("event received", event_type=envelope.type, ce_id=envelope.id, subject=envelope.subject)


async def setup(runtime: Runtime) -> None:
    """Subscribe to the topics this service consumes."""
    handlers = dict.fromkeys(EVENT_TYPES, _log_event)
    runtime.consume(topics=[runtime.topics.intake, runtime.topics.analysis, runtime.topics.escalation], handlers=handlers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the followup service app."""
    return build_app(settings or Settings.load("followup"), title="tousu follow-up", setup=setup)
