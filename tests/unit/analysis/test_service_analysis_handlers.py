"""Analysis handlers behind the shared consume path: payload checks, facts, and redeliveries counted as duplicates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tousu_analysis.domain.updates import HistoryFact
from tousu_analysis.handlers import handlers
from tousu_analysis.metrics import AnalysisMetrics
from tousu_shared.codec import encode
from tousu_shared.consumer import EventConsumer
from tousu_shared.deadletter import FailedRecord
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintFeedbackReceived,
    ComplaintReceived,
    ComplaintReopened,
    Envelope,
    EventData,
    MaskedCustomer,
    Product,
)
from tousu_shared.retry import PermanentError

pytestmark = pytest.mark.unit

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


@dataclass
class StubService:
    """Stands in for AnalysisService: the first delivery of an event id applies, later ones are duplicates."""

    seen: set[str] = field(default_factory=set)
    facts: list[HistoryFact] = field(default_factory=list)

    def _once(self, event_id: str, outcome: str) -> str:
        if event_id in self.seen:
            return "duplicate"
        self.seen.add(event_id)
        return outcome

    async def analyse(self, *, event_id: str, complaint: ComplaintReceived) -> str:
        return self._once(event_id, "analyzed")

    async def record(self, *, event_id: str, complaint_id: str, customer_key: str, fact: HistoryFact) -> str:
        self.facts.append(fact)
        return self._once(event_id, "applied")


class NoDeadLetters:
    """A dead-letter publisher that must never be used by these tests."""

    async def publish(self, record: FailedRecord, *, error: str, attempts: int) -> str:
        raise AssertionError(f"unexpected dead letter: {error}")


def received(complaint_id: str = "C-1") -> ComplaintReceived:
    return ComplaintReceived(
        complaint_id=complaint_id,
        customer_key="cust-a",
        channel="app",
        channel_ref="r-1",
        received_at=T0,
        due_at=T0 + timedelta(days=15),
        customer=MaskedCustomer(),
        product=Product(line="banking"),
        content="信用卡年费收了两次。",
    )


def record_of(data: EventData, event_id: str) -> FailedRecord:
    wire = encode(Envelope[EventData].wrap(data, source="tousu/test", event_id=event_id))
    return FailedRecord("tousu.intake.v1", 0, 0, wire.key, wire.value, list(wire.headers))


@pytest.fixture
def metrics() -> AnalysisMetrics:
    return AnalysisMetrics(service="analysis")


@pytest.fixture
def stub() -> StubService:
    return StubService()


@pytest.fixture
def consumer(stub: StubService, metrics: AnalysisMetrics) -> EventConsumer:
    return EventConsumer(
        service="analysis",
        handlers=handlers(stub),  # type: ignore[arg-type]
        ledger=None,
        deadletters=NoDeadLetters(),  # type: ignore[arg-type]
        metrics=metrics,
    )


def outcomes(metrics: AnalysisMetrics, event_type: str) -> dict[str, float]:
    found: dict[str, float] = {}
    for outcome in ("processed", "duplicate"):
        labels = {"service": "analysis", "event_type": event_type, "outcome": outcome}
        found[outcome] = metrics.registry.get_sample_value("tousu_events_processed_total", labels) or 0.0
    return found


async def test_a_redelivered_complaint_counts_as_duplicate_without_a_ledger(
    consumer: EventConsumer, metrics: AnalysisMetrics
) -> None:
    assert await consumer.process(record_of(received(), "ce-1")) == "processed"
    await consumer.process(record_of(received(), "ce-1"))
    assert outcomes(metrics, "complaint.received") == {"processed": 1.0, "duplicate": 1.0}


async def test_a_duplicate_does_not_leak_into_the_next_event(consumer: EventConsumer, metrics: AnalysisMetrics) -> None:
    await consumer.process(record_of(received(), "ce-1"))
    await consumer.process(record_of(received(), "ce-1"))
    await consumer.process(record_of(received("C-2"), "ce-2"))
    assert outcomes(metrics, "complaint.received") == {"processed": 2.0, "duplicate": 1.0}


EVENTS: list[tuple[EventData, dict[str, Any]]] = [
    (
        ComplaintFeedbackReceived(
            complaint_id="C-1", customer_key="cust-a", feedback_id="f-1", satisfaction="unsatisfied", contacted_at=T0
        ),
        {"kind": "feedback", "satisfaction": "unsatisfied", "occurred_at": T0},
    ),
    (
        ComplaintFeedbackReceived(
            complaint_id="C-1",
            customer_key="cust-a",
            feedback_id="f-2",
            reached=False,
            satisfaction="unsatisfied",
            contacted_at=T0,
        ),
        {"kind": "feedback", "satisfaction": None},
    ),
    (
        ComplaintReopened(complaint_id="C-1", customer_key="cust-a", cycle=2, reason="unsatisfied", occurred_at=T0),
        {"kind": "reopen", "occurred_at": T0},
    ),
    (
        ComplaintActionRecorded(
            complaint_id="C-1",
            customer_key="cust-a",
            action_id="a-1",
            type="resolved",
            actor="h-1",
            occurred_at=T0,
            remediation="修订话术",
        ),
        {"kind": "action", "action_type": "resolved", "remediation": "修订话术"},
    ),
]


@pytest.mark.parametrize(("event", "expected"), EVENTS)
async def test_later_events_become_history_facts(
    consumer: EventConsumer, stub: StubService, event: EventData, expected: dict[str, Any]
) -> None:
    assert await consumer.process(record_of(event, "ce-f")) == "processed"
    fact = stub.facts[0]
    for name, value in expected.items():
        assert getattr(fact, name) == value


async def test_a_payload_of_the_wrong_model_is_rejected_as_permanent(stub: StubService) -> None:
    on_received = handlers(stub)["complaint.received"]  # type: ignore[arg-type]
    wrong = Envelope[EventData].wrap(
        ComplaintReopened(complaint_id="C-1", customer_key="cust-a", cycle=2, reason="unsatisfied", occurred_at=T0),
        source="tousu/test",
    )
    with pytest.raises(PermanentError, match="expected ComplaintReceived"):
        await on_received(wrong)
