"""Complaints written apart from the samples route as a complaint officer would route them."""

from __future__ import annotations

from typing import Any

import pytest

from tousu_analysis.domain.rules import Rules, load_rules
from tousu_escalation.domain.policy import Policy, load_policy
from tousu_tools.evaluate import evaluate

pytestmark = pytest.mark.unit

CASES = [
    ("我已经把这件事拍成视频发到抖音上了，很多人在评论，你们自己看着办！", "public_opinion"),
    ("我母亲今年79岁，在网点被业务员推荐买了一款保险，说是跟存款一样保本，现在要用钱取不出来。", "standard"),
    ("你们要是再不给我退钱，我就从你们大楼上跳下去。", "safety"),
    ("我不想走法律途径，也不会去找律师，就希望你们把多收的年费退给我。", "standard"),
    ("信用卡年费收了我300元，当时办卡说免年费，我要打12378投诉你们。", "standard"),
    ("我们小区有二十多户业主都买了这个理财产品，现在全部逾期兑付，大家一起去你们总行讨说法。", "group"),
    ("车险理赔定损太低，修理厂报价12000，你们只给8000，请重新定损。", "standard"),
    ("已经向法院提起诉讼，律师函已寄出，请贵司准备应诉。", "legal"),
    ("新闻里说“某银行员工泄露客户信息被媒体曝光”，我想确认我的信息有没有被泄露。", "standard"),
]


def _record(i: int, content: str, route: str) -> dict[str, Any]:
    body = {
        "channel": "app",
        "channel_ref": f"U-{i}",
        "received_at": "2026-11-20T10:00:00+08:00",
        "customer": {"ref": f"UNSEEN-{i}"},
        "product": {"line": "insurance" if i in (1, 6, 7) else "banking"},
        "content": content,
    }
    expect = {
        "route": route,
        "flags": [],
        "repeat_band": "low",
        "profile": "rational",
        "cause": "其他",
        "scenario": "x",
    }
    return {"body": body, "expect": expect}


@pytest.fixture(scope="module")
def loaded() -> tuple[Rules, Policy]:
    return load_rules(), load_policy()


@pytest.mark.parametrize(("index", "content", "route"), [(i, c, r) for i, (c, r) in enumerate(CASES)])
def test_unseen_complaint_gets_the_expected_route(
    index: int, content: str, route: str, loaded: tuple[Rules, Policy]
) -> None:
    rules, policy = loaded
    report = evaluate([_record(index, content, route)], rules=rules, policy=policy)
    assert report.route_macro_f1 == 1.0, content
