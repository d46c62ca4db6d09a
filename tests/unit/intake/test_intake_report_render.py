"""The report renders as Markdown, JSON and a self-contained HTML page whose SVG charts match the data.

How the page looks in a real browser: test_intake_report_browser.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.unit.intake.report_builders import sample_facts
from tousu_intake.domain.report import summarize
from tousu_tools.report_render import render

pytestmark = pytest.mark.unit
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


class Charts(HTMLParser):
    """Collects each <svg data-chart> with its bars and segments, and every external reference."""

    def __init__(self) -> None:
        super().__init__()
        self.charts: dict[str, dict[str, int]] = {}
        self.external: list[str] = []
        self.scripts = 0
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        for ref in ("src", "href"):
            if a.get(ref):
                self.external.append(str(a[ref]))
        if tag == "svg":
            self._current = str(a.get("data-chart"))
            self.charts[self._current] = {"bar": 0, "segment": 0}
        elif self._current and a.get("class") in ("bar", "segment"):
            self.charts[self._current][str(a["class"])] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._current = None


def _report() -> dict[str, Any]:
    return summarize(sample_facts(), start=NOW - timedelta(days=30), end=NOW, generated_at=NOW)


def _charts(html: str) -> Charts:
    parser = Charts()
    parser.feed(html)
    return parser


def test_html_has_one_bar_per_channel_product_line_cause_and_route() -> None:
    report = _report()
    charts = _charts(render(report, fmt="html")).charts
    assert charts["volume-channel"]["bar"] == len(report["volumes"]["by_channel"]) == 5
    assert charts["volume-product-line"]["bar"] == len(report["volumes"]["by_product_line"]) == 2
    assert charts["volume-cause"]["bar"] == len(report["volumes"]["by_cause"])
    assert charts["route-mix"]["bar"] == len(report["routes"]["by_route"]) == 4


def test_html_sla_donut_has_three_segments_and_satisfaction_bars_per_route() -> None:
    report = _report()
    charts = _charts(render(report, fmt="html")).charts
    assert charts["sla"]["segment"] == 3
    assert charts["satisfaction-route"]["segment"] == 3 * len(report["satisfaction"]["by_route"])
    assert charts["satisfaction-channel"]["bar"] == len(report["satisfaction"]["by_channel"])
    assert charts["reopen-route"]["bar"] == len(report["reopen"]["by_route"])
    assert charts["regulator-sla"]["segment"] == 3


def test_html_is_self_contained() -> None:
    parser = _charts(render(_report(), fmt="html"))
    assert parser.scripts == 0
    assert parser.external == []


def test_markdown_and_json_carry_the_same_figures() -> None:
    report = _report()
    md = render(report, fmt="md")
    assert "# 投诉处理工作分析报告" in md and "| 热线 hotline | 4 | 40.0 % |" in md
    assert "## Regulator-transferred cases 监管转办" in md
    assert json.loads(render(report, fmt="json")) == report


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_the_cause_table_shows_the_regulatory_codes(fmt: str) -> None:
    text = render(_report(), fmt=fmt)
    assert "JR/T 0169-2018 投诉原因" in text
    assert "C01 因服务态度及服务质量引起的投诉" in text  # 服务态度 in the sample facts
    assert "I03 理赔纠纷" in text  # 理赔纠纷 in the sample facts
