"""The report as one self-contained HTML page with inline SVG charts (no script, no external resources)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from tousu_tools.report_dates import shown_period, shown_time
from tousu_tools.report_render import CAUSE_HEADERS, cause_rows, label, percent
from tousu_tools.report_svg import Segment, bar_chart, donut, stacked_bars

SLA_COLORS = {"on_time": "#2da44e", "extended": "#bf8700", "breached": "#cf222e"}
SAT_COLORS = {"satisfied": "#2da44e", "basically_satisfied": "#9be9a8", "unsatisfied": "#cf222e"}
CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","PingFang SC","Microsoft YaHei",sans-serif;
margin:0;background:#f6f8fa;color:#1f2328}
header{background:#0b3d91;color:#fff;padding:24px 40px}header h1{margin:0 0 6px;font-size:26px}
header p{margin:0;opacity:.85}main{padding:16px 40px 40px;max-width:1200px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:16px 20px;margin:16px 0}
h2{font-size:19px;margin:0 0 12px}.grid{display:flex;flex-wrap:wrap;gap:12px 24px}
.kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{flex:1 1 140px;border:1px solid #d0d7de;border-radius:8px;
padding:10px 14px;background:#fff}.kpi b{display:block;font-size:26px}.kpi span{color:#57606a;font-size:13px}
figure{margin:0}figcaption{font-weight:600;margin:4px 0}svg .label{font-size:12px;fill:#1f2328}
svg .value{font-size:12px;fill:#57606a}svg .big{font-size:20px;font-weight:700;fill:#1f2328}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid #d0d7de;padding:6px 8px;
text-align:left}th{background:#f6f8fa}.note{color:#57606a;font-size:13px}
@page{size:A4;margin:12mm}
@media print{body{background:#fff;-webkit-print-color-adjust:exact;print-color-adjust:exact}
header{padding:14px 20px}main{padding:0;max-width:none}section{margin:10px 0}
h2,figcaption{break-after:avoid}figure,tr,.kpis{break-inside:avoid}}
"""


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{escape(caption)}</figcaption>{svg}</figure>"


def _kpis(items: Sequence[tuple[str, Any]]) -> str:
    cards = "".join(f'<div class="kpi"><b>{escape(str(v))}</b><span>{escape(k)}</span></div>' for k, v in items)
    return f'<div class="kpis">{cards}</div>'


def _bars(chart_id: str, caption: str, items: Sequence[Mapping[str, Any]]) -> str:
    data = [(label(i["key"]), float(i["count"])) for i in items]
    return _figure(caption, bar_chart(chart_id, caption, data))


def _rates(chart_id: str, caption: str, groups: Sequence[Mapping[str, Any]]) -> str:
    data = [(label(g["key"]), float(g["rate"] or 0)) for g in groups]
    return _figure(caption, bar_chart(chart_id, caption, data, unit="%"))


def _sla_donut(chart_id: str, sla: Mapping[str, Any]) -> str:
    segments = [Segment(label(k), float(sla[k]), c) for k, c in SLA_COLORS.items()]
    caption = "SLA compliance 时效达标 (regulatory clock)"
    return _figure(caption, donut(chart_id, caption, segments, center=percent(sla["compliance_rate"])))


