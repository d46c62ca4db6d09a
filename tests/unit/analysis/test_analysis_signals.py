"""Every signal of domain §4 fires on a positive example and stays quiet on a hard negative."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tousu_analysis.domain import SimilarTemplates

pytestmark = pytest.mark.unit

Fired = Callable[..., set[str]]

POSITIVES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "regulator_transfer",
        "消费者反映信用卡年费问题，请依规处理。",
        {"channel": "regulator_transfer", "regulator": True},
    ),
    ("regulator_transfer", "消费者反映年费问题。", {"channel": "hotline_12378"}),
    ("regulator_threat", "如果月底还不处理，我就打12378投诉你们。", {}),
    ("regulator_threat", "我已经向银保监会反映了这个问题。", {}),
    ("media_exposed", "你们看看网友怎么说你们的。", {"channel": "social_media"}),
    ("media_exposed", "我已经把聊天记录发到微博上了。", {}),
    ("media_threat", "再不解决我就去电视台找记者曝光。", {}),
    ("media_threat", "你们要是不退钱，我就发到抖音上。", {}),
    ("collective", "我们小区几十户业主大家一起去银行讨说法。", {}),
    ("collective", "我们两人一起来反映。", {"complainant_count": 2}),
    ("petition", "我已经去市信访局登记了。", {}),
    ("petition", "我打了12345市长热线。", {}),
    ("legal_action", "我已经委托律师，下周向法院起诉。", {}),
    ("legal_action", "请于十日内赔付。", {"representative": "lawyer"}),
    ("agent_involved", "请停息挂账，协商还款。", {}),
    ("agent_involved", "请尽快处理。", {"representative": "agent"}),
    ("extortion_pattern", "给我两万块钱，我就把投诉撤掉。", {}),
    ("self_harm", "你们再拖下去我真的不想活了。", {}),
    ("self_harm", "客户说“大不了跟你们同归于尽”。", {}),
    ("vulnerable", "我母亲是残疾人，行动不便。", {}),
    ("vulnerable", "请尽快处理。", {"age_band": "65+"}),
    ("high_emotion", "你们就是一群骗子！！", {}),
    ("high_emotion", "客户来电情绪非常激动。", {}),
    ("high_amount", "请退还款项。", {"amount_in_dispute": 80000}),
]

NEGATIVES: list[tuple[str, str, dict[str, Any]]] = [
    ("regulator_transfer", "我只是咨询一下年费。", {"channel": "app"}),
    ("regulator_threat", "我不是要闹到银保监那边，只想退年费。", {}),
    ("regulator_threat", "我在人民银行征信中心查到了逾期记录。", {}),
    ("media_exposed", "如果发到网上对大家都不好，我希望私下解决。", {}),
    ("media_threat", "我不会去找媒体的，只希望解决问题。", {}),
    ("media_threat", "我是刷小红书看到你们的活动才来开卡的。", {}),
    ("media_threat", "朋友劝我发微博我也没发，就想好好解决。", {}),
    ("media_threat", "新闻报道说“某银行被记者曝光了”，我想问问我的卡受不受影响。", {}),
    ("collective", "我们单位同事大家一起都办的这张卡，我只说我自己的事。", {}),
    ("petition", "我不是要去上访什么的，就是想问清楚利率。", {}),
    ("legal_action", "我表哥在法院工作，但我不想打官司，只想协商。", {}),
    ("legal_action", "客服告知“只能您自己找律师起诉对方”，我觉得不至于去打官司。", {}),
    ("legal_action", "报案后查勘员很快就到了现场。", {}),
    ("agent_involved", "请帮我把这个月的利息免了。", {}),
    ("extortion_pattern", "我要求赔偿损失，不然我就去媒体曝光。", {}),
    ("self_harm", "气死我了，手机银行又死机了。", {}),
    ("vulnerable", "我孩子5岁，想给他买份保险。", {}),
    ("high_emotion", "路上有个大坑，爆胎了，请协助理赔。", {}),
    ("high_emotion", "被邻居的狗咬了，请问疫苗能报销吗？", {}),
    ("high_amount", "请退还款项。", {"amount_in_dispute": 50000}),
]


@pytest.mark.parametrize(("signal", "text", "overrides"), POSITIVES)
def test_signal_fires_on_clear_evidence(fired: Fired, signal: str, text: str, overrides: dict[str, Any]) -> None:
    assert signal in fired(text, **overrides)


@pytest.mark.parametrize(("signal", "text", "overrides"), NEGATIVES)
def test_signal_stays_quiet_on_hard_negative(fired: Fired, signal: str, text: str, overrides: dict[str, Any]) -> None:
    assert signal not in fired(text, **overrides)


def test_negated_media_mention_does_not_fire_media_threat(fired: Fired) -> None:
    assert "media_threat" not in fired("我不会去找媒体，只想要个说法。")


def test_conditional_media_threat_fires(fired: Fired) -> None:
    assert "media_threat" in fired("如果月底前还是没人处理，我会把情况发到微博上。")


def test_evidence_span_points_at_the_matched_characters(make: Any, run: Any) -> None:
    text = "你好，我要找记者曝光你们！"
    analysis = run(make(text))
    signal = next(s for s in analysis.signals if s.name == "media_threat")
    for evidence in signal.evidence:
        assert evidence.kind == "text"
        assert text[evidence.start : evidence.end] == evidence.text


def test_evidence_offsets_survive_full_width_and_traditional_text(make: Any, run: Any) -> None:
    text = "我要找記者曝光你們！！"
    analysis = run(make(text))
    spans = [e for s in analysis.signals for e in s.evidence if e.kind == "text"]
    assert spans
    assert all(text[e.start : e.end] == e.text for e in spans)
    assert {"media_threat", "high_emotion"} <= {s.name for s in analysis.signals}


def test_homophone_evasion_is_caught(fired: Fired) -> None:
    assert "petition" in fired("再不解决我就去上坊。")


def test_exposure_already_happened_suppresses_the_threat(fired: Fired) -> None:
    names = fired("我要曝光你们的行为。", channel="social_media")
    assert "media_exposed" in names
    assert "media_threat" not in names


def test_regulator_transfer_suppresses_regulator_mention(fired: Fired) -> None:
    names = fired("金融监管局转办：请向银保监反映的消费者妥善处理。", channel="regulator_transfer")
    assert names >= {"regulator_transfer"}
    assert "regulator_threat" not in names


def test_template_text_of_other_customers_fires_agent_involved(make: Any, run: Any) -> None:
    complaint = make("本人因收入锐减暂时无法按原合同还款，" * 6)
    analysis = run(complaint, similar=SimilarTemplates(near_identical_customers=1, best_similarity=0.92))
    evidence = next(s for s in analysis.signals if s.name == "agent_involved").evidence
    assert evidence[0].kind == "history"


def test_shared_agent_phone_fires_agent_involved(make: Any, run: Any) -> None:
    analysis = run(make("请尽快处理我的问题。"), similar=SimilarTemplates(shared_phone_customers=2))
    assert "agent_involved" in {s.name for s in analysis.signals}


def test_short_texts_are_never_called_templates(make: Any, run: Any) -> None:
    analysis = run(make("请尽快处理。"), similar=SimilarTemplates(near_identical_customers=3))
    assert "agent_involved" not in {s.name for s in analysis.signals}
