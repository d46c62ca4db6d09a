"""Render the report JSON (GET /v1/reports/summary) as Markdown, HTML or JSON (pure functions)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from tousu_tools.report_dates import shown_period, shown_time

Format = Literal["md", "html", "json"]
REPEAT_HEADERS = (
    "complainants",
    "repeat complainants",
    "their complaints",
    "repeat share",
    "entangled",
    "agent-driven",
)
LABELS = {
    "hotline": "热线 hotline",
    "app": "App",
    "web": "网站 web",
    "wechat": "微信 WeChat",
    "branch": "网点 branch",
    "letter": "信函 letter",
    "email": "邮件 email",
    "regulator_transfer": "监管转办 regulator",
    "hotline_12378": "12378 热线",
    "social_media": "社交媒体 social",
    "other": "其他 other",
    "insurance": "保险 insurance",
    "banking": "银行 banking",
    "wealth": "理财 wealth",
    "payment": "支付 payment",
    "safety": "安全 safety",
    "public_opinion": "舆情 public opinion",
    "group": "群体性 group",
    "petition": "信访 petition",
    "regulator": "监管转办 regulator",
    "legal": "法律 legal",
    "professional_agent": "代理投诉 agent",
    "entangled": "缠诉 entangled",
    "standard": "常规 standard",
    "unrouted": "未分流 unrouted",
    "on_time": "按时 on time",
    "extended": "延期内 extended",
    "breached": "超时 breached",
    "satisfied": "满意 satisfied",
    "basically_satisfied": "基本满意 basically",
    "unsatisfied": "不满意 unsatisfied",
    "unreachable": "无法联系 unreachable",
    "no_response": "未答复 no response",
    "withdrawn": "撤诉 withdrawn",
}


def label(key: Any) -> str:
    """The bilingual label of a report key (the key itself when unknown)."""
    return LABELS.get(str(key), str(key))


def percent(value: float | None) -> str:
    """0.8731 → 87.3 %; None → –."""
    return "–" if value is None else f"{value * 100:.1f} %"


def render(report: Mapping[str, Any], *, fmt: Format) -> str:
    """The report in the chosen format."""
    if fmt == "json":
        return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        from tousu_tools.report_html import render_html

        return render_html(report)
    return render_markdown(report)


def md_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-flavoured Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _tally_table(title: str, items: Sequence[Mapping[str, Any]]) -> str:
    rows = [(label(i["key"]), i["count"], percent(i.get("share"))) for i in items]
    return f"**{title}**\n\n" + md_table(("", "count", "share"), rows or [("–", 0, "–")])


def code_of(cell: Mapping[str, Any] | None) -> str:
    """`C04 因营销方式和手段引起的投诉`, or – when the cause has no code (e.g. not yet analysed)."""
    return f"{cell['code']} {cell['name']}" if cell else "–"


def cause_rows(items: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows of the cause table: category, count, share, JR/T 0169-2018 cause class, insurance dispute type."""
    return [
        (label(i["key"]), i["count"], percent(i.get("share")), code_of(i.get("jrt_0169")), code_of(i.get("insurance")))
        for i in items
    ]


CAUSE_HEADERS = ("", "count", "share", "JR/T 0169-2018 投诉原因", "保险投诉纠纷类型 (tousu code)")


def _cause_table(items: Sequence[Mapping[str, Any]]) -> str:
    rows = cause_rows(items) or [("–", 0, "–", "–", "–")]
    return "**By cause 投诉原因** (bank and insurance regulator codes)\n\n" + md_table(CAUSE_HEADERS, rows)


def _rates_table(title: str, groups: Sequence[Mapping[str, Any]], *, cols: Sequence[str]) -> str:
    rows = [(label(g["key"]), *(g[c] for c in cols), percent(g["rate"])) for g in groups]
    return f"**{title}**\n\n" + md_table(("", *cols, "rate"), rows or [("–", *(0 for _ in cols), "–")])


