"""Counting database writes from the server's own opcounters (serverStatus), for every client at once."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient

WRITE_KINDS = ("insert", "update", "delete")


@dataclass(frozen=True)
class Opcounters:
    """A snapshot of serverStatus.opcounters and when it was taken."""

    at: float
    counts: dict[str, int]

    @property
    def writes(self) -> int:
        """Write operations (insert + update + delete; findAndModify counts as an update)."""
        return sum(self.counts.get(kind, 0) for kind in WRITE_KINDS)


async def opcounters(client: AsyncMongoClient[dict[str, Any]]) -> Opcounters:
    """Server-wide operation counters since the server started."""
    status = await client.admin.command("serverStatus")
    return Opcounters(time.perf_counter(), {k: int(v) for k, v in status["opcounters"].items()})


async def idle_write_rate(client: AsyncMongoClient[dict[str, Any]], *, seconds: float) -> float:
    """Writes per second with no complaints flowing: scanners, leases and relays polling."""
    before = await opcounters(client)
    await asyncio.sleep(seconds)
    after = await opcounters(client)
    return (after.writes - before.writes) / (after.at - before.at)


async def wait_quiet(
    client: AsyncMongoClient[dict[str, Any]], *, baseline_per_s: float, timeout_s: float, window_s: float = 2.0
) -> Opcounters:
    """Poll until the write rate falls back to the idle baseline (the pipeline has finished), or time out."""
    deadline = time.monotonic() + timeout_s
    previous = await opcounters(client)
    while time.monotonic() < deadline:
        await asyncio.sleep(window_s)
        current = await opcounters(client)
        rate = (current.writes - previous.writes) / (current.at - previous.at)
        if rate <= baseline_per_s * 1.5 + 1.0:
            return current
        previous = current
    return await opcounters(client)


def per_complaint(before: Opcounters, after: Opcounters, *, complaints: int, baseline_per_s: float) -> dict[str, float]:
    """Writes per complaint: gross, and net of the idle baseline over the same window; by kind."""
    gross = after.writes - before.writes
    idle = baseline_per_s * (after.at - before.at)
    by_kind = {k: round((after.counts.get(k, 0) - before.counts.get(k, 0)) / complaints, 2) for k in WRITE_KINDS}
    return {
        "net": round((gross - idle) / complaints, 2),
        "gross": round(gross / complaints, 2),
        "idle_writes_per_s": round(baseline_per_s, 2),
        "window_s": round(after.at - before.at, 1),
        **{f"{k}_gross": v for k, v in by_kind.items()},
    }
