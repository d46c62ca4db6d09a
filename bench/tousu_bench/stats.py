"""Percentiles and rates over measured samples."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-quantile (nearest rank), NaN when there are no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def latency_ms(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max in milliseconds of durations in seconds."""
    return {
        name: round(1000 * percentile(values, q), 1)
        for name, q in (("p50", 0.50), ("p95", 0.95), ("p99", 0.99), ("max", 1.0))
    }


def steady_rate(times: Sequence[float], *, trim: float = 0.1) -> float:
    """Completions per second between the trim and 1-trim quantiles of completion times (no ramp, no drain)."""
    ordered = sorted(times)
    if len(ordered) < 10:
        return math.nan
    low, high = int(trim * len(ordered)), int((1 - trim) * len(ordered)) - 1
    span = ordered[high] - ordered[low]
    return (high - low) / span if span > 0 else math.nan
