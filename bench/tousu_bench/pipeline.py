"""Pipeline phases on the running services: (a) saturation, (c) routed latency + (f) writes, (b) intake latency."""

from __future__ import annotations

import math
import time
from typing import Any

from pymongo import AsyncMongoClient

from tousu_bench.load import Posted, RoutedWatcher, bodies, client, open_loop, saturate, wave_bodies
from tousu_bench.stack import Stack
from tousu_bench.stages import processed, rates
from tousu_bench.stats import latency_ms, steady_rate
from tousu_bench.writes import idle_write_rate, per_complaint, wait_quiet
from tousu_tools.endpoints import Backends


def accepted(posted: list[Posted]) -> dict[str, float]:
    """complaint id → when its POST was due, for the accepted ones."""
    return {p.complaint_id: p.due for p in posted if p.complaint_id}


def statuses(posted: list[Posted]) -> dict[str, int]:
    """HTTP status → count (0 = transport error)."""
    counts: dict[str, int] = {}
    for p in posted:
        counts[str(p.status)] = counts.get(str(p.status), 0) + 1
    return counts


async def measure_pipeline(
    found: Backends, stack: Stack, *, insert_ceiling: float, plan: dict[str, Any]
) -> dict[str, Any]:
    """Run every pipeline phase in order; each starts with the pipeline drained."""
    mongo: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(found.mongo_uri)
    source = bodies(tag=stack.database)
    try:
        async with (
            RoutedWatcher(found.kafka_bootstrap, stack.topics.escalation) as watcher,
            client(stack.intake, stack.api_key) as api,
        ):
            warm = await saturate(api, source, count=plan["warmup"], concurrency=4)  # jieba, caches, connections
            await watcher.wait_for(set(accepted(warm)), timeout_s=120)
            baseline = await idle_write_rate(mongo, seconds=plan["idle_s"])
            results: dict[str, Any] = {"idle_writes_per_s": round(baseline, 2)}
            results["saturation"] = await _saturation(api, source, watcher, stack, plan=plan)
            e2e_rate = results["saturation"]["routed_per_s"]
            results["routed_at_50pct"] = await _routed_latency(api, source, watcher, mongo, rate=e2e_rate / 2,
                                                               baseline=baseline, plan=plan)  # fmt: skip
            # the wave before (b): (b) offers a quarter of the insert ceiling, far more than the pipeline drains
            results["wave"] = await _wave(api, watcher, tag=stack.database, plan=plan)
            results["intake_at_25pct"] = await _intake_latency(api, source, rate=insert_ceiling / 4, plan=plan)
            results["duplicate_routed"] = sum(len(v) > 1 for v in watcher.routed_events.values())
            return results
    finally:
        await mongo.close()


async def _saturation(
    api: Any, source: Any, watcher: RoutedWatcher, stack: Stack, *, plan: dict[str, Any]
) -> dict[str, Any]:
    """(a) As many complaints as intake takes; routed completions per second in steady state."""
    stages_before = await processed(stack)
    started = time.perf_counter()
    posted = await saturate(api, source, count=plan["saturation_count"], concurrency=plan["concurrency"])
    posted_s = time.perf_counter() - started
    ids = accepted(posted)
    missing = await watcher.wait_for(set(ids), timeout_s=plan["drain_timeout_s"])
    stages_after = await processed(stack)
    done = [watcher.first_routed[i] for i in ids if i in watcher.first_routed]
    return {
        "consumed_events_per_s": rates(stages_before, stages_after),
        "complaints": len(posted),
        "statuses": statuses(posted),
        "intake_accept_per_s": round(len(ids) / posted_s, 1),
        "routed_per_s": round(steady_rate(done), 2),
        "routed_overall_per_s": round(len(done) / (max(done) - started), 2) if done else math.nan,
        "not_routed": len(missing),
    }


async def _routed_latency(api: Any, source: Any, watcher: RoutedWatcher, mongo: Any, *, rate: float, baseline: float,
                          plan: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """(c) POST→routed latency at an open-loop rate; (f) writes per complaint over the same, drained window."""
    # Routed is not the end of (a)'s work: intake's read model and follow-up still consume its events.
    before = await wait_quiet(mongo, baseline_per_s=baseline, timeout_s=plan["drain_timeout_s"])
    posted = await open_loop(api, source, rate=rate, seconds=plan["routed_s"])
    ids = accepted(posted)
    missing = await watcher.wait_for(set(ids), timeout_s=plan["drain_timeout_s"])
    after = await wait_quiet(mongo, baseline_per_s=baseline, timeout_s=plan["drain_timeout_s"])
    latencies = [watcher.first_routed[i] - due for i, due in ids.items() if i in watcher.first_routed]
    return {
        "offered_per_s": round(rate, 2),
        "complaints": len(posted),
        "statuses": statuses(posted),
        "not_routed": len(missing),
        "routed_ms": latency_ms(latencies),
        "writes_per_complaint": per_complaint(before, after, complaints=len(ids), baseline_per_s=baseline),
    }


async def _wave(api: Any, watcher: RoutedWatcher, *, tag: str, plan: dict[str, Any]) -> dict[str, Any]:
    """(g) A group wave: `wave_count` same-matter complaints over `wave_s`; seconds from the last POST until
    every one is routed into an incident, and into how many incidents."""
    count, seconds = plan["wave_count"], plan["wave_s"]
    posted = await open_loop(api, wave_bodies(f"{tag}-wave"), rate=count / seconds, seconds=seconds)
    last_post = max(p.due + p.latency_s for p in posted)
    ids = set(accepted(posted))
    await watcher.wait_for(ids, timeout_s=plan["drain_timeout_s"], into_incident=True)
    joined = {i: watcher.incident_routed[i] for i in ids if i in watcher.incident_routed}
    return {
        "complaints": len(posted),
        "statuses": statuses(posted),
        "in_an_incident": len(joined),
        "incidents": len({incident for _, incident in joined.values()}),
        "wave_routed_s": round(max(t for t, _ in joined.values()) - last_post, 1) if joined else math.nan,
    }


async def _intake_latency(api: Any, source: Any, *, rate: float, plan: dict[str, Any]) -> dict[str, Any]:
    """(b) Intake POST latency (from the scheduled send time) at an open-loop rate."""
    posted = await open_loop(api, source, rate=rate, seconds=plan["intake_s"])
    ok = [p.latency_s for p in posted if p.status in (200, 201)]
    return {
        "offered_per_s": round(rate, 2),
        "complaints": len(posted),
        "statuses": statuses(posted),
        "intake_ms": latency_ms(ok),
    }
