"""`tousu evaluate` on the labelled samples meets the issue's targets through the service's own code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.samples import samples_path
from tousu_tools.evaluate import Report, complaint_from_body, evaluate, main, read_records, render_text, to_json

pytestmark = pytest.mark.unit

SAMPLES = samples_path()


@pytest.fixture(scope="module")
def report() -> Report:
    return evaluate(read_records(SAMPLES))


def test_samples_route_macro_f1_is_at_least_0_9(report: Report) -> None:
    assert report.route_macro_f1 >= 0.9


def test_samples_repeat_band_macro_f1_is_at_least_0_8(report: Report) -> None:
    assert report.repeat_band_macro_f1 >= 0.8


def test_json_report_has_the_contract_keys(report: Report) -> None:
    data = json.loads(to_json(report))
    assert {"route_macro_f1", "repeat_band_accuracy", "repeat_band_macro_f1", "routes", "records"} <= data.keys()
    assert {"precision", "recall", "f1", "support"} <= data["routes"]["standard"].keys()
    assert len(data["records"]) == report.count


def test_text_report_names_the_headline_figures(report: Report) -> None:
    text = render_text(report)
    assert "route macro-F1" in text
    assert "worst misses" in text


def test_sample_body_becomes_a_masked_event() -> None:
    body = json.loads(SAMPLES.read_text(encoding="utf-8").splitlines()[6])["body"]
    event = complaint_from_body(body=body, complaint_id="E-1")
    dumped = event.model_dump_json()
    assert body["customer"]["ref"] not in dumped
    assert body["representative"]["phone"] not in dumped
    assert len(event.content) == len(body["content"])


def test_main_reports_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(tmp_path / "absent.jsonl") == 2
    assert "cannot read" in capsys.readouterr().out
