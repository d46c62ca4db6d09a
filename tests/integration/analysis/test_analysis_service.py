"""The analysis service against the real servers: events in on the intake topic, analyses out through its outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import SettingsFactory
from tests.integration.analysis.helpers import (
    analysed,
    metric,
    read_analyses,
    received,
    running_analysis,
    wrap,
)
from tests.support.kafka import publish
from tests.support.servers import eventually
from tousu_shared.events import ComplaintAnalyzed, ComplaintFeedbackReceived, Evidence, MaskedRepresentative
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration

EVIDENCE_TEXTS = [
    "我已經打１２３７８投訴了，你們再不處理我就發到微博曝光！這是第三次了！！",
    "车险理赔拖了两个月，我已经委托律师，下周向法院起诉。你们就是一群骗子！！",
    "信用卡年费收了两次，请退还一次年费。我母亲是残疾人，行动不便。",
]
LETTER = (
    "本人{name}于{year}年通过贵公司业务员购买了一份分红型寿险，业务员当时承诺保本保息、随时可以领取，"
    "并未告知犹豫期和提前解约的损失。现经核实，合同条款与当时的宣传严重不符，存在销售误导。"
    "依据《保险法》第十七条，保险人对免责条款未作提示和明确说明的，该条款不产生效力。"
    "本人要求贵公司退还已交保费{amount}元，并于十个工作日内书面答复。"
)
CLAIM_SEQUENCE = [
    (0, "车被撞了申请理赔，查勘员说可能是营运车辆要拒赔，请正常理赔。", "app"),
    (12, "上次电话里说一周内给理赔答复，已经两周了，请尽快理赔。", "hotline"),
    (26, "第三次来电了，你们就是想赖账，理赔到底什么时候给？", "hotline"),
]


def text_evidence(analysis: ComplaintAnalyzed) -> list[Evidence]:
    """Every text span of the analysis: on its signals and on its dimension scores."""
    spans = [e for s in analysis.signals for e in s.evidence]
    dims = analysis.dimensions
    for score in (dims.subject, dims.substance, dims.environment, dims.process, dims.feedback):
        spans += score.evidence
    return [e for e in spans if e.kind == "text"]


def signal_names(analysis: ComplaintAnalyzed) -> set[str]:
    return {s.name for s in analysis.signals}


async def test_received_complaints_are_analysed_with_evidence_spans_on_the_right_characters(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    complaints = [received(text) for text in EVIDENCE_TEXTS]
    async with running_analysis(make_settings("analysis")) as service:
        for complaint in complaints:
            await publish(kafka_bootstrap, topics.intake, wrap(complaint))
        records = await read_analyses(kafka_bootstrap, topics.analysis, ids={c.complaint_id for c in complaints})
        assert await metric(service.url, "tousu_analysis_repeat_risk_count") == len(complaints)
        assert await metric(service.url, "tousu_analysis_profile_total") >= len(complaints)
    results = analysed(records)
    for complaint in complaints:
        spans = text_evidence(results[complaint.complaint_id])
        assert spans, f"no text evidence for {complaint.content}"
        for evidence in spans:
            assert evidence.start is not None and evidence.end is not None
            assert complaint.content[evidence.start : evidence.end] == evidence.text
    assert {"regulator_threat", "media_threat"} <= signal_names(results[complaints[0].complaint_id])
    assert "legal_action" in signal_names(results[complaints[1].complaint_id])
    for record in records:
        assert record.key is not None and record.headers["ce_source"] == "tousu/analysis"


async def test_redelivery_of_the_same_ce_id_yields_one_analysis_and_counts_history_once(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    t0 = datetime.now(UTC) - timedelta(days=20)
    first = received(CLAIM_SEQUENCE[0][1], received_at=t0)
    feedback = ComplaintFeedbackReceived(
        complaint_id=first.complaint_id,
        customer_key=first.customer_key,
        feedback_id="fb-1",
        satisfaction="unsatisfied",
        contacted_at=t0 + timedelta(days=3),
    )
    async with running_analysis(make_settings("analysis")) as service:
        for envelope in (wrap(first, event_id="ce-received-1"), wrap(feedback, event_id="ce-feedback-1")):
            await publish(kafka_bootstrap, topics.intake, envelope)
            await publish(kafka_bootstrap, topics.intake, envelope)  # redelivered
        await eventually(lambda: _outcome_total(service.url, "duplicate", 2.0), timeout_s=30)
        assert await metric(service.url, "tousu_events_processed_total", outcome="processed") == 2.0
        records = await read_analyses(kafka_bootstrap, topics.analysis, ids={first.complaint_id})
        stored = service.db["analysis_complaints"]
        assert await stored.count_documents({"customer_key": first.customer_key}) == 1
        doc = await stored.find_one({"_id": first.complaint_id})
        assert doc is not None and len(doc["facts"]) == 1 and doc["applied"] == ["ce-feedback-1"]
        second = received(
            CLAIM_SEQUENCE[1][1],
            customer_key=first.customer_key,
            received_at=t0 + timedelta(days=12),
            channel="hotline",
        )
        await publish(kafka_bootstrap, topics.intake, wrap(second))
        records = await read_analyses(kafka_bootstrap, topics.analysis, ids={first.complaint_id, second.complaint_id})
    assert len([r for r in records if r.headers["ce_subject"] == first.complaint_id]) == 1
    later = analysed(records)[second.complaint_id]
    assert any("1 earlier complaints" in reason for reason in later.dimensions.process.reasons)
    assert any("1 unsatisfied follow-ups" in reason for reason in later.dimensions.feedback.reasons)


async def _outcome_total(url: str, outcome: str, expected: float) -> bool:
    return await metric(url, "tousu_events_processed_total", outcome=outcome) >= expected


async def test_a_template_letter_for_five_customers_is_flagged_agent_involved_from_the_second(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    # placeholders, not names: this test publishes raw received events (intake would have masked a name),
    # and a name that the run's generated complainants happen to share would read as a leak in the scan
    names = ["甲先生", "乙女士", "丙先生", "丁女士", "戊先生"]
    letters = [received(LETTER.format(name=n, year=2019 + i, amount=30000 + 700 * i)) for i, n in enumerate(names)]
    assert all(letter.representative is None for letter in letters)
    flagged = []
    async with running_analysis(make_settings("analysis")):
        for letter in letters:  # one at a time: each customer's key lands on its own partition
            await publish(kafka_bootstrap, topics.intake, wrap(letter))
            records = await read_analyses(kafka_bootstrap, topics.analysis, ids={letter.complaint_id})
            flagged.append("agent_involved" in signal_names(analysed(records)[letter.complaint_id]))
    assert flagged == [False, True, True, True, True]


async def test_a_shared_representative_phone_across_customers_is_flagged(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    rep = MaskedRepresentative(kind="family", phone_masked="138****0000", phone_key="pk-shared-agent")
    complaints = [received("车险定损太慢，请尽快定损。", representative=rep) for _ in range(2)]
    flagged = []
    async with running_analysis(make_settings("analysis")):
        for complaint in complaints:
            await publish(kafka_bootstrap, topics.intake, wrap(complaint))
            records = await read_analyses(kafka_bootstrap, topics.analysis, ids={complaint.complaint_id})
            flagged.append("agent_involved" in signal_names(analysed(records)[complaint.complaint_id]))
    assert flagged == [False, True]


async def test_a_customers_third_same_matter_complaint_raises_repeat_risk(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    t0 = datetime.now(UTC) - timedelta(days=30)
    customer = "ck-repeat-customer"
    complaints = [
        received(text, customer_key=customer, received_at=t0 + timedelta(days=day), channel=channel)
        for day, text, channel in CLAIM_SEQUENCE
    ]
    async with running_analysis(make_settings("analysis")):
        for complaint in complaints:  # one customer: one partition, processed in order
            await publish(kafka_bootstrap, topics.intake, wrap(complaint))
        records = await read_analyses(kafka_bootstrap, topics.analysis, ids={c.complaint_id for c in complaints})
    results = analysed(records)
    risks = [results[c.complaint_id].repeat_risk for c in complaints]
    assert risks[0].band == "low"
    assert risks[2].band in ("medium", "high")
    assert risks[2].score > risks[1].score > risks[0].score
    assert risks[2].same_matter_count == 2
