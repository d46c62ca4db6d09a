"""Self-harm and harm-to-others detection: recall 1.0 in every style, idioms stay quiet, edits cannot lose it."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from tousu_analysis.adapters.rules_file import load_configured_rules
from tousu_analysis.domain.canaries import fires, missed_canaries, packaged_canaries
from tousu_analysis.domain.rules import Rules, RulesError, load_rules
from tousu_escalation.domain.policy import load_policy
from tousu_tools.evaluate import evaluate

pytestmark = pytest.mark.unit

CANARIES = packaged_canaries()["self_harm"]

# Figurative idioms, unrelated uses of the same characters, and hard negatives from the
# products' own vocabulary (a death claim, a frozen app, a cut credit line).
QUIET = [
    "手机银行一直死机，转账失败。",
    "APP卡死了，页面打不开。",
    "客服死活不给退年费。",
    "气死我了，排队两个小时。",
    "笑死，这种理由也能拒赔？",
    "累死了，跑了三趟网点。",
    "被杀猪盘骗了五万元，要求银行协助冻结。",
    "大数据杀熟，老用户利率更高。",
    "你们这是杀人不见血的收费。",
    "我父亲因病死亡，保险公司拒绝赔付身故保险金。",
    "被保险人于2026年3月死于车祸，理赔至今未结。",
    "父亲死后，银行要求我们继承人还款。",
    "我和孩子一起去网点办理业务，等了两个小时。",
    "我和老婆一起走到柜台，柜员态度很差。",
    "我走了之后柜员才打电话说资料不全。",
    "那天我不在，家里人接的电话。",
    "这笔贷款成了我们家的负担。",
    "砍了我的信用卡额度也不通知。",
    "打你们客服电话一直没人接。",
    "股价跳水，理财亏损严重，要求说明风险。",
    "我活期账户被冻结了。",
    "不想活动了，请取消积分活动的短信。",
    "想死你们的优惠券了，但年费必须退。",
    "I have been dying to get an answer from you.",
    "This fee is killing me, please waive it.",
    "I almost shot myself in the foot by signing this.",
    "I had to take my kids to the branch twice.",
    "这样做是把你们银行的招牌砸了。",
    "我把手机砸了也登不上手机银行。",
    "网点把我的资料弄丢了，又把我的申请拆成两笔。",
    "他把公司的账户销掉了，我的工资发不出来。",
    "“跳楼价”分期手续费原来是每期收的，宣传误导。",
    "柜员让我从楼上下来排队，又让我上去填表。",
    "这是我最后一次投诉，再不处理我就打12378。",
    "我在江边的网点办的卡，现在异地不能销户。",
    "商场搞“自杀式营销”，刷你们的信用卡却被加收手续费。",
    "我知道你们几点下班，所以特意五点前赶到网点。",
]


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules()


@pytest.mark.parametrize("text", CANARIES)
def test_every_canary_statement_is_detected(text: str, rules: Rules) -> None:
    assert fires(signal="self_harm", text=text, rules=rules), text


@pytest.mark.parametrize("text", QUIET)
def test_figurative_idioms_and_unrelated_uses_stay_quiet(text: str, rules: Rules) -> None:
    assert not fires(signal="self_harm", text=text, rules=rules), text


def test_the_canary_set_covers_every_style_a_customer_uses() -> None:
    joined = "\n".join(CANARIES)
    assert len(CANARIES) >= 80
    assert any(c.isascii() for c in CANARIES)  # English
    assert any(mark in joined for mark in ("殺", "樓", "們"))  # traditional characters
    assert sum(t.startswith(("客户", "来电人", "坐席")) for t in CANARIES) >= 5  # hotline transcriptions
    assert sum("孩子" in t or "全家" in t or "女儿" in t for t in CANARIES) >= 4  # family taken along


@pytest.mark.parametrize(
    "text",
    [
        "I'm done. If this isn't sorted out by Friday I will kill myself.",
        "再不解决，我就带着孩子一起走，你们别后悔。",
        "我不会自杀的，但我真的快撑不住了。",
    ],
)
def test_self_harm_routes_to_the_crisis_team_whatever_the_phrasing(text: str, rules: Rules) -> None:
    body = {
        "channel": "hotline",
        "channel_ref": "SAFE-1",
        "received_at": "2026-11-20T10:00:00+08:00",
        "customer": {"ref": "SAFE-CUST"},
        "product": {"line": "banking", "type": "信用卡"},
        "content": text,
    }
    expect = {"route": "safety", "flags": ["self_harm"], "repeat_band": "low", "profile": "emotional"}
    report = evaluate(
        [{"body": body, "expect": {**expect, "cause": "其他", "scenario": "x"}}], rules=rules, policy=load_policy()
    )
    assert report.route_macro_f1 == 1.0, text


def _without_terms(tmp_path: Path, *dropped: str) -> Path:
    """The default rules file with some self-harm terms removed, as an institution might edit it."""
    default = resources.files("tousu_analysis.rules").joinpath("default.yaml")
    data = yaml.safe_load(default.read_text(encoding="utf-8"))
    lexicon = data["signals"]["self_harm"]["lexicon"]
    lexicon["terms"] = [t for t in lexicon["terms"] if t not in dropped]
    lexicon["patterns"] = [p for p in lexicon["patterns"] if not any(d in p for d in dropped)]
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_a_rules_edit_that_loses_a_canary_is_refused_at_start_up(tmp_path: Path) -> None:
    path = _without_terms(tmp_path, "suicid", "kill|killing")
    with pytest.raises(RulesError, match="I'm thinking about suicide every night"):
        load_configured_rules(path)


def test_an_edit_that_keeps_every_canary_loads(tmp_path: Path) -> None:
    path = _without_terms(tmp_path, "自挂东南枝")
    assert load_configured_rules(path).signals["self_harm"]


def test_a_canary_for_a_signal_the_rules_lack_counts_as_missed(rules: Rules) -> None:
    assert missed_canaries(rules=rules, canaries={"no_such_signal": ["x"]}) == {"no_such_signal": ["x"]}
