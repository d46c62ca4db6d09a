"""A consumer batch has exactly the effects of its records handled one by one (issue 12's must-hold)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.unit.analysis.fakes import FakeComplaints, FakeTemplates
from tests.unit.analysis.test_service_analysis import LETTER, NOW, T0, complaint
from tests.unit.analysis.test_service_analysis_handlers import record_of
from tousu_analysis.domain import Rules
from tousu_analysis.handlers import batched, handlers
from tousu_analysis.metrics import AnalysisMetrics
from tousu_analysis.service import AnalysisService, Limits
from tousu_shared.consumer import EventConsumer, RetryPolicy
from tousu_shared.deadletter import FailedRecord
from tousu_shared.events import ComplaintFeedbackReceived, ComplaintReopened, MaskedRepresentative
from tousu_shared.retry import Backoff

pytestmark = pytest.mark.unit

WAVE = "理财产品到期无法兑付，网点经理当初承诺保本保息，现在本金都取不出来，要求按约兑付本息。"
MALFORMED = FailedRecord("tousu.intake.v1", 1, 99, b"k", b"{not json", [(b"ce_type", b"complaint.received")])


class DeadLetters:
    """Records what would go to the dead-letter topic."""

    def __init__(self) -> None:
        self.records: list[tuple[FailedRecord, str]] = []

    async def publish(self, record: FailedRecord, *, error: str, attempts: int) -> None:
        self.records.append((record, error))


def repeat(n: int, **overrides: Any) -> Any:
    return complaint(
        f"信用卡年费没有告知就扣了，第{n + 1}次反映了，还是没人处理。",
        complaint_id=f"R-{n}",
        customer_key="cust-repeat",
        received_at=T0 + timedelta(days=n),
        **overrides,
    )


def earlier() -> list[FailedRecord]:
    """Stored before the batch: the repeat customer's first complaint and the first template letter."""
    letter = complaint(LETTER.format(name="赵一", year=2018, amount=29000), complaint_id="L-0", customer_key="cust-l0")
    return [record_of(repeat(0), "ce-R-0"), record_of(letter, "ce-L-0")]


def mixed_batch(*, poison: bool) -> list[FailedRecord]:
    """Repeats of one customer with their facts, a template wave across customers, a same-matter wave,
    a fact that overtakes its complaint, a malformed record (and a poison complaint), redeliveries."""
    rep = MaskedRepresentative(kind="agent", phone_masked="138****0000", phone_key="phone-agent")
    letters = [
        complaint(
            LETTER.format(name=name, year=2019 + n, amount=30000 + 1000 * n),
            complaint_id=f"L-{n + 1}",
            customer_key=f"cust-l{n + 1}",
            received_at=T0 + timedelta(hours=n + 1),
            representative=rep,
        )
        for n, name in enumerate(["王小明", "李晓红", "张伟强"])
    ]
    wave = [
        complaint(WAVE, complaint_id=f"W-{n}", customer_key=f"cust-w{n}", received_at=T0 + timedelta(hours=n))
        for n in range(6)
    ]
    unsatisfied = ComplaintFeedbackReceived(
        complaint_id="R-0",
        customer_key="cust-repeat",
        feedback_id="fb-1",
        satisfaction="unsatisfied",
        contacted_at=T0 + timedelta(hours=20),
    )
    reopened = ComplaintReopened(
        complaint_id="R-1",
        customer_key="cust-repeat",
        cycle=2,
        reason="unsatisfied",
        occurred_at=T0 + timedelta(days=1, hours=20),
    )
    early = ComplaintReopened(
        complaint_id="X-0", customer_key="cust-x", cycle=2, reason="unsatisfied", occurred_at=T0 + timedelta(days=3)
    )
    late = complaint("车险定损太慢，请尽快定损。", complaint_id="X-0", customer_key="cust-x", received_at=T0)
    records = [
        record_of(unsatisfied, "ce-fb-1"),
        record_of(repeat(1), "ce-R-1"),
        *(record_of(c, f"ce-{c.complaint_id}") for c in wave[:3]),
        record_of(early, "ce-early"),
        record_of(letters[0], "ce-L-1"),
        MALFORMED,
        record_of(reopened, "ce-reopen"),
        record_of(repeat(2), "ce-R-2"),
        *(record_of(c, f"ce-{c.complaint_id}") for c in wave[3:]),
        record_of(letters[1], "ce-L-2"),
        record_of(late, "ce-X-0"),
        record_of(letters[2], "ce-L-3"),
        record_of(repeat(0), "ce-R-0"),  # redelivery of a complaint stored before the batch
        record_of(wave[0], "ce-W-0"),  # redelivery inside the batch
        record_of(unsatisfied, "ce-fb-1"),  # a fact redelivered
    ]
    if poison:
        records.insert(12, record_of(complaint(WAVE, complaint_id="P-0", customer_key="cust-p"), "ce-P-0"))
    return records


