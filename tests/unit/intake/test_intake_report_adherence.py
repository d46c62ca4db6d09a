"""Plan adherence in the report: the JSON of GET /v1/reports/summary and tousu report md / html show it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tests.unit.intake.report_builders import sample_facts
from tousu_intake.domain.report import summarize
from tousu_intake.domain.report_adherence import AdherenceCell, OverdueStepCell
from tousu_tools.report_render import render

pytestmark = pytest.mark.unit
START, END = datetime(2026, 11, 1, 16, tzinfo=UTC), datetime(2026, 12, 1, 16, tzinfo=UTC)


def report(*, adherent: int, late: int) -> dict[str, object]:
    cells = [
        AdherenceCell(by="route", key="standard", adherent=True, count=adherent),
        AdherenceCell(by="route", key="standard", adherent=False, count=late),
        AdherenceCell(by="queue", key="frontline", adherent=True, count=adherent),
        AdherenceCell(by="queue", key="frontline", adherent=False, count=late),
        AdherenceCell(by="profile", key="emotional", adherent=False, count=late),
    ]
    steps = (OverdueStepCell(step=3, name="调查核实 investigate", count=late),) if late else ()
    facts = replace(sample_facts(), adherence=tuple(c for c in cells if c.count), overdue_steps=steps)
    return summarize(facts, start=START, end=END, generated_at=END)


def test_the_report_json_has_the_adherent_share_and_the_most_overdue_step() -> None:
    part = report(adherent=3, late=1)["plan_adherence"]
    assert isinstance(part, dict)
    assert (part["closed"], part["adherent"], part["share"]) == (4, 3, 0.75)
    assert part["most_overdue_step"] == {"step": 3, "name": "调查核实 investigate", "count": 1}
    assert part["by_profile"] == [{"key": "emotional", "closed": 1, "adherent": 0, "share": 0.0}]


def test_markdown_and_html_show_the_adherence_section() -> None:
    data = report(adherent=3, late=1)
    md = render(data, fmt="md")
    assert "## Plan adherence 处置方案执行" in md
    assert "3 of 4 closed complaints had every plan step done on time (75.0 %)" in md
    assert "Most frequently overdue step: step 3 调查核实 investigate (1 times)" in md
    html = render(data, fmt="html")
    assert "Plan adherence 处置方案执行" in html and "75.0 %" in html and "3 调查核实 investigate" in html


def test_a_period_without_closed_plans_says_so_instead_of_a_share() -> None:
    md = render(report(adherent=0, late=0), fmt="md")
    assert "0 of 0 closed complaints had every plan step done on time (–)" in md
    assert "No step was done late or missed." in md
