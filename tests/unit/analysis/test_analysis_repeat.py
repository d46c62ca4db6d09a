"""缠诉 repeat risk from the customer's own history (domain §3)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tousu_analysis.domain import CustomerHistory, history_item_from, with_feedback, with_reopen
from tousu_shared.events import Product

pytestmark = pytest.mark.unit

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def _sequence(make: Any, run: Any, steps: list[dict[str, Any]]) -> list[Any]:
    items, results = [], []
    for number, step in enumerate(steps, start=1):
        complaint = make(
            step["text"],
            complaint_id=f"C-{number}",
            received_at=T0 + timedelta(days=step["day"]),
            channel=step.get("channel", "app"),
            product=step.get("product", Product(line="insurance", type="车险")),
        )
        analysis = run(complaint, history=CustomerHistory(customer_key="cust-a", items=items))
        items.append(history_item_from(analysis))
        results.append(analysis)
    return results


ESCALATING = [
    {"day": 0, "text": "车被撞了申请理赔，查勘员说可能是营运车辆要拒赔，请正常理赔。", "channel": "app"},
    {"day": 12, "text": "上次电话里说一周内给理赔答复，已经两周了，请尽快理赔。", "channel": "hotline"},
    {"day": 26, "text": "第三次来电了，你们就是想赖账，无耻！！理赔到底什么时候给？", "channel": "hotline"},
    {"day": 41, "text": "理赔拖了六周，我已经打12378投诉了，每天都会来电直到解决。", "channel": "hotline_12378"},
]


def test_four_complaint_sequence_with_channel_escalation_ends_high(make: Any, run: Any) -> None:
    results = _sequence(make, run, ESCALATING)
    bands = [r.repeat_risk.band for r in results]
    assert bands == ["low", "medium", "high", "high"]
    last = results[-1].repeat_risk
    factors = {f.factor: f for f in last.factors}
    assert factors["channel_escalated"].value == 1
    assert factors["distinct_channels"].value == 3
    assert last.same_matter_count == 3
    assert last.score >= 0.8


def test_four_unrelated_complaints_by_one_customer_stay_low(make: Any, run: Any) -> None:
    steps = [
        {"day": 0, "text": "信用卡年费收了两次，请退还一次年费。", "product": Product(line="banking", type="信用卡")},
        {"day": 10, "text": "车险理赔定损太慢，请尽快定损。", "product": Product(line="insurance", type="车险")},
        {
            "day": 20,
            "text": "手机银行人脸识别一直失败，无法转账。",
            "product": Product(line="banking", type="手机银行"),
        },
        {"day": 30, "text": "理财产品收益和宣传的保底收益不一致。", "product": Product(line="wealth", type="理财")},
    ]
    results = _sequence(make, run, steps)
    assert [r.repeat_risk.band for r in results] == ["low"] * 4
    assert results[-1].repeat_risk.same_matter_count == 0


def test_first_complaint_is_never_high_on_repetition_alone(make: Any, run: Any) -> None:
    text = "第五次投诉了！！你们这些骗子，无耻，我每天都来电直到解决！！！"
    analysis = run(make(text, channel="hotline_12378"))
    assert analysis.repeat_risk.band == "low"
    assert analysis.repeat_risk.score < 0.4


def test_second_raise_of_the_same_contract_is_medium(make: Any, run: Any) -> None:
    product = Product(line="insurance", type="医疗险", policy_or_account_masked="****0061479")
    first = run(make("日间手术被拒赔。", complaint_id="C-1", product=product))
    history = CustomerHistory(customer_key="cust-a", items=[history_item_from(first)])
    second = run(
        make("医院清单的问题没有书面答复。", complaint_id="C-2", product=product, received_at=T0 + timedelta(days=14)),
        history=history,
    )
    assert second.repeat_risk.band == "medium"


def test_old_complaints_outside_half_a_year_do_not_count(make: Any, run: Any) -> None:
    first = run(make("信用卡年费问题，请退年费。", complaint_id="C-1"))
    history = CustomerHistory(customer_key="cust-a", items=[history_item_from(first)])
    later = run(
        make("信用卡年费又收了，请退年费。", complaint_id="C-2", received_at=T0 + timedelta(days=200)), history=history
    )
    assert later.repeat_risk.same_matter_count == 0


def test_reopened_and_unsatisfied_history_raises_repeat_risk(make: Any, run: Any) -> None:
    first = run(make("信用卡年费问题，请退年费。", complaint_id="C-1"))
    plain = history_item_from(first)
    unhappy = with_reopen(with_feedback(plain, satisfaction="unsatisfied"))
    second = make("年费还是没退，请退年费。", complaint_id="C-2", received_at=T0 + timedelta(days=20))
    calm = run(second, history=CustomerHistory(customer_key="cust-a", items=[plain]))
    upset = run(second, history=CustomerHistory(customer_key="cust-a", items=[unhappy]))
    assert upset.repeat_risk.score > calm.repeat_risk.score
    assert upset.repeat_risk.band == "high"  # a reopen is another raise of the same matter
    assert upset.dimensions.feedback.score > calm.dimensions.feedback.score


def test_redelivered_complaint_does_not_count_itself(make: Any, run: Any) -> None:
    complaint = make("信用卡年费问题，请退年费。")
    first = run(complaint)
    again = run(complaint, history=CustomerHistory(customer_key="cust-a", items=[history_item_from(first)]))
    assert again.repeat_risk == first.repeat_risk


def test_unclassified_follow_up_inherits_the_cause_of_its_matter(make: Any, run: Any) -> None:
    product = Product(line="wealth", type="理财")
    first = run(make("理财经理推荐的保底产品，实为私募，未兑付。", complaint_id="C-1", product=product))
    follow = run(
        make(
            "投诉后银行仍无实质答复，我要领导出面。",
            complaint_id="C-2",
            product=product,
            received_at=T0 + timedelta(days=10),
        ),
        history=CustomerHistory(customer_key="cust-a", items=[history_item_from(first)]),
    )
    assert follow.cause_category == first.cause_category == "销售误导"
    assert follow.repeat_risk.same_matter_count == 1
