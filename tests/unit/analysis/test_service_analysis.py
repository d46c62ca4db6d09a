"""The analysis service's orchestration, with hand-written fakes of its two repository ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.unit.analysis.fakes import FakeComplaints, FakeTemplates
from tousu_analysis.domain import Rules
from tousu_analysis.domain.updates import HistoryFact
from tousu_analysis.domain.working_set import HistoryWindow
from tousu_analysis.metrics import AnalysisMetrics
from tousu_analysis.service import AnalysisService, Limits, analyzed_event_id
from tousu_shared.events import (
    ComplaintAnalyzed,
    ComplaintReceived,
    MaskedCustomer,
    MaskedRepresentative,
    Product,
)

pytestmark = pytest.mark.unit

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)
LETTER = (
    "本人{name}于{year}年通过贵公司业务员购买了一份分红型寿险，业务员当时承诺保本保息、随时可以领取，"
    "并未告知犹豫期和提前解约的损失。现经核实，合同条款与当时的宣传严重不符，存在销售误导。"
    "依据《保险法》第十七条，保险人对免责条款未作提示和明确说明的，该条款不产生效力。"
    "本人要求贵公司退还已交保费{amount}元，并于十个工作日内书面答复。"
)


@dataclass
class Harness:
    """The service wired to fakes, and what it touched."""

    service: AnalysisService
    store: FakeComplaints
    metrics: AnalysisMetrics
    notified: list[int]

    async def analyse(self, complaint: ComplaintReceived, *, event_id: str | None = None) -> str:
        return await self.service.analyse(event_id=event_id or f"ce-{complaint.complaint_id}", complaint=complaint)

    def analysis(self, complaint_id: str) -> ComplaintAnalyzed:
        return self.store.analyses[complaint_id].analysis

    def sample(self, name: str, labels: dict[str, str] | None = None) -> float:
        return self.metrics.registry.get_sample_value(name, labels or {}) or 0.0


@pytest.fixture
def harness(rules: Rules) -> Harness:
    store = FakeComplaints()
    metrics = AnalysisMetrics(service="analysis")
    notified: list[int] = []
    service = AnalysisService(
        complaints=store,
        templates=FakeTemplates(store),
        rules=rules,
        metrics=metrics,
        analyzer_version="test",
        limits=Limits(history=100),
        notify=lambda: notified.append(1),
        clock=lambda: NOW,
    )
    return Harness(service, store, metrics, notified)


def complaint(content: str, **overrides: Any) -> ComplaintReceived:
    """A `complaint.received` payload; keyword overrides win."""
    received_at = overrides.pop("received_at", T0)
    fields: dict[str, Any] = {
        "complaint_id": "C-1",
        "customer_key": "cust-a",
        "channel": "app",
        "channel_ref": "ref-1",
        "received_at": received_at,
        "due_at": received_at + timedelta(days=15),
        "customer": MaskedCustomer(age_band="18-44"),
        "product": Product(line="insurance", type="车险"),
        "content": content,
    }
    fields.update(overrides)
    return ComplaintReceived(**fields)


CLAIM_SEQUENCE = [
    (0, "车被撞了申请理赔，查勘员说可能是营运车辆要拒赔，请正常理赔。", "app"),
    (12, "上次电话里说一周内给理赔答复，已经两周了，请尽快理赔。", "hotline"),
    (26, "第三次来电了，你们就是想赖账，理赔到底什么时候给？", "hotline"),
]


async def test_a_received_complaint_is_stored_once_with_its_analyzed_event(harness: Harness) -> None:
    first = complaint("信用卡年费收了两次，请退还一次年费。", product=Product(line="banking", type="信用卡"))
    assert await harness.analyse(first) == "analyzed"
    assert await harness.analyse(first) == "duplicate"
    assert len(harness.store.outbox) == 1
    event = harness.store.outbox[0]
    assert event.type == "complaint.analyzed"
    assert event.id == analyzed_event_id("C-1")
    assert event.source == "tousu/analysis"
    assert event.data.complaint_id == "C-1"
    assert harness.notified == [1]
    assert harness.sample("tousu_analysis_repeat_risk_count") == 1.0


async def test_the_stored_item_is_what_later_history_reads(harness: Harness) -> None:
    await harness.analyse(complaint("车险定损太慢，请尽快定损。"))
    record = harness.store.analyses["C-1"]
    assert record.item.complaint_id == "C-1"
    assert record.item.signature == list(record.analysis.matter.signature)
    assert (
        record.matter_key == f"insurance|{record.analysis.matter.product_type or '-'}|{record.analysis.cause_category}"
    )
    assert len(record.minhash) == 128
    assert record.source_event_id == "ce-C-1"


async def test_third_same_matter_complaint_in_thirty_days_raises_repeat_risk(harness: Harness) -> None:
    for number, (day, text, channel) in enumerate(CLAIM_SEQUENCE, start=1):
        received = complaint(text, complaint_id=f"C-{number}", received_at=T0 + timedelta(days=day), channel=channel)
        assert await harness.analyse(received) == "analyzed"
    risks = [harness.analysis(f"C-{n}").repeat_risk for n in (1, 2, 3)]
    assert risks[0].band == "low"
    assert risks[2].band in ("medium", "high")
    assert risks[2].score > risks[0].score
    assert risks[2].same_matter_count == 2


async def test_history_is_read_for_the_repeat_window_before_the_complaint_and_bounded(harness: Harness) -> None:
    await harness.analyse(complaint("车险定损太慢，请尽快定损。"))
    read = harness.store.reads[0]
    assert read["windows"] == [HistoryWindow("cust-a", T0 - timedelta(days=180), T0)]
    assert read["limit"] == 100 and read["ids"] == ["C-1"]


async def test_a_template_letter_for_other_customers_flags_agent_involved_from_the_second(harness: Harness) -> None:
    flagged = []
    for n, name in enumerate(["王小明", "李晓红", "张伟强"]):
        text = LETTER.format(name=name, year=2019 + n, amount=30000 + 1000 * n)
        received = complaint(text, complaint_id=f"C-{n}", customer_key=f"cust-{n}", received_at=T0 + timedelta(hours=n))
        await harness.analyse(received)
        flagged.append("agent_involved" in {s.name for s in harness.analysis(f"C-{n}").signals})
    assert flagged == [False, True, True]


async def test_the_same_customer_resending_a_letter_is_not_a_template(harness: Harness) -> None:
    text = LETTER.format(name="王小明", year=2019, amount=30000)
    for n in range(2):
        await harness.analyse(complaint(text, complaint_id=f"C-{n}", received_at=T0 + timedelta(days=n)))
    assert "agent_involved" not in {s.name for s in harness.analysis("C-1").signals}


async def test_the_same_representative_phone_across_customers_flags_agent_involved(harness: Harness) -> None:
    for n in range(2):
        rep = MaskedRepresentative(kind="family", phone_masked="138****0000", phone_key="phone-1")
        received = complaint(
            "车险定损太慢，请尽快定损。", complaint_id=f"C-{n}", customer_key=f"cust-{n}", representative=rep
        )
        await harness.analyse(received)
    assert "agent_involved" not in {s.name for s in harness.analysis("C-0").signals}
    assert "agent_involved" in {s.name for s in harness.analysis("C-1").signals}
    assert harness.store.analyses["C-1"].phone_key == "phone-1"


async def test_an_unsatisfied_follow_up_is_applied_once(harness: Harness) -> None:
    await harness.analyse(complaint("车险定损太慢，请尽快定损。"))
    fact = HistoryFact(kind="feedback", occurred_at=T0 + timedelta(days=5), satisfaction="unsatisfied")
    first = await harness.service.record(event_id="fb-1", complaint_id="C-1", customer_key="cust-a", fact=fact)
    again = await harness.service.record(event_id="fb-1", complaint_id="C-1", customer_key="cust-a", fact=fact)
    assert (first, again) == ("applied", "duplicate")
    history = await harness.store.history(customer_key="cust-a", since=T0, until=NOW, limit=10)
    assert history.items[0].unsatisfied_followups == 1
    assert harness.sample("tousu_analysis_history_updates_total", {"kind": "feedback", "outcome": "duplicate"}) == 1


@pytest.mark.parametrize(
    "fact",
    [
        HistoryFact(kind="action", occurred_at=T0, action_type="note"),
        HistoryFact(kind="feedback", occurred_at=T0, satisfaction="satisfied"),
        HistoryFact(kind="feedback", occurred_at=T0, satisfaction=None),
    ],
)
async def test_a_fact_that_changes_no_history_is_not_written(harness: Harness, fact: HistoryFact) -> None:
    outcome = await harness.service.record(event_id="e-1", complaint_id="C-1", customer_key="cust-a", fact=fact)
    assert outcome == "no_effect"
    assert harness.store.facts == {}


async def test_a_reopen_feeds_the_next_same_matter_analysis(harness: Harness) -> None:
    day, text, channel = CLAIM_SEQUENCE[0]
    await harness.analyse(complaint(text, complaint_id="C-1", channel=channel))
    reopen = HistoryFact(kind="reopen", occurred_at=T0 + timedelta(days=10))
    assert (
        await harness.service.record(event_id="r-1", complaint_id="C-1", customer_key="cust-a", fact=reopen)
        == "applied"
    )
    day, text, channel = CLAIM_SEQUENCE[1]
    await harness.analyse(complaint(text, complaint_id="C-2", received_at=T0 + timedelta(days=day), channel=channel))
    feedback = harness.analysis("C-2").dimensions.feedback
    assert any("1 reopens" in reason for reason in feedback.reasons)


async def test_profile_and_severity_are_counted_for_new_analyses_only(harness: Harness) -> None:
    received = complaint("车险定损太慢，请尽快定损。")
    await harness.analyse(received)
    await harness.analyse(received)
    profiles = sum(
        s.value
        for metric in harness.metrics.registry.collect()
        if metric.name == "tousu_analysis_profile"
        for s in metric.samples
        if s.name == "tousu_analysis_profile_total"
    )
    assert profiles == len(harness.analysis("C-1").profile)
    assert harness.sample("tousu_analysis_severity_total", {"severity": harness.analysis("C-1").severity}) == 1
