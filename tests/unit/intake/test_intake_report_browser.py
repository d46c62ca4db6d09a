"""The HTML report in headless Chromium, as a reader sees it: Chinese glyphs, every bar, no sideways scroll, A4.

Locally these tests skip without Chromium, poppler-utils or a CJK font; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

import pytest

from tests.unit.intake import browser
from tests.unit.intake.raster import Raster
from tests.unit.intake.report_builders import sample_facts
from tousu_intake.domain.period import period
from tousu_intake.domain.report import summarize
from tousu_tools.report_html import CSS
from tousu_tools.report_render import render

pytestmark = [pytest.mark.unit, pytest.mark.usefixtures("chromium_ready")]
NOW = datetime(2026, 12, 1, 13, 10, tzinfo=UTC)
LABELS = ("投诉处理工作分析报告", "热线 hotline", "按时 on time", "满意率 satisfaction", "监管转办 regulator")
LINE = 48  # px per label line
A4 = (595.3, 841.9)  # points
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
NO_CJK_FONTS = """<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd"><fontconfig>
<include ignore_missing="yes">/etc/fonts/fonts.conf</include>
<selectfont><rejectfont><pattern><patelt name="lang"><string>zh-cn</string></patelt></pattern></rejectfont></selectfont>
</fontconfig>"""
# Laid out in the page: per chart, its bars / segments with a value and those the browser drew with a size.
MEASURE = """<script>
var m = {scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth,
         innerWidth: innerWidth, charts: {}};
