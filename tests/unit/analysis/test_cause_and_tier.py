"""Cause by weighted evidence over the whole text, tier by points: both decided with their reasons."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tousu_analysis.domain import Rules
from tousu_analysis.domain.amounts import largest_stated, stated_amounts
from tousu_analysis.domain.cause import assess_cause
from tousu_analysis.domain.rules import RulesError, parse_rules
from tousu_analysis.domain.text import TextView, normalise
from tousu_shared.cause_codes import load_cause_codes

pytestmark = pytest.mark.unit


def cause_of(text: str, rules: Rules, demands: str = "") -> Any:
    view = TextView(text, normalise(text, rules=rules.text), rules.text)
    return assess_cause(view=view, demands=rules.text.normalise_term(demands), demands_original=demands, rules=rules)


# --- cause ---------------------------------------------------------------------------------------

SURRENDER_FEE = "我去年买的分红险，今年退保被扣了三成手续费，6万只退回4万2，请退还扣掉的钱。"
PROMISE = "当时业务员承诺保本，说跟存款一样，随时退不会亏。"


def test_the_fee_or_surrender_alone_is_a_fee_or_surrender_dispute(rules: Rules) -> None:
    assert cause_of(SURRENDER_FEE, rules).category in {"退保纠纷", "息费/收费"}


def test_a_mis_selling_cue_outweighs_the_fee_and_surrender_it_led_to(rules: Rules) -> None:
    plain = cause_of(SURRENDER_FEE, rules)
    sold = cause_of(SURRENDER_FEE + PROMISE, rules)
    assert sold.category == "销售误导"
    # the promise takes weight away from what it led to, so the result does not hang on counting words
    assert sold.scores["退保纠纷"] < plain.scores["退保纠纷"]
    assert sold.scores["息费/收费"] < plain.scores["息费/收费"]
    assert "promised_return" in sold.cues
    assert any(r.startswith("cue promised_return") and "销售误导 +" in r for r in sold.reasons)
    assert sold.reasons[-1].startswith("销售误导 wins with")
    assert any(e.text and "保本" in e.text for e in sold.evidence)


@pytest.mark.parametrize(
    "text",
    [
        "理财经理说这款产品保本保息，年化5%，结果亏了八千，还收了管理费。",
        "客户经理没告知风险，只说收益比定期高，现在亏损了，赎回还要手续费。",
        "业务员诱导我买了这份保险，说是储蓄，合同条款里的退保费用一个字都没提。",
        "办贷款时客户经理说不买这份保险就不给放款，保费和手续费一共三千多。",
    ],
)
def test_mis_selling_wins_over_the_fee_or_clause_whatever_the_wording(text: str, rules: Rules) -> None:
    assert cause_of(text, rules).category == "销售误导"


def test_a_failure_outweighs_the_interest_or_fee_it_caused(rules: Rules) -> None:
    text = "还款日当天手机银行系统故障，还款一直提示失败，因此产生了罚息和违约金，请减免。"
    result = cause_of(text, rules)
    assert result.category == "系统/设施"
    assert "consequential_charge" in result.cues


def test_collection_conduct_outweighs_harassment_read_as_service(rules: Rules) -> None:
    text = "催收人员每天给我单位同事打电话，骚扰我的家人，请停止。"
    assert cause_of(text, rules).category == "催收"


def test_a_cue_inside_a_news_report_is_not_evidence_of_this_complaint(rules: Rules) -> None:
    text = "我看到新闻报道说某银行理财经理私售飞单，想请你们出具我名下理财的购买凭证。"
    result = cause_of(text, rules)
    assert "misdescribed_product" not in result.cues
    assert any(r.startswith("set aside (in a report): cue misdescribed_product (飞单)") for r in result.reasons)
    assert result.category != "销售误导"


def test_no_cue_strong_enough_gives_the_default_with_a_reason(rules: Rules) -> None:
    result = cause_of("你好，请问周末网点几点开门？", rules)
    assert result.category == rules.matter.causes.default
    assert result.reasons[-1].startswith("no category reached")


def test_english_and_traditional_text_are_read_by_the_same_cues(rules: Rules) -> None:
    assert cause_of("App keeps crashing on login. Fix it pls.", rules).category == "系统/设施"
    assert cause_of("催收人員每天打電話到我公司前台，還打給我父母。", rules).category == "催收"
    assert cause_of("My card was charged twice for the same hotel bill.", rules).category == "系统/设施"


def test_every_cause_category_of_the_rules_has_regulatory_codes(rules: Rules) -> None:
    codes = load_cause_codes()
    for category in rules.matter.causes.categories:
        assert codes.bank_cause(category) is not None, category
        assert codes.insurance_dispute(category) is not None, category


def test_a_rules_file_with_an_unmapped_category_is_refused(rules: Rules) -> None:
    data = yaml.safe_load(rules.model_dump_json())
    data["matter"]["causes"]["categories"].append("新类别")
    with pytest.raises(RulesError, match="新类别"):
        parse_rules(text=yaml.safe_dump(data, allow_unicode=True))


# --- amounts stated in the text ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("汇款三万元", 30000),
        ("借了3w", 30000),
        ("花了1.5万", 15000),
        ("只赔8千5", 8500),
        ("转走了4万2", 42000),
        ("about rmb 9,200 overseas", 9200),
        ("花了12800元", 12800),
        ("两万块", 20000),
    ],
)
def test_amounts_written_as_money_are_read(text: str, value: float) -> None:
    found = largest_stated(text)
    assert found is not None and found.value == value


@pytest.mark.parametrize(
    "text", ["2026年1月住院7天", "分12期", "年化4.5%", "卡号尾号3071", "in 2021 while we", "百万医疗险"]
)
def test_dates_counts_rates_numbers_and_names_are_no_amounts(text: str) -> None:
    assert stated_amounts(text) == []


# --- tier ----------------------------------------------------------------------------------------


def test_the_tier_names_every_contribution_and_the_thresholds(make: Any, run: Any) -> None:
    result = run(make("信用卡年费收了两次，请核实。"))
    assert result.tier is not None
    assert result.tier.reasons[0].startswith("five dimensions: overall")
    assert result.tier.reasons[-1].startswith(f"{result.tier.tier}: ")
    assert "L2 ≥" in result.tier.reasons[-1]


def test_a_vulnerable_customer_is_never_below_l2(make: Any, run: Any) -> None:
    result = run(make("信用卡年费收了两次，请核实。", age_band="65+"))
    assert result.tier is not None and result.tier.tier in {"L2", "L3"}
    assert any("signal vulnerable" in r for r in result.tier.reasons)


def test_conduct_to_investigate_sets_an_l2_floor_with_its_reason(make: Any, run: Any) -> None:
    plain = run(make("我的信用卡被扣了一笔外币交易，请核实。"))
    fraud = run(make("我的信用卡昨晚被盗刷了一笔外币交易，卡一直在我手上，请核实。"))
    assert plain.tier is not None and fraud.tier is not None
    assert plain.tier.tier == "L1"
    assert fraud.tier.tier == "L2"
    assert any(r.startswith("floor L2") and "cause evidence unauthorised_use" in r for r in fraud.tier.reasons)
    assert not any(r.startswith("floor") for r in plain.tier.reasons)


def test_hardship_with_a_plan_to_negotiate_is_for_a_specialist(make: Any, run: Any) -> None:
    only = run(make("我最近失业了，心情很差。"))
    assert only.tier is not None and not any("hardship" in r for r in only.tier.reasons)
    plan = run(make("我最近失业了，暂时还不上，想和贵行协商分期还款。"))
    assert only.tier is not None and plan.tier is not None
    assert only.tier.tier == "L1"
    assert plan.tier.tier == "L2"
    assert any(r.startswith("floor L2") and "hardship_negotiation" in r for r in plan.tier.reasons)


def test_a_stated_amount_counts_only_where_money_is_lost_or_owed(make: Any, run: Any) -> None:
    lost = run(make("我通过柜台汇款三万元，对方到现在还没收到，请查明款项去向。"))
    balance = run(make("我想取三万元现金，柜员让我等了很久，请改进。"))
    assert lost.tier is not None and balance.tier is not None
    assert any(r.startswith("amount stated in the text 30000 CNY") for r in lost.tier.reasons)
    assert not any("amount stated" in r for r in balance.tier.reasons)


def test_a_declared_amount_is_used_instead_of_the_text(make: Any, run: Any) -> None:
    result = run(make("汇款三万元没收到，请查明。", amount_in_dispute=60000))
    assert result.tier is not None
    assert any(r.startswith("amount in dispute 60000 CNY") for r in result.tier.reasons)
    assert not any("amount stated" in r for r in result.tier.reasons)


def test_a_longer_term_is_read_whole_not_as_a_shorter_one_of_another_cue(rules: Rules) -> None:
    # 稳赚不赔 is a promised return; its 不赔 must not count as a refused claim
    result = cause_of("理财经理跟我说这款基金稳赚不赔，现在亏了一万多。", rules)
    assert result.category == "销售误导"
    assert "claim_refused" not in result.cues


def test_a_vulnerable_customer_mis_sold_to_is_l3(make: Any, run: Any) -> None:
    text = "理财经理说这款产品保本，跟存款一样，我就买了，现在亏了。"
    young = run(make(text))
    old = run(make(text, age_band="65+"))
    assert young.tier is not None and old.tier is not None
    assert young.tier.tier == "L2"
    assert old.tier.tier == "L3"
    assert any(r.startswith("floor L3: vulnerable_mis_sold: signal vulnerable") for r in old.tier.reasons)
