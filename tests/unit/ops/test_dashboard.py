"""The Grafana dashboard queries only metrics the four services really export, and covers what operators watch."""

from __future__ import annotations

import json
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.ops.metric_names import PROMETHEUS_OWN, exported_names, metric_names
from tousu_shared.settings import SERVICES

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[3]
DASHBOARD = ROOT / "deploy/grafana/dashboards/tousu.json"
# Grafana's built-in variables, replaced by what Grafana would substitute.
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "$__range": "6h", "$__interval": "15s"}


@cache
def exported() -> frozenset[str]:
    """Every series name any service exposes, plus the ones Prometheus writes per target."""
    names: set[str] = set(PROMETHEUS_OWN)
    for name in SERVICES:
        names |= exported_names(name)
    return frozenset(names)


def dashboard() -> dict[str, Any]:
    """The provisioned dashboard."""
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def queries(board: dict[str, Any]) -> dict[str, str]:
    """Every PromQL expression, keyed by 'panel title / refId'."""
    return {
        f"{panel['title']} / {target['refId']}": target["expr"]
        for panel in board["panels"]
        for target in panel.get("targets", [])
    }


def test_metric_name_extraction_ignores_functions_labels_ranges_and_groupings() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, service) (rate(a_bucket{route!~"/x|y", job="tousu"}[$__rate_interval])))'
        " / on (service) group_left (kind) b_total offset 1h > bool 3 unless c"
    )
    assert metric_names(expr) == {"a_bucket", "b_total", "c"}


def test_exported_names_follow_the_metric_types() -> None:
    intake = exported_names("intake")
    assert {"tousu_http_request_duration_seconds_bucket", "tousu_complaints_received_total"} <= intake
    assert "tousu_faststream_received_messages_total" in intake  # the middleware on the same registry
    assert "tousu_complaints_received" not in intake and "tousu_outbox_pending_total" not in intake


def test_every_panel_queries_only_metrics_the_services_export() -> None:
    unknown = {
        where: sorted(metric_names(expr) - exported())
        for where, expr in queries(dashboard()).items()
        if metric_names(expr) - exported()
    }
    assert not unknown, f"panels query metrics no service exports: {unknown}"
    assert all(metric_names(expr) for expr in queries(dashboard()).values()), "a query selects no metric"


def test_the_check_catches_a_misspelt_metric() -> None:
    board = dashboard()
    board["panels"][1]["targets"][0]["expr"] = "sum(rate(tousu_complaint_received_total[5m]))"
    names = {n for expr in queries(board).values() for n in metric_names(expr)}
    assert names - exported() == {"tousu_complaint_received_total"}


def test_dashboard_covers_what_operators_watch() -> None:
    board = dashboard()
    read = {n for expr in queries(board).values() for n in metric_names(expr)}
    assert {
        "tousu_complaints_received_total",  # intake rate
        "tousu_http_request_duration_seconds_bucket",  # intake latency
        "tousu_consumer_lag",  # pipeline lag per service
        "tousu_routed_total",  # routes mix
        "tousu_incidents_open",
        "tousu_sla_warnings_total",
        "tousu_sla_breached_total",
        "tousu_satisfaction_total",
        "tousu_reopened_total",
        "tousu_deadletter_total",
        "tousu_outbox_pending",
        "tousu_outbox_oldest_age_seconds",
        "up",
    } <= read
    latency = [e for e in queries(board).values() if "tousu_http_request_duration_seconds_bucket" in e]
    assert {q for q in ("0.5", "0.95", "0.99") if any(f"histogram_quantile({q}," in e for e in latency)} == {
        "0.5",
        "0.95",
        "0.99",
    }
    lag = next(e for e in queries(board).values() if "tousu_consumer_lag" in e)
    assert "by (service)" in lag


def test_panels_do_not_overlap_on_the_grid() -> None:
    cells: dict[tuple[int, int], str] = {}
    for panel in dashboard()["panels"]:
        pos = panel["gridPos"]
        assert pos["x"] + pos["w"] <= 24, panel["title"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


@pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool not installed (Debian: apt-get install prometheus)"
)
def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    # promtool parses every expression of a rule file: wrap each query in a recording rule.
    rules = []
    for index, expr in enumerate(queries(dashboard()).values()):
        for variable, value in GRAFANA_VARIABLES.items():
            expr = expr.replace(variable, value)
        rules.append({"record": f"dashboard:query_{index}", "expr": expr})
    path = tmp_path / "dashboard.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8")
    result = subprocess.run(["promtool", "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
