"""What `tousu demo` sends: the sample complaints re-timed to now, and a handling script for some (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

WINDOW = timedelta(days=20)  # a few cases older than the 15-day regulatory clock
LATEST_AGE = timedelta(minutes=5)
# by the sample's cause category: (decision, remedy, root cause, remediation) — what a handler records
RESOLUTIONS = {
    "销售误导": ("同意全额退保", "退还已交保费", "销售人员未充分说明产品风险", "销售话术整改并开展合规培训"),
    "理赔纠纷": ("重新核定并赔付", "按合同约定赔付", "理赔审核标准解释不一致", "统一理赔审核口径并更新说明材料"),
    "退保纠纷": ("按现金价值办理退保", "书面说明退保计算", "退保损失告知不充分", "投保时增加退保损失提示"),
    "息费/收费": ("退还多收费用", "退还费用并致歉", "收费项目披露不清", "修订收费公示"),
    "催收": ("暂停外包催收", "致歉并调整催收安排", "外包催收行为不规范", "加强催收机构管理与录音抽查"),
    "服务态度": ("当面致歉", "致歉", "员工服务规范执行不到位", "服务礼仪培训并纳入考核"),
    "信息安全": ("核查信息使用", "书面说明并加强保护", "客户信息访问权限过宽", "收紧权限并开展数据安全检查"),
    "系统/设施": ("修复系统问题", "协助办理业务", "系统功能缺陷", "修复缺陷并补充回归测试"),
    "合同条款": ("书面解释条款", "按条款办理", "条款表述不易理解", "修订条款释义与投保提示"),
    "信息披露": ("补充披露信息", "书面说明", "产品信息披露不完整", "完善信息披露模板"),
}
FALLBACK = ("书面答复客户", "按规定处理", "业务流程不清晰", "梳理并优化业务流程")


@dataclass(frozen=True)
class Step:
    """What the demo does with one complaint once it is routed."""

    actions: tuple[str, ...] = ()  # action types, in order
    satisfaction: str | None = None  # the follow-up answer after `resolved`


# one script per position modulo 10: most resolved, some unsatisfied (reopen), some still in progress
SCRIPT = (
    Step(("acknowledged", "contacted", "resolved"), "satisfied"),
    Step(("contacted", "resolved"), "satisfied"),
    Step(("acknowledged", "contacted", "resolved"), "basically_satisfied"),
    Step(("contacted", "resolved"), "unsatisfied"),
    Step(("acknowledged", "contacted")),
    Step(("contacted", "extension_requested")),
    Step(("contacted", "resolved"), "satisfied"),
    Step(),
    Step(("acknowledged",)),
    Step(),
)


def load_samples() -> list[dict[str, Any]]:
    """The packaged sample complaints: {"body": POST body, "expect": labels}."""
    text = resources.files("tousu_tools.data").joinpath("samples.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def retimed(samples: list[dict[str, Any]], *, now: datetime, run_tag: str) -> list[dict[str, Any]]:
    """Bodies re-timed into the last 20 days (order and relative spacing kept), channel refs made unique."""
    times = [datetime.fromisoformat(s["body"]["received_at"]) for s in samples]
    first, last = min(times), max(times)
    span = (last - first) or timedelta(seconds=1)
    newest = now - LATEST_AGE

    def shift(moment: datetime) -> str:
        mapped = newest - (last - moment) * (WINDOW / span)
        return min(mapped, newest).astimezone(moment.tzinfo).isoformat()

    out = []
    for sample in samples:
        body = json.loads(json.dumps(sample["body"]))
        body["received_at"] = shift(datetime.fromisoformat(body["received_at"]))
        body["channel_ref"] = f"{body['channel_ref']}-{run_tag}"
        if body.get("regulator", {}).get("forwarded_at"):
            body["regulator"]["forwarded_at"] = shift(datetime.fromisoformat(body["regulator"]["forwarded_at"]))
        out.append(body)
    return out


def step_for(index: int) -> Step:
    """The handling script of the index-th complaint."""
    return SCRIPT[index % len(SCRIPT)]


def action_body(kind: str, *, cause: str | None, actor: str = "demo-handler") -> dict[str, Any]:
    """A valid action body of this type."""
    body: dict[str, Any] = {"type": kind, "actor": actor}
    if kind == "resolved":
        decision, remedy, root_cause, remediation = RESOLUTIONS.get(cause or "", FALLBACK)
        body |= {"decision": decision, "remedy": remedy, "root_cause": root_cause, "remediation": remediation}
    elif kind == "extension_requested":
        body["reason"] = "需要第三方鉴定"
    elif kind == "contacted":
        body["note"] = "已电话联系客户，了解诉求"
    return body


def feedback_body(satisfaction: str) -> dict[str, Any]:
    """The follow-up answer."""
    score = {"satisfied": 5, "basically_satisfied": 4, "unsatisfied": 2}[satisfaction]
    comments = {"satisfied": "处理及时", "basically_satisfied": "基本解决", "unsatisfied": "对处理结果不认可"}
    return {"satisfaction": satisfaction, "score": score, "comment": comments[satisfaction]}
