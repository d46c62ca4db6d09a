"""A consumer batch has exactly the effects of its records handled one by one (issue 12's must-hold)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.unit.analysis.test_service_analysis import NOW, T0, FakeComplaints, FakeTemplates, complaint
from tests.unit.analysis.test_service_analysis_handlers import record_of
from tousu_analysis.domain import Rules
from tousu_analysis.handlers import handlers
from tousu_analysis.metrics import AnalysisMetrics
from tousu_analysis.service import AnalysisService, Limits
from tousu_shared.consumer import EventConsumer, RetryPolicy
from tousu_shared.deadletter import FailedRecord
from tousu_shared.retry import Backoff

pytestmark = pytest.mark.unit

WAVE = "理财产品到期无法兑付，网点经理当初承诺保本保息，现在本金都取不出来，要求按约兑付本息。"


class DeadLetters:
    """Records what would go to the dead-letter topic."""

    def __init__(self) -> None:
        self.records: list[tuple[FailedRecord, str]] = []

    async def publish(self, record: FailedRecord, *, error: str, attempts: int) -> None:
        self.records.append((record, error))


def mixed_batch() -> list[FailedRecord]:
    """Repeats of one customer, a same-matter wave of six customers, a poison record and a duplicate."""
    repeats = [
        complaint(
            f"信用卡年费没有告知就扣了，第{n + 1}次反映了，还是没人处理。",
            complaint_id=f"R-{n}",
            customer_key="cust-repeat",
            received_at=T0 + timedelta(days=n),
        )
        for n in range(3)
    ]
    wave = [
        complaint(WAVE, complaint_id=f"W-{n}", customer_key=f"cust-w{n}", received_at=T0 + timedelta(hours=n))
        for n in range(6)
    ]
    records = [record_of(c, f"ce-{c.complaint_id}") for c in [*repeats[:2], *wave[:3], repeats[2], *wave[3:]]]
    poison = FailedRecord("tousu.intake.v1", 1, 99, b"k", b"{not json", [(b"ce_type", b"complaint.received")])
    duplicate = record_of(wave[0], "ce-W-0")
    return [*records[:4], poison, *records[4:], duplicate]


def consumer(rules: Rules) -> tuple[EventConsumer, FakeComplaints, DeadLetters]:
    store = FakeComplaints()
    service = AnalysisService(
        complaints=store,
        templates=FakeTemplates(store),
        rules=rules,
        metrics=AnalysisMetrics(service="analysis"),
        analyzer_version="test",
        limits=Limits(history=100),
        clock=lambda: NOW,
    )
    dead = DeadLetters()
    events = EventConsumer(
        service="analysis",
        handlers=handlers(service),
        ledger=None,
        deadletters=dead,  # type: ignore[arg-type]
        metrics=AnalysisMetrics(service="analysis"),
        policy=RetryPolicy(attempts=2, backoff=Backoff(0.001, 0.002)),
    )
    return events, store, dead


async def test_a_mixed_batch_has_the_effects_of_its_records_one_by_one(rules: Rules) -> None:
    batch = mixed_batch()
    one_by_one, store_a, dead_a = consumer(rules)
    singles = [await one_by_one.process(record) for record in batch]
    batched, store_b, dead_b = consumer(rules)
    outcomes = await batched.process_batch(batch)
    assert outcomes == singles
    assert outcomes.count("deadlettered") == 1 and outcomes[-1] == "duplicate"
    assert [r.offset for r, _ in dead_b.records] == [r.offset for r, _ in dead_a.records] == [99]
    a = {cid: r.analysis.model_dump(exclude={"analyzed_at"}) for cid, r in store_a.analyses.items()}
    b = {cid: r.analysis.model_dump(exclude={"analyzed_at"}) for cid, r in store_b.analyses.items()}
    assert a == b
    assert list(store_a.analyses) == list(store_b.analyses), "stored in the same order"
    assert store_b.analyses["R-2"].analysis.repeat_risk.band != "low", "the repeats saw their history"
    assert [e.id for e in store_a.outbox] == [e.id for e in store_b.outbox]
