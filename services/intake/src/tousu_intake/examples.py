"""OpenAPI examples in Chinese and English (documentation only; the numbers are fictitious)."""

from __future__ import annotations

from typing import Any

COMPLAINT_ZH: dict[str, Any] = {
    "channel": "hotline",
    "channel_ref": "HL-20261122-0001",
    "received_at": "2026-11-22T09:30:00+08:00",
    "customer": {"ref": "CUST-000123", "name": "张三", "phone": "13800000000", "age": 67},
    "product": {"line": "insurance", "type": "重疾险", "policy_or_account": "P2026000001"},
    "category": "理赔",
    "content": "我父亲确诊重疾后申请理赔，保险公司以未如实告知为由拒赔，要求给出书面解释并重新审核。",
    "demands": "重新审核理赔申请并书面答复",
    "amount_in_dispute": 300000,
}
COMPLAINT_EN: dict[str, Any] = {
    "channel": "app",
    "channel_ref": "APP-20261122-0042",
    "customer": {"ref": "CUST-000456", "vulnerable": False},
    "product": {"line": "banking", "type": "credit card"},
    "content": "An annual fee was charged although the card was advertised as fee-free. Please refund it.",
    "demands": "Refund the annual fee",
    "amount_in_dispute": 480,
}
CREATED: dict[str, Any] = {
    "complaint_id": "TS-20261122-01JD8X3K4M7QZ2AB9CDEFGHJKM",
    "status": "received",
    "received_at": "2026-11-22T01:30:00Z",
    "due_at": "2026-12-07T16:00:00Z",  # 24:00 China time of the 15th day (Mon 7 Dec)
}
ACTION_RESOLVED: dict[str, Any] = {
    "type": "resolved",
    "actor": "handler-007",
    "decision": "同意重新核定理赔 / claim re-assessed and approved",
    "remedy": "赔付 300,000 元 / pay CNY 300,000",
    "root_cause": "核保告知问询话术不清 / unclear disclosure questions",
    "remediation": "修订投保告知书 / revise the disclosure form",
}
ACTION_EXTENSION: dict[str, Any] = {
    "type": "extension_requested",
    "actor": "handler-007",
    "reason": "需要第三方鉴定 / third-party appraisal needed",
}
FEEDBACK: dict[str, Any] = {
    "satisfaction": "basically_satisfied",
    "score": 4,
    "comment": "处理及时，但沟通可以更主动 / quick, communication could be more proactive",
    "contacted_at": "2026-12-01T10:00:00+08:00",
}
PROBLEM_422: dict[str, Any] = {
    "type": "about:blank",
    "title": "Invalid request / 请求无效",
    "status": 422,
    "errors": [{"field": "customer.phone", "reason": "String should match pattern '^\\+?[0-9][0-9 \\-]{4,19}$'"}],
}


def body_examples(*pairs: tuple[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """FastAPI `openapi_examples` from (summary, value) pairs."""
    return {summary: {"summary": summary, "value": value} for summary, value in pairs}


COMPLAINT_EXAMPLES = body_examples(("中文: 重疾险理赔纠纷", COMPLAINT_ZH), ("English: credit-card fee", COMPLAINT_EN))
ACTION_EXAMPLES = body_examples(("resolved 已处理", ACTION_RESOLVED), ("extension 延期", ACTION_EXTENSION))
FEEDBACK_EXAMPLES = body_examples(
    ("回访 follow-up answer", FEEDBACK), ("unreachable 未接通", {"reached": False, "comment": "无人接听 / no answer"})
)