def _handling_md(part: Mapping[str, Any]) -> list[str]:
    t, sla, sat, reo = part["totals"], part["sla"], part["satisfaction"], part["reopen"]
    return [
        md_table(
            ("complaints", "open", "decided", "closed", "withdrawn"),
            [(t["complaints"], t["open"], t["decided"], t["closed"], t["withdrawn"])],
        ),
        _tally_table("By channel 渠道", part["volumes"]["by_channel"]),
        _tally_table("By product line 产品线", part["volumes"]["by_product_line"]),
        _cause_table(part["volumes"]["by_cause"]),
        _tally_table("Route mix 分流", part["routes"]["by_route"]),
        _tally_table("Standard tiers", part["routes"]["by_tier"]),
        "**SLA (regulatory clock) 时效**\n\n"
        + md_table(
            ("on time", "extended", "breached", "compliance", "internal breaches"),
            [
                (
                    sla["on_time"],
                    sla["extended"],
                    sla["breached"],
                    percent(sla["compliance_rate"]),
                    sla["internal_breaches"],
                )
            ],
        ),
        f"**Satisfaction 满意度**: {sat['answers']} answers, satisfied {sat['satisfied']}, basically "
        f"{sat['basically_satisfied']}, unsatisfied {sat['unsatisfied']}, rate {percent(sat['rate'])}",
        _rates_table("Satisfaction by route", sat["by_route"], cols=("answers", "unsatisfied")),
        _rates_table("Satisfaction by channel", sat["by_channel"], cols=("answers", "unsatisfied")),
        _rates_table("Satisfaction by product line", sat["by_product_line"], cols=("answers", "unsatisfied")),
        f"**Reopen rate 重开率**: {reo['reopened']} of {reo['decided']} decided, {percent(reo['rate'])}",
        _rates_table("Reopen by route", reo["by_route"], cols=("decided", "reopened")),
        _tally_table("Closures by outcome 结案", part["closures"]),
    ]


def _adherence_md(part: Mapping[str, Any] | None) -> list[str]:
    """Plan adherence (处置方案执行): closed complaints whose plan steps were all done on time (domain §9)."""
    if not part:
        return []
    top = part["most_overdue_step"]
    worst = f"step {top['step']} {top['name']} ({top['count']} times)" if top else "none"
    rows = [
        (title, label(g["key"]), g["closed"], g["adherent"], percent(g["share"]))
        for title, key in (("route", "by_route"), ("queue", "by_queue"), ("profile", "by_profile"))
        for g in part[key]
    ]
    return [
        "## Plan adherence 处置方案执行",
        f"{part['adherent']} of {part['closed']} closed complaints had every plan step done on time "
        f"({percent(part['share'])}). Most frequently overdue step: {worst}.",
        md_table(("by", "", "closed", "all steps on time", "share"), rows or [("–", "–", 0, 0, "–")]),
        md_table(
            ("step", "done late or missed"), [(f"{s['step']} {s['name']}", s["count"]) for s in part["overdue_steps"]]
        )
        if part["overdue_steps"]
        else "No step was done late or missed.",
    ]


def render_markdown(report: Mapping[str, Any]) -> str:
    """The report as Markdown, one section per domain §8 heading."""
    period, rep, agent, inc = report["period"], report["repeat"], report["agent_driven"], report["incidents"]
    causes = [
        (r["root_cause"], r["count"], r["remediation_recorded"], r["closed"], r["state"], "; ".join(r["remediations"]))
        for r in report["root_causes"]
    ]
    blocks = [
        "# 投诉处理工作分析报告 Complaint-handling analysis report",
        f"统计期间 Period: {shown_period(period, generated_at=report['generated_at'])} (China calendar days, "
        f"complaints received). 生成时间 Generated: {shown_time(report['generated_at'])}.",
        "## Volumes, routes, SLA, satisfaction",
        *_handling_md(report),
        "## Repeat complainants 重复投诉 and agent-driven 代理投诉",
        md_table(
            REPEAT_HEADERS,
            [
                (
                    rep["complainants"],
                    rep["repeat_complainants"],
                    rep["repeat_complaints"],
                    percent(rep["repeat_share"]),
                    rep["entangled_route"],
                    f"{agent['complaints']} ({percent(agent['share'])})",
                )
            ],
        ),
        _tally_table("Repeat-risk band 缠诉风险", rep["by_repeat_risk"]),
        "## Incidents 群体性/舆情事件",
        f"Opened {inc['opened']} (open {inc['open']}, major {inc['major']}), {inc['members']} members; "
        f"{inc['complaints_in_incidents']} complaints of the period belong to an incident.",
        md_table(("kind", "count"), [(label(k["key"]), k["count"]) for k in inc["by_kind"]] or [("–", 0)]),
        "## Top root causes 溯源整改",
        md_table(("root cause", "complaints", "remediation recorded", "closed", "state", "remediation"), causes)
        if causes
        else "No root causes recorded in the period.",
        *_adherence_md(report.get("plan_adherence")),
        "## Regulator-transferred cases 监管转办",
        *_handling_md(report["regulator_transferred"]),
    ]
    return "\n\n".join(blocks) + "\n"
