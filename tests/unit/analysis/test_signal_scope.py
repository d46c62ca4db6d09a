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
    # a refusal a few clauses after the offer's terms
    ("agent_involved", "有个中介说能帮我停息挂账，先交2000元服务费，我直接拉黑了。", "declined"),
    ("agent_involved", "来电人称接到推销代理退保的电话，说退回全部保费，抽成两成，来电人没有理会。", "declined"),
    # the hotline agent narrating their own actions
    ("legal_action", "客户情绪激动扬言要跳楼。坐席稳住客户，同时联系网点报警。", "third_party"),
    ("legal_action", "I will not sue you, I just want the fee refunded.", "negated"),
    # the third person's story goes on in the next clauses until 我 is a clause's subject again
    ("legal_action", "我同事和我情况一样，跟你们打了官司，法院判了退款。", "third_party"),
]

# Pattern-level exclusions: the same words in another role are no signal at all.
NOT_A_SIGNAL = [
    ("petition", "给我办业务的是工号12345的柜员，她说下周到账。"),
    ("petition", "我的订单号:12345，退款一直没到。"),
    ("legal_action", "车被盗后派出所开了立案证明，理赔材料早就交齐了。"),
    ("legal_action", "手机被抢，报警回执也附上了，请按盗抢险赔付。"),
    ("legal_action", "我在律师事务所上班，工资卡被冻结了，请尽快解冻。"),
    ("legal_action", "I work at a law firm and my salary card was frozen."),
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
    ("legal_action", "我朋友去年跟你们打了官司，赢了，我也要起诉你们。"),
    # English and mixed text
    ("legal_action", "If this is not fixed by Monday my lawyer will file a lawsuit."),
    ("legal_action", "我已经 hire 了 lawyer，下周起诉。"),
    ("media_threat", "If you keep ignoring me I'm going to post the whole thing on Weibo."),
    ("media_exposed", "I have already posted the recording on Douyin and it went viral."),
    ("media_exposed", "我已经在小红书上发帖了，评论很多。"),
    # money for silence, whatever the verb
    ("extortion_pattern", "补偿我两万块，我马上删帖，也不再追究。"),
    # a severe illness under treatment
    ("vulnerable", "我在做透析，每周三次，没法一直跑网点。"),
    # an agent's offer with no refusal after it still counts
    ("agent_involved", "有个中介说能帮我停息挂账，先交2000元服务费，我已经交了。"),
]


@pytest.mark.parametrize(("signal", "text"), NOT_A_SIGNAL)
def test_the_same_words_in_another_role_are_no_signal(signal: str, text: str, analyse: Any) -> None:
    assert signal not in {s.name for s in analyse(text).signals}, text


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
