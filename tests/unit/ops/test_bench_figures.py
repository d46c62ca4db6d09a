"""The bench's arithmetic: percentiles, steady-state rate, writes net of the idle baseline, goal verdicts."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from tousu_bench.report import verdict
from tousu_bench.stats import latency_ms, percentile, steady_rate
from tousu_bench.writes import Opcounters, per_complaint

pytestmark = pytest.mark.unit


def test_percentiles_use_the_nearest_rank() -> None:
    values = [i / 1000 for i in range(1, 101)]  # 1..100 ms
    assert percentile(values, 0.5) == 0.05 and percentile(values, 0.99) == 0.099
    assert latency_ms(values) == {"p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0}
    assert math.isnan(percentile([], 0.5))


def test_steady_rate_ignores_the_ramp_and_the_drain() -> None:
    ramp, steady, drain = [0.0] * 10, [1 + i / 10 for i in range(80)], [60.0] * 10  # 10/s in the middle
    assert steady_rate(ramp + steady + drain) == pytest.approx(10.0, rel=0.02)


def test_writes_per_complaint_subtract_the_idle_writers() -> None:
    before = Opcounters(at=0.0, counts={"insert": 100, "update": 200, "delete": 0, "query": 5})
    after = Opcounters(at=10.0, counts={"insert": 180, "update": 420, "delete": 0, "query": 900})
    figures = per_complaint(before, after, complaints=20, baseline_per_s=10.0)
    assert figures["gross"] == 15.0  # (80 + 220) / 20; reads do not count
    assert figures["net"] == 10.0  # minus 10 idle writes/s over 10 s
    assert figures["insert_gross"] == 4.0 and figures["update_gross"] == 11.0


def test_goal_verdicts() -> None:
    assert verdict("e2e_ratio_to_ceiling", 0.3) == "met" and verdict("e2e_ratio_to_ceiling", 0.2) == "MISSED"
    assert verdict("wave_300_routed_s", 29.0) == "met" and verdict("wave_300_incidents", 2) == "MISSED"
    assert verdict("idle_writes_per_s", 0.1) == "met" and verdict("idle_writes_per_s", 12.0) == "MISSED"
    assert verdict("intake_p99_ms_at_25pct", 25.0) == "met" and verdict("routed_p99_ms_at_50pct", 501) == "MISSED"
    assert verdict("analysis_latency_ratio_1m_vs_10k", None) == "" and verdict("peak_rss_mb.intake", 90.0) == ""