def consumer(rules: Rules, *, batch: bool) -> tuple[EventConsumer, FakeComplaints, DeadLetters]:
    store = FakeComplaints()
    service = AnalysisService(
        complaints=store,
        templates=FakeTemplates(store, poison={"P-0"}),
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
        batch_handler=batched(service) if batch else None,
    )
    return events, store, dead


async def both(rules: Rules, batch: list[FailedRecord]) -> tuple[list[str], list[str], FakeComplaints, FakeComplaints]:
    """The batch one record at a time, and as one consumer batch, each after the same earlier records."""
    one_by_one, store_a, _ = consumer(rules, batch=False)
    batched_, store_b, _ = consumer(rules, batch=True)
    for record in earlier():
        await one_by_one.process(record)
        await batched_.process(record)
    writes_before = store_b.writes
    singles = [await one_by_one.process(record) for record in batch]
    outcomes = await batched_.process_batch(batch)
    store_b.writes -= writes_before
    return singles, outcomes, store_a, store_b


def assert_same_effects(a: FakeComplaints, b: FakeComplaints) -> None:
    assert {cid: r.analysis.model_dump() for cid, r in a.analyses.items()} == {
        cid: r.analysis.model_dump() for cid, r in b.analyses.items()
    }
    assert list(a.analyses) == list(b.analyses), "stored in the same order"
    assert [e.id for e in a.outbox] == [e.id for e in b.outbox]
    assert a.facts == b.facts
    assert {cid: row.applied for cid, row in a.rows.items()} == {cid: row.applied for cid, row in b.rows.items()}


async def test_a_mixed_batch_has_the_effects_of_its_records_one_by_one_in_one_write_per_run(rules: Rules) -> None:
    singles, outcomes, store_a, store_b = await both(rules, mixed_batch(poison=False))
    assert outcomes == singles
    assert outcomes.count("deadlettered") == 1
    assert outcomes[-3:] == ["duplicate", "duplicate", "duplicate"]
    assert_same_effects(store_a, store_b)
    assert store_b.writes == 2, "one write for each run of records on either side of the malformed one"
    analysis = {cid: r.analysis for cid, r in store_b.analyses.items()}
    assert analysis["R-2"].repeat_risk.band != "low", "the repeats saw their history, facts included"
    assert any("1 reopens" in reason for reason in analysis["R-2"].dimensions.feedback.reasons)
    flagged = ["agent_involved" in {s.name for s in analysis[f"L-{n}"].signals} for n in range(1, 4)]
    assert flagged == [True, True, True], "the template letters saw the earlier ones, stored or in the batch"
    assert store_b.rows["X-0"].facts, "the fact that came first was kept and its complaint filled in"


async def test_a_poison_complaint_is_dead_lettered_and_its_batch_still_equals_one_by_one(rules: Rules) -> None:
    batch = mixed_batch(poison=True)
    singles, outcomes, store_a, store_b = await both(rules, batch)
    assert outcomes == singles
    dead = [batch[i] for i, outcome in enumerate(outcomes) if outcome == "deadlettered"]
    assert [r.offset for r in dead] == [99, 0] and "P-0" not in store_b.analyses
    assert_same_effects(store_a, store_b)


async def test_a_redelivered_batch_changes_nothing(rules: Rules) -> None:
    events, store, _ = consumer(rules, batch=True)
    batch = mixed_batch(poison=False)
    first = await events.process_batch(batch)
    outbox, facts = len(store.outbox), store.facts
    again = await events.process_batch(batch)
    assert set(again) == {"duplicate", "deadlettered"}
    assert again.count("deadlettered") == first.count("deadlettered") == 1
    assert (len(store.outbox), store.facts) == (outbox, facts)
