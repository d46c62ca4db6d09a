"""Someone else's action, a report, an old or closed matter: a keyword about them fires no signal, and says why."""

from __future__ import annotations

from typing import Any

import pytest

from tousu_analysis.domain import Rules

pytestmark = pytest.mark.unit


@pytest.fixture
def analyse(make: Any, run: Any) -> Any:
    """Analyse a text with no history."""
    return lambda text: run(make(text))


SET_ASIDE = [
    ("legal_action", "我朋友去年起诉过他们银行，我这次只是想退年费。", "third_party"),
    ("legal_action", "看到新闻说有人起诉了保险公司，我想问下我的保单有没有问题。", "reported"),
    ("legal_action", "去年家里被盗报警后找回了，跟这次无关，只是想补办银行卡。", "unrelated_past"),
    ("legal_action", "以前那笔车贷的诉讼已经结案了，现在想咨询提前还款。", "unrelated_past"),
    ("petition", "邻居说要去上访，我不想掺和，只想把贷款利率问题解决。", "third_party"),
    ("media_threat", "同事说可以发到网上曝光，但我还是想先和你们沟通。", "third_party"),
    ("regulator_threat", "听说有人打12378投诉过，我想先问问你们怎么处理。", "reported"),
    ("agent_involved", "有代理机构打电话让我全额退保，我没理。", "declined"),
    ("agent_involved", "朋友推荐我找停息挂账的公司我没去，还是想自己跟你们协商。", "negated"),
    ("agent_involved", "我不需要什么法务老师，我自己能处理。", "negated"),
]

STILL_FIRE = [
    ("legal_action", "我已经委托律师，准备起诉你们。"),
    ("legal_action", "我去年就投诉过，到现在还没解决，我要去法院起诉。"),
    ("legal_action", "我朋友帮我联系了律师，我要起诉。"),
    ("legal_action", "这件事我去年就报警了，至今没有处理。"),
    ("legal_action", "我曾经多次投诉无果，现在只能走法律途径。"),
    ("legal_action", "以前的客服说可以退，现在又不退，我要起诉。"),
    ("legal_action", "有人冒用我身份办了信用卡我要报警"),
    ("legal_action", "有人冒用我的身份办卡，我已经报警了。"),
    ("petition", "再不处理我就去信访局上访。"),
    ("agent_involved", "我已经委托代理维权公司全额退保，我不同意你们的方案。"),
    ("legal_action", "我已经起诉了，我没答应你们的调解方案。"),
    ("media_threat", "你们再拖我就找记者曝光。"),
    ("self_harm", "我朋友说他不想活了，我也一样不想活了。"),
    ("self_harm", "去年我就想过自杀。"),
]


@pytest.mark.parametrize(("signal", "text", "reason"), SET_ASIDE)
def test_a_keyword_about_someone_else_a_report_or_an_old_matter_is_set_aside_with_its_reason(
    signal: str, text: str, reason: str, analyse: Any
) -> None:
    analysis = analyse(text)
    assert signal not in {s.name for s in analysis.signals}, text
    reasons = {(s.signal, s.reason) for s in analysis.suppressed}
    assert (signal, reason) in reasons, f"{text}: {reasons}"


@pytest.mark.parametrize(("signal", "text"), STILL_FIRE)
def test_the_complainants_own_current_matter_still_fires(signal: str, text: str, analyse: Any) -> None:
    assert signal in {s.name for s in analyse(text).signals}, text


def test_the_suppressed_span_points_into_the_content(analyse: Any, rules: Rules) -> None:
    text = "我朋友去年起诉过他们银行，我这次只是想退年费。"
    span = next(s for s in analyse(text).suppressed if s.signal == "legal_action")
    assert text[span.start : span.end] == span.text == "起诉"
