"""Per-service event throughput from each service's own /metrics: which stage limits the pipeline."""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tousu_bench.stack import Stack


@dataclass(frozen=True)
class Processed:
    """Events each service had processed (outcome=processed) at one moment."""

    at: float
    by_service: dict[str, float]


async def processed(stack: Stack) -> Processed:
    """Scrape every service's tousu_events_processed_total{outcome="processed"}."""
    totals: dict[str, float] = {}
    async with httpx.AsyncClient(timeout=10) as client:
        for service in stack.services:
            text = (await client.get(f"{service.url}/metrics")).text
            totals[service.name] = sum(
                sample.value
                for family in text_string_to_metric_families(text)
                if family.name == "tousu_events_processed"
                for sample in family.samples
                if sample.name.endswith("_total") and sample.labels.get("outcome") == "processed"
            )
    return Processed(time.perf_counter(), totals)


def rates(before: Processed, after: Processed) -> dict[str, float]:
    """Consumed events per second per service between two scrapes."""
    span = after.at - before.at
    return {name: round((after.by_service[name] - before.by_service[name]) / span, 1) for name in after.by_service}
