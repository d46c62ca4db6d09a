"""The five dimensions respond to their own inputs, and the analysis is deterministic."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tousu_analysis.domain import CustomerHistory, HistoryItem, SimilarTemplates
from tousu_shared.events import MaskedRepresentative

pytestmark = pytest.mark.unit

PLAIN = "信用卡年费收了两次，请核实。"


def test_subject_rises_with_emotion_vulnerability_and_representation(make: Any, run: Any) -> None:
    calm = run(make(PLAIN)).dimensions.subject.score
    upset = run(make("你们这些骗子！！" + PLAIN)).dimensions.subject.score
    old = run(make(PLAIN, age_band="65+")).dimensions.subject.score
    agent = run(make(PLAIN, representative=MaskedRepresentative(kind="agent"))).dimensions.subject.score
    assert min(upset, old, agent) > calm


def test_substance_rises_with_amount_demand_and_cited_basis(make: Any, run: Any) -> None:
    small = run(make(PLAIN, amount_in_dispute=100)).dimensions.substance
    big = run(
        make(PLAIN + "依据《消费者权益保护法》第十条，请赔偿损失。", amount_in_dispute=300000)
    ).dimensions.substance
    assert big.score > small.score
    assert any("basis" in r for r in big.reasons)
    assert big.level in {"high", "critical"}


def test_environment_rises_with_outside_pressure(make: Any, run: Any) -> None:
    quiet = run(make(PLAIN)).dimensions.environment.score
    loud = run(make(PLAIN, channel="social_media", complainant_count=6)).dimensions.environment
    assert loud.score > quiet
    assert {"media_exposed", "collective"} <= set(loud.signals)


def test_process_counts_earlier_contacts_delays_and_elapsed_deadline(make: Any, rules: Any) -> None:
    from tousu_analysis.domain import analyze

    complaint = make(PLAIN + "至今没有任何答复，已经等了三周。")
    earlier = HistoryItem(
        complaint_id="C-0",
        received_at=complaint.received_at - timedelta(days=10),
        channel="app",
        product_line="banking",
        product_type="信用卡",
        cause="息费/收费",
    )
    fresh = analyze(
        complaint=make(PLAIN),
        history=CustomerHistory(customer_key="cust-a"),
        similar=SimilarTemplates(),
        rules=rules,
        now=complaint.received_at,
        analyzer_version="t",
    )
    late = analyze(
        complaint=complaint,
        history=CustomerHistory(customer_key="cust-a", items=[earlier]),
        similar=SimilarTemplates(),
        rules=rules,
        now=complaint.received_at + timedelta(days=10),
        analyzer_version="t",
    )
    assert late.dimensions.process.score > fresh.dimensions.process.score
    assert any(e.kind == "history" for e in late.dimensions.process.evidence)


def test_feedback_rises_with_unsatisfied_reopened_unremediated_history(make: Any, run: Any) -> None:
    complaint = make(PLAIN)
    earlier = HistoryItem(
        complaint_id="C-0",
        received_at=complaint.received_at - timedelta(days=20),
        channel="app",
        product_line="banking",
        product_type="信用卡",
        cause="息费/收费",
        unsatisfied_followups=1,
        reopens=1,
        decisions_not_accepted=1,
        remediated=False,
    )
    none = run(complaint).dimensions.feedback.score
    some = run(complaint, history=CustomerHistory(customer_key="cust-a", items=[earlier])).dimensions.feedback
    assert some.score > none
    assert some.level in {"high", "critical"}


def test_systemic_cluster_feeds_feedback_and_environment(make: Any, run: Any) -> None:
    alone = run(make(PLAIN))
    wave = run(make(PLAIN), similar=SimilarTemplates(matter_customers_7d=6))
    assert wave.dimensions.feedback.score > alone.dimensions.feedback.score
    assert wave.dimensions.environment.score > alone.dimensions.environment.score


def test_same_inputs_give_the_same_analysis(make: Any, run: Any) -> None:
    complaint = make("你们这些骗子！！我要找记者曝光，请退还年费。", amount_in_dispute=60000)
    assert run(complaint) == run(complaint)


def test_self_harm_makes_the_case_critical(make: Any, run: Any) -> None:
    analysis = run(make("催收天天打电话，我真的不想活了。"))
    assert analysis.severity == "critical"
    assert analysis.overall_score >= 80