document.querySelectorAll("svg[data-chart]").forEach(function (svg) {
  var box = svg.getBoundingClientRect(), marks = svg.querySelectorAll(".bar, .segment");
  var valued = [].filter.call(marks, function (e) { return parseFloat(e.dataset.value) > 0; });
  var drawn = valued.filter(function (e) {
    var r = e.getBoundingClientRect(), dash = parseFloat(e.getAttribute("stroke-dasharray") || "1");
    return r.width > 0 && r.height > 0 && dash > 0 && r.left >= box.left - 1 && r.right <= box.right + 1;
  });
  m.charts[svg.dataset.chart] = {marks: marks.length, valued: valued.length, drawn: drawn.length, right: box.right};
});
var out = document.createElement("pre"); out.id = "metrics"; out.textContent = JSON.stringify(m);
document.body.appendChild(out);
</script>"""


@pytest.fixture
def chromium_ready() -> None:
    browser.require_browser()


def _report() -> dict[str, Any]:
    lower, upper = period(start=None, end=None, now=NOW)
    return summarize(sample_facts(), start=lower, end=upper, generated_at=NOW)


def _tofu(text: str) -> str:
    """The same text with every CJK character replaced by a private-use one no font draws (tofu)."""
    return CJK.sub(lambda m: chr(0xE000 + ord(m.group()) % 0x1000), text)


def _labels_page(path: Path, labels: tuple[str, ...]) -> Path:
    lines = "".join(
        f'<p style="margin:0;height:{LINE}px;font-size:30px;white-space:nowrap">{escape(t)}</p>' for t in labels
    )
    path.write_text(
        f'<!doctype html><meta charset="utf-8"><style>{CSS}</style><body style="margin:0;background:#fff">{lines}'
    )
    return path


def _label_lines(tmp_path: Path, labels: tuple[str, ...], name: str, **env: str) -> list[Raster]:
    page = _labels_page(tmp_path / f"{name}.html", labels)
    shot = browser.screenshot(page, width=600, height=LINE * len(labels), env=env)
    return [shot.crop(top=i * LINE, bottom=(i + 1) * LINE) for i in range(len(labels))]


def _glyphs_vs_tofu(tmp_path: Path, **env: str) -> list[tuple[int, int]]:
    """Per label: its ink, and how many pixels differ from the same label in tofu."""
    drawn = _label_lines(tmp_path, LABELS, "labels", **env)
    tofu = _label_lines(tmp_path, tuple(_tofu(t) for t in LABELS), "tofu", **env)
    return [(d.ink(), d.differing(t)) for d, t in zip(drawn, tofu, strict=True)]


def test_chinese_title_and_labels_are_drawn_as_glyphs_not_tofu(tmp_path: Path) -> None:
    for text, (ink, differing) in zip(LABELS, _glyphs_vs_tofu(tmp_path), strict=True):
        assert ink > 200, text
        assert differing > ink // 4, f"{text!r} looks like tofu: {differing} of {ink} dark pixels differ"


def test_without_a_cjk_font_the_glyph_check_sees_tofu(tmp_path: Path) -> None:
    """The check above can fail: with the CJK fonts hidden from the browser every label equals its tofu."""
    (tmp_path / "fonts.conf").write_text(NO_CJK_FONTS)
    renders = _glyphs_vs_tofu(tmp_path, FONTCONFIG_FILE=str(tmp_path / "fonts.conf"))
    for text, (_, differing) in zip(LABELS, renders, strict=True):
        assert differing == 0, text


def test_every_chart_draws_its_bars_and_nothing_scrolls_sideways_at_1280px(tmp_path: Path) -> None:
    report, page = _report(), tmp_path / "measured.html"
    page.write_text(render(report, fmt="html").replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    found = re.search(r'<pre id="metrics">(.*?)</pre>', browser.dump_dom(page, width=1280))
    assert found, "the measuring script did not run"
    metrics = json.loads(found.group(1).replace("&quot;", '"'))
    assert metrics["innerWidth"] == 1280
    assert metrics["scrollWidth"] <= metrics["clientWidth"], "the page scrolls sideways at 1280 px"
    charts = metrics["charts"]
    assert set(charts) == set(_expected_marks(report)), "a chart is missing"
    for chart, expected in _expected_marks(report).items():
        drawn = charts[chart]
        assert (drawn["valued"], drawn["drawn"]) == (expected, expected), chart
        assert drawn["right"] <= metrics["clientWidth"], chart


def _expected_marks(report: dict[str, Any]) -> dict[str, int]:
    """How many bars or segments with a value each chart must draw, from the report's own figures."""

    def counted(items: list[dict[str, Any]], field: str = "count") -> int:
        return sum(1 for i in items if (i[field] or 0) > 0)

    sla_states = ("on_time", "extended", "breached")
    sat_states = ("satisfied", "basically_satisfied", "unsatisfied")
    vol, sat, reo, reg = report["volumes"], report["satisfaction"], report["reopen"], report["regulator_transferred"]
    return {
        "volume-channel": counted(vol["by_channel"]),
        "volume-product-line": counted(vol["by_product_line"]),
        "volume-cause": counted(vol["by_cause"]),
        "route-mix": counted(report["routes"]["by_route"]),
        "sla": sum(1 for s in sla_states if report["sla"][s]),
        "satisfaction-route": sum(1 for g in sat["by_route"] for s in sat_states if g[s]),
        "satisfaction-channel": counted(sat["by_channel"], "rate"),
        "satisfaction-product-line": counted(sat["by_product_line"], "rate"),
        "reopen-route": counted(reo["by_route"], "rate"),
        "repeat-risk": counted(report["repeat"]["by_repeat_risk"]),
        "incident-kind": counted(report["incidents"]["by_kind"]),
        "regulator-route": counted(reg["routes"]["by_route"]),
        "regulator-sla": sum(1 for s in sla_states if reg["sla"][s]),
    }


def test_prints_on_a4_pages_that_all_carry_content_with_chinese_glyphs(tmp_path: Path) -> None:
    html = render(_report(), fmt="html")
    (tmp_path / "report.html").write_text(html, encoding="utf-8")
    (tmp_path / "tofu.html").write_text(_tofu(html), encoding="utf-8")
    pdf = browser.print_pdf(tmp_path / "report.html")
    sizes = browser.page_sizes(pdf)
    assert 2 <= len(sizes) <= 8
    for width, height in sizes:
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1, f"{width} x {height} pt is not A4"
    printed = browser.pages(pdf, dpi=40)
    assert len(printed) == len(sizes)
    assert all(p.non_white() > 0.02 for p in printed), [round(p.non_white(), 3) for p in printed]
    tofu = browser.pages(browser.print_pdf(tmp_path / "tofu.html"), dpi=40)[0]
    band = printed[0].height // 8  # the header: title, period and generation time
    header, tofu_header = printed[0].crop(top=0, bottom=band), tofu.crop(top=0, bottom=band)
    assert header.differing(tofu_header) > header.width * band // 100, "the printed title is tofu"
