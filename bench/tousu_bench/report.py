"""The results file and the printed table, with each figure against its goal."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.table import Table

# key → (goal text, passes?) — figures without a goal are printed for context.
GOALS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "e2e_ratio_to_ceiling": ("≥ 0.30", lambda v: v >= 0.30),
    "e2e_routed_per_s": ("≥ 100", lambda v: v >= 100),
    "intake_p99_ms_at_25pct": ("≤ 25 ms", lambda v: v <= 25),
    "idle_writes_per_s": ("≤ 0.2", lambda v: v <= 0.2),
    "wave_300_routed_s": ("≤ 30 s", lambda v: v <= 30),
    "wave_300_incidents": ("= 1", lambda v: v == 1),
    "routed_p99_ms_at_50pct": ("≤ 500 ms", lambda v: v <= 500),
    "analysis_latency_ratio_1m_vs_10k": ("≤ 1.5", lambda v: v <= 1.5),
}
KIND = {  # ratios hold across machines; absolute figures depend on the machine
    "e2e_ratio_to_ceiling": "ratio",
    "analysis_latency_ratio_1m_vs_10k": "ratio",
    "analysis_latency_ratio_largest_vs_10k": "ratio",
    "writes_per_complaint": "count",
}


def verdict(key: str, value: Any) -> str:
    """'met', 'MISSED' or '' when the figure has no goal or was not measured."""
    if key not in GOALS or not isinstance(value, int | float) or math.isnan(value):
        return ""
    return "met" if GOALS[key][1](value) else "MISSED"


def headline(results: dict[str, Any]) -> list[tuple[str, Any]]:
    """The figures of the table, in order."""
    keys = [
        "db_insert_ceiling_per_s", "broker_produce_consume_msgs_per_s", "e2e_routed_per_s", "e2e_ratio_to_ceiling",
        "writes_per_complaint", "idle_writes_per_s", "intake_accept_per_s", "wave_300_routed_s", "wave_300_incidents",
        "intake_p50_ms_at_25pct", "intake_p95_ms_at_25pct", "intake_p99_ms_at_25pct",
        "routed_p50_ms_at_50pct", "routed_p99_ms_at_50pct", "analysis_latency_ratio_1m_vs_10k",
        "analysis_latency_ratio_largest_vs_10k",
    ]  # fmt: skip
    rows = [(k, results.get(k)) for k in keys]
    rows += [(f"peak_rss_mb.{name}", mb) for name, mb in results.get("peak_rss_mb", {}).items()]
    return rows


def print_table(results: dict[str, Any], console: Console | None = None) -> None:
    """The headline figures, their kind and their goal."""
    table = Table(title=f"tousu bench ({results['mode']}, {results['backend']})")
    for column in ("figure", "value", "kind", "goal", ""):
        table.add_column(column)
    for key, value in headline(results):
        goal = GOALS[key][0] if key in GOALS else ""
        kind = KIND.get(key, "absolute")
        shown = "—" if value is None else f"{value:,.2f}" if isinstance(value, float) else str(value)
        table.add_row(key, shown, kind, goal, verdict(key, value))
    (console or Console()).print(table)