def _satisfaction_stack(chart_id: str, groups: Sequence[Mapping[str, Any]]) -> str:
    rows = [(label(g["key"]), [Segment(label(k), float(g[k]), c) for k, c in SAT_COLORS.items()]) for g in groups]
    caption = "Satisfaction by route 各分流满意度"
    return _figure(caption, stacked_bars(chart_id, caption, rows))


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _section(title: str, *parts: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{''.join(parts)}</section>"


def _overview(report: Mapping[str, Any]) -> str:
    t, sla, sat, reo = report["totals"], report["sla"], report["satisfaction"], report["reopen"]
    incidents = [("incidents 事件", report["incidents"]["opened"])] if "incidents" in report else []
    return _kpis(
        [
            ("complaints 投诉量", t["complaints"]),
            ("open 在办", t["open"]),
            ("closed 已结案", t["closed"]),
            ("SLA compliance 时效达标率", percent(sla["compliance_rate"])),
            ("satisfaction 满意率", percent(sat["rate"])),
            ("reopen rate 重开率", percent(reo["rate"])),
            *incidents,
        ]
    )


def _volumes(report: Mapping[str, Any]) -> str:
    v, r = report["volumes"], report["routes"]
    return _section(
        "Volumes and route mix 投诉量与分流",
        '<div class="grid">',
        _bars("volume-channel", "By channel 渠道", v["by_channel"]),
        _bars("volume-product-line", "By product line 产品线", v["by_product_line"]),
        _bars("volume-cause", "By cause 投诉原因", v["by_cause"]),
        _bars("route-mix", "Route mix 分流", r["by_route"]),
        "</div>",
        "<h3>Causes and regulatory codes 投诉原因与监管分类编码</h3>",
        _table(CAUSE_HEADERS, cause_rows(v["by_cause"])) if v["by_cause"] else "",
    )


def _handling(report: Mapping[str, Any]) -> str:
    sla, sat, reo = report["sla"], report["satisfaction"], report["reopen"]
    return _section(
        "SLA, satisfaction and reopen 时效、满意度与重开",
        '<div class="grid">',
        _sla_donut("sla", sla),
        _satisfaction_stack("satisfaction-route", sat["by_route"]),
        _rates("satisfaction-channel", "Satisfaction rate by channel 渠道满意率", sat["by_channel"]),
        _rates("satisfaction-product-line", "Satisfaction rate by product line 产品线满意率", sat["by_product_line"]),
        _rates("reopen-route", "Reopen rate by route 重开率", reo["by_route"]),
        "</div>",
        f'<p class="note">{sat["answers"]} follow-up answers; {sla["internal_breaches"]} complaints breached an '
        f"internal clock (first contact or route response).</p>",
    )


def _people(report: Mapping[str, Any]) -> str:
    rep, agent, inc = report["repeat"], report["agent_driven"], report["incidents"]
    return _section(
        "Repeat complainants, agents and incidents 重复投诉、代理投诉与群体性/舆情事件",
        _kpis(
            [
                ("complainants 投诉人", rep["complainants"]),
                ("repeat complainants 重复投诉人", rep["repeat_complainants"]),
                ("agent-driven share 代理投诉占比", percent(agent["share"])),
                ("entangled route 缠诉", rep["entangled_route"]),
                ("incidents opened 事件", inc["opened"]),
                ("major incidents 重大", inc["major"]),
            ]
        ),
        '<div class="grid">',
        _bars("repeat-risk", "Repeat-risk band 缠诉风险", rep["by_repeat_risk"]),
        _bars("incident-kind", "Incidents by kind 事件类型", inc["by_kind"]),
        "</div>",
    )


def _root_causes(report: Mapping[str, Any]) -> str:
    rows = [
        (r["root_cause"], r["count"], r["remediation_recorded"], r["closed"], r["state"], "；".join(r["remediations"]))
        for r in report["root_causes"]
    ]
    headers = ("root cause 根因", "complaints", "remediation recorded", "closed", "state", "remediation 整改措施")
    body = _table(headers, rows) if rows else '<p class="note">No root causes recorded in the period.</p>'
    return _section("Top root causes and remediation 溯源整改", body)


def _adherence(report: Mapping[str, Any]) -> str:
    """Plan adherence (处置方案执行): all steps on time, by route, queue and profile; the most overdue step."""
    part = report.get("plan_adherence")
    if not part:
        return ""
    top = part["most_overdue_step"]
    rows = [
        (by, label(g["key"]), g["closed"], g["adherent"], percent(g["share"]))
        for by, key in (("route", "by_route"), ("queue", "by_queue"), ("profile", "by_profile"))
        for g in part[key]
    ]
    steps = [(f"{s['step']} {s['name']}", s["count"]) for s in part["overdue_steps"]]
    return _section(
        "Plan adherence 处置方案执行",
        _kpis(
            [
                ("closed with a settled plan 已结案", part["closed"]),
                ("all steps on time 全部按时", percent(part["share"])),
                ("most overdue step 最常超时步骤", f"{top['step']} {top['name']}" if top else "–"),
            ]
        ),
        _table(("by", "", "closed", "all steps on time", "share"), rows) if rows else "",
        _table(("step 步骤", "done late or missed 超时/遗漏"), steps) if steps else "",
    )


def _regulator(report: Mapping[str, Any]) -> str:
    reg = report["regulator_transferred"]
    return _section(
        "Regulator-transferred cases 监管转办 (" + ", ".join(reg["channels"]) + ")",
        _overview(reg),
        '<div class="grid">',
        _bars("regulator-route", "Route mix 分流", reg["routes"]["by_route"]),
        _sla_donut("regulator-sla", reg["sla"]),
        "</div>",
    )


def render_html(report: Mapping[str, Any]) -> str:
    """One static page: header, key figures, charts and tables."""
    period = report["period"]
    title = "投诉处理工作分析报告 Complaint-handling analysis report"
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"<style>{CSS}</style></head><body><header><h1>{escape(title)}</h1>"
        f"<p>统计期间 Complaints received {escape(shown_period(period, generated_at=report['generated_at']))} "
        "(China calendar days) · "
        f'生成时间 generated <time datetime="{escape(report["generated_at"])}">'
        f"{escape(shown_time(report['generated_at']))}</time></p></header><main>"
        + _section("Overview 概览", _overview(report))
        + _volumes(report)
        + _handling(report)
        + _people(report)
        + _root_causes(report)
        + _adherence(report)
        + _regulator(report)
        + "</main></body></html>\n"
    )
