"""Profile rules (投诉人画像): multi-label with confidences."""

from __future__ import annotations

from typing import Any

import pytest

from tousu_analysis.domain import SimilarTemplates
from tousu_analysis.domain.profile import primary_label

pytestmark = pytest.mark.unit


def _labels(analysis: Any) -> dict[str, float]:
    return {p.label: p.confidence for p in analysis.profile}


def test_plain_complaint_is_rational(make: Any, run: Any, rules: Any) -> None:
    analysis = run(make("信用卡年费收了两次，请核实并退还。"))
    assert primary_label(analysis.profile, rules) == "rational"


def test_insults_make_the_complainant_emotional(make: Any, run: Any, rules: Any) -> None:
    analysis = run(make("什么破APP，垃圾！！赶紧修好！！"))
    assert _labels(analysis)["emotional"] >= 0.8
    assert primary_label(analysis.profile, rules) == "emotional"


def test_not_about_money_while_pressing_for_money_is_compensation_seeking(make: Any, run: Any) -> None:
    analysis = run(make("我不是为了钱，就是要讨个说法，你们必须赔偿我的精神损失。"))
    assert _labels(analysis)["compensation_seeking"] >= 0.6


def test_elderly_customer_is_vulnerable(make: Any, run: Any, rules: Any) -> None:
    analysis = run(make("年金停发两个月了。", age_band="65+"))
    assert primary_label(analysis.profile, rules) == "vulnerable"


def test_agent_representation_is_agent_driven(make: Any, run: Any, rules: Any) -> None:
    analysis = run(make("请停息挂账。", representative="agent"))
    assert primary_label(analysis.profile, rules) == "agent_driven"


def test_wave_of_same_matter_makes_a_group_member(make: Any, run: Any) -> None:
    analysis = run(make("分红险保底收益没兑现，请退保费。"), similar=SimilarTemplates(matter_customers_7d=4))
    assert _labels(analysis)["group_member"] >= 0.8


def test_rational_confidence_drops_when_other_motives_show(make: Any, run: Any) -> None:
    calm = _labels(run(make("请核实年费。")))["rational"]
    angry = _labels(run(make("你们这些骗子！！请核实年费。")))["rational"]
    assert angry < calm
