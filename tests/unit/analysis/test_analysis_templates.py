"""Cross-customer near-duplicates (professional-agent templates) via MinHash/LSH band keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.samples import samples_path
from tousu_analysis.domain import InMemoryTemplateIndex, TemplateCandidate, prepare, similar_templates
from tousu_analysis.domain.matter import jaccard_from_bands, signature

pytestmark = pytest.mark.unit

SAMPLES = samples_path()
LETTER = (
    "致贵行消费金融部：本人{name}于{year}年在贵行申请消费贷款{amount}元。因近年收入锐减，本人暂时无法按原合同还款，"
    "现已逾期{months}期。本人并非恶意拖欠，现依据《消费者权益保护法》第十条之规定，向贵行提出以下协商请求："
    "一、减免全部罚息、复利及违约金；二、剩余本金分期偿还；三、协商期间暂停一切催收，不得联系本人亲友及工作单位；"
    "四、对本人征信逾期记录予以修复。请贵行于七个工作日内书面回复。申请人：{name}"
)
NAMES = ["王小明", "李晓红", "张伟强", "陈美玲", "刘建国"]


def test_template_letter_is_flagged_from_the_second_customer_on(make: Any, run: Any, rules: Any) -> None:
    index = InMemoryTemplateIndex(rules.templates)
    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    flagged = []
    for n, name in enumerate(NAMES):
        text = LETTER.format(name=name, year=2020 + n, amount=50000 + 1000 * n, months=n + 2)
        complaint = make(text, complaint_id=f"C-{n}", customer_key=f"cust-{n}", received_at=t0 + timedelta(days=n))
        prep = prepare(complaint=complaint, rules=rules)
        similar = index.lookup(customer_key=complaint.customer_key, signature=prep.signature, now=complaint.received_at)
        analysis = run(complaint, similar=similar)
        flagged.append("agent_involved" in {s.name for s in analysis.signals})
        index.add(
            complaint_id=complaint.complaint_id,
            customer_key=complaint.customer_key,
            received_at=complaint.received_at,
            signature=prep.signature,
        )
    assert flagged == [False, True, True, True, True]


def test_same_customer_resending_a_text_is_not_a_template(rules: Any) -> None:
    sig = signature(text=LETTER.format(name="王小明", year=2020, amount=1, months=2), rules=rules.templates)
    now = datetime(2026, 9, 1, tzinfo=UTC)
    mine = TemplateCandidate(
        complaint_id="C-0", customer_key="cust-a", received_at=now, hashvalues=list(sig.hashvalues)
    )
    result = similar_templates(signature=sig, candidates=[mine], customer_key="cust-a", now=now, rules=rules.templates)
    assert result.near_identical_customers == 0


def test_band_keys_alone_estimate_similarity(rules: Any) -> None:
    a = signature(text=LETTER.format(name="王小明", year=2020, amount=1, months=2), rules=rules.templates)
    b = signature(text=LETTER.format(name="李晓红", year=2021, amount=9, months=5), rules=rules.templates)
    c = signature(text="手机银行转账失败，人脸识别一直不通过，请尽快修复系统。" * 3, rules=rules.templates)
    rows = rules.templates.num_perm // rules.templates.bands
    assert jaccard_from_bands(a.band_keys, b.band_keys, rows=rows) >= 0.8
    assert jaccard_from_bands(a.band_keys, c.band_keys, rows=rows) == 0.0
    assert all(key.startswith("b") and ":" in key for key in a.band_keys)
    assert len(a.band_keys) == rules.templates.bands


def test_unrelated_texts_share_no_candidates(rules: Any) -> None:
    index = InMemoryTemplateIndex(rules.templates)
    now = datetime(2026, 9, 1, tzinfo=UTC)
    a = signature(text=LETTER.format(name="王小明", year=2020, amount=1, months=2), rules=rules.templates)
    index.add(complaint_id="C-0", customer_key="cust-a", received_at=now, signature=a)
    c = signature(text="车险定损太慢，报案一周了定损员还没来，请尽快定损理赔。" * 2, rules=rules.templates)
    assert index.candidates(c.band_keys) == []


def test_same_representative_phone_across_customers_is_counted(rules: Any) -> None:
    index = InMemoryTemplateIndex(rules.templates)
    now = datetime(2026, 9, 1, tzinfo=UTC)
    sig = signature(text="请尽快处理", rules=rules.templates)
    for n in range(3):
        index.add(complaint_id=f"C-{n}", customer_key=f"cust-{n}", received_at=now, signature=sig, phone_key="p1")
    found = index.lookup(customer_key="cust-9", signature=sig, now=now, phone_key="p1")
    assert found.shared_phone_customers == 3


def test_sample_agent_letters_are_near_identical(rules: Any) -> None:
    bodies = [json.loads(line)["body"] for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
    letters = [b["content"] for b in bodies if "停息挂账" in b["content"]]
    sigs = [signature(text=t, rules=rules.templates) for t in letters]
    from tousu_analysis.domain.matter import jaccard

    assert len(sigs) >= 2
    assert jaccard(sigs[0].hashvalues, sigs[1].hashvalues) >= rules.templates.threshold
