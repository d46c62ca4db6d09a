"""Typed handler registration: the payload model is checked once, in the shared layer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tousu_shared.events import ComplaintReopened, Envelope, EventData
from tousu_shared.handlers import EventHandlers
from tousu_shared.retry import PermanentError

pytestmark = pytest.mark.unit


def _reopened() -> ComplaintReopened:
    return ComplaintReopened(
        complaint_id="C-1",
        customer_key="k",
        cycle=2,
        reason="unsatisfied",
        occurred_at=datetime(2026, 11, 1, tzinfo=UTC),
    )


async def test_a_handler_receives_its_payload_model_and_the_envelope() -> None:
    seen: list[tuple[str, str]] = []

    async def on_complaint_reopened(event: ComplaintReopened, envelope: Envelope[EventData]) -> str | None:
        seen.append((event.complaint_id, envelope.id))
        return None

    handlers = EventHandlers().on(ComplaintReopened, on_complaint_reopened).as_mapping()
    envelope = Envelope[EventData].wrap(_reopened(), source="test", event_id="e-1")
    await handlers["complaint.reopened"](envelope)
    assert seen == [("C-1", "e-1")]


async def test_a_payload_of_another_model_is_a_permanent_error() -> None:
    async def on_complaint_reopened(event: ComplaintReopened, envelope: Envelope[EventData]) -> str | None:
        raise AssertionError("never called")

    handlers = EventHandlers().on(ComplaintReopened, on_complaint_reopened).as_mapping()
    wrong = Envelope[EventData].model_construct(
        id="e-2", source="t", type="complaint.reopened", time=datetime.now(UTC), subject="C-1", data=object()
    )
    with pytest.raises(PermanentError, match="expected ComplaintReopened"):
        await handlers["complaint.reopened"](wrong)
