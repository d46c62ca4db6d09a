"""`make soak`: the stack under steady load for SOAK_MIN minutes, with faults at intervals (issue 14 item 5).

Load: an open loop at `--rate` complaints/s (default half the saturation rate of the last `make bench`).
Faults, one every `--fault-every` seconds, in turn: the broker frozen (SIGSTOP) for 10 s, the database
frozen for 10 s, `kill -9` of a consumer service (analysis, escalation, follow-up in turn) restarted at once
as `tousu dev` would, and `kill -9` of the embedded broker replaced by a new, empty one. At the end it waits
for the pipeline to drain and prints: complaints acknowledged / routed / lost (must be 0), duplicate first
routings (must be 0), resident memory of every service and of the broker at the start and the end, the
consumer lag left, and writes `bench/results/soak-latest.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from tousu_bench.load import bodies, client, open_loop
from tousu_bench.stack import Stack, running_stack
from tousu_shared.kafka import cluster_id
from tousu_tools.dev import load_secrets, start_service, wait_healthy
from tousu_tools.embedded import free_port
from tousu_tools.endpoints import Backends, backends

RESULTS = Path(__file__).resolve().parents[1] / "results"
ROUTED = "complaint.routed"
CONSUMERS = ("analysis", "escalation", "followup")


def rss_mb(pid: int) -> float:
    """Current resident memory of a process in MiB (NaN if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return float("nan")


@dataclass
class Routings:
    """Every `complaint.routed` on the escalation topic: distinct first-routing event ids per complaint.

    It reads from the beginning and goes back to the beginning when the broker comes back with a new
    cluster id (a lost log), like the services do, so nothing it should see is skipped.
    """

    bootstrap: str
    topic: str
    first: dict[str, set[str]] = field(default_factory=dict)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Routings:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        consumer = AIOKafkaConsumer(
            self.topic, bootstrap_servers=self.bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
        )
        probe = AIOKafkaProducer(bootstrap_servers=self.bootstrap)
        await consumer.start()
        await probe.start()
        seen: str | None = None
        checked = 0.0
        try:
            while True:
                with contextlib.suppress(Exception):
                    batch = await consumer.getmany(timeout_ms=200, max_records=2000)
                    for records in batch.values():
                        for record in records:
                            self._note(dict(record.headers or ()), record.value)
                if time.monotonic() - checked > 2.0:
                    checked = time.monotonic()
                    with contextlib.suppress(Exception):
                        current = await cluster_id(probe)
                        if seen is not None and current is not None and current != seen and consumer.assignment():
                            for tp in consumer.assignment():
                                consumer.seek(tp, 0)
                        seen = current or seen
        finally:
            await consumer.stop()
            await probe.stop()

    async def wait_for(self, ids: set[str], *, timeout_s: float) -> None:
        """Until every id has a first routing, or the timeout."""
        deadline = time.monotonic() + timeout_s
        while ids - self.first.keys() and time.monotonic() < deadline:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), timeout=2.0)

    def _note(self, headers: dict[str, bytes], value: bytes | None) -> None:
        if headers.get("ce_type", b"").decode() != ROUTED:
            return
        if json.loads(value or b"{}").get("incident_id"):
            return  # a re-route into an incident: a second routing by design
        subject = headers.get("ce_subject", b"").decode()
        self.first.setdefault(subject, set()).add(headers.get("ce_id", b"").decode())
        self._arrived.set()


@dataclass
class Faults:
    """The fault schedule, run beside the load."""

    found: Backends
    stack: Stack
    data_dir: Path
    every_s: float
    log: list[dict[str, Any]] = field(default_factory=list)

    def plan(self) -> Iterator[str]:
        """broker freeze, database freeze, kill -9 of a consumer, broker kill -9, … in turn."""
        consumers = iter(CONSUMERS * 1000)
        while True:
            yield "broker_freeze"
            yield "database_freeze"
            yield f"kill9_{next(consumers)}"
            yield "broker_kill9"

    async def run(self, *, until: float) -> None:
        for fault in self.plan():
            await asyncio.sleep(self.every_s)
            if time.monotonic() + 15 > until:
                return
            started = time.monotonic()
            await asyncio.to_thread(self._inject, fault)
            self.log.append(
                {"fault": fault, "at_s": round(started - self._t0, 1), "took_s": round(time.monotonic() - started, 1)}
            )
            print(f"  fault {fault} at {started - self._t0:.0f} s")

    def start(self) -> None:
        self._t0 = time.monotonic()

    def _inject(self, fault: str) -> None:
        kafka, mongo = self.found.kafka, self.found.mongo
        if fault == "broker_freeze" and kafka is not None:
            kafka.pause()
            time.sleep(10)
            kafka.resume()
        elif fault == "database_freeze" and mongo is not None:
            mongo.pause()
            time.sleep(10)
            mongo.resume()
        elif fault == "broker_kill9" and kafka is not None:
            kafka.proc.kill()
            kafka.proc.wait()
            time.sleep(1)
            kafka.restart()  # as `tousu dev` does: same port, a new (empty) log and cluster id
        elif fault.startswith("kill9_"):
            name = fault.removeprefix("kill9_")
            victim = next(s for s in self.stack.services if s.name == name)
            victim.proc.kill()
            victim.proc.wait()
            keys = load_secrets(self.data_dir)
            again = start_service(self.found, victim.name, free_port(), self.data_dir, keys)
            self.stack.services[self.stack.services.index(victim)] = again
            wait_healthy([again], timeout_s=120)


async def not_routed(api: httpx.AsyncClient, ids: list[str], *, timeout_s: float) -> set[str]:
    """Poll the public view until every complaint is routed (or later); the ones that are not by the timeout.

    Each pass walks the pending list only up to the first complaint still not routed, so a busy
    pipeline is asked a GET or two per second, not one per pending complaint.
    """
    pending = list(ids)
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        while pending:
            with contextlib.suppress(httpx.HTTPError):
                response = await api.get(f"/v1/complaints/{pending[0]}")
                if response.status_code == 200 and response.json().get("status") not in ("received", "analyzed"):
                    pending.pop(0)
                    continue
            break
        if pending:
            await asyncio.sleep(1.0)
    return set(pending)


def consumer_lag(stack: Stack) -> dict[str, float]:
    """Records behind the end, summed per service (`tousu_consumer_lag`)."""
    lag: dict[str, float] = {}
    for svc in stack.services:
        with contextlib.suppress(httpx.HTTPError):
            text = httpx.get(f"{svc.url}/metrics", timeout=10).text
            lag[svc.name] = sum(
                float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("tousu_consumer_lag{")
            )
    return lag


def memory(found: Backends, stack: Stack) -> dict[str, float]:
    """Resident MiB of each service and of the embedded broker."""
    out = {s.name: rss_mb(s.proc.pid) for s in stack.services}
    if found.kafka is not None:
        out["broker"] = rss_mb(found.kafka.proc.pid)
    return out


async def soak(
    found: Backends, stack: Stack, data_dir: Path, *, minutes: float, rate: float, every_s: float
) -> dict[str, Any]:
    """Load, faults, drain; the figures."""
    tag = uuid.uuid4().hex[:6]
    source = bodies(tag)
    async with (
        Routings(found.kafka_bootstrap, stack.topics.escalation) as routings,
        client(stack.intake, stack.api_key) as api,
    ):
        await open_loop(api, source, rate=rate, seconds=10)  # warm-up, not counted
        start_memory = memory(found, stack)
        faults = Faults(found, stack, data_dir, every_s)
        faults.start()
        until = time.monotonic() + minutes * 60
        fault_task = asyncio.create_task(faults.run(until=until))
        posted = []
        while time.monotonic() < until:
            posted += await open_loop(api, source, rate=rate, seconds=min(30.0, until - time.monotonic()))
        await fault_task
        acked = {p.complaint_id for p in posted if p.status in (200, 201) and p.complaint_id}
        drain_started = time.monotonic()
        lost = await not_routed(api, sorted(acked), timeout_s=600)
        drain_s = time.monotonic() - drain_started
        await routings.wait_for(acked, timeout_s=30)  # the topic view catches up (duplicates are counted there)
        duplicates = {cid for cid in acked if len(routings.first.get(cid, ())) > 1}
        statuses: dict[str, int] = {}
        for p in posted:
            statuses[str(p.status)] = statuses.get(str(p.status), 0) + 1
        return {
            "minutes": minutes,
            "rate_per_s": rate,
            "posted": len(posted),
            "statuses": statuses,
            "acknowledged": len(acked),
            "routed": len(acked) - len(lost),
            "lost": len(lost),
            "lost_ids": sorted(lost)[:20],
            "duplicate_first_routings": len(duplicates),
            "drain_s": round(drain_s, 1),
            "faults": faults.log,
            "rss_mb_start": start_memory,
            "rss_mb_end": memory(found, stack),
            "consumer_lag_end": consumer_lag(stack),
        }


def default_rate() -> float:
    """Half the saturation rate of the last `make bench` (2/s if there is none)."""
    latest = RESULTS / "latest.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        return round(float(json.loads(latest.read_text())["e2e_routed_per_s"]) / 2, 2) or 2.0
    return 2.0


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description="tousu soak run (never part of make test)")
    parser.add_argument("--minutes", type=float, default=float(os.environ.get("SOAK_MIN", "20")))
    parser.add_argument("--rate", type=float, default=None, help="complaints/s offered (default: half of saturation)")
    parser.add_argument("--fault-every", type=float, default=60.0, help="seconds between faults")
    parser.add_argument("--out", type=Path, default=RESULTS / "soak-latest.json")
    args = parser.parse_args()
    rate = args.rate or default_rate()
    with tempfile.TemporaryDirectory(prefix="tousu-soak-") as tmp:
        data_dir = Path(tmp)
        with backends(data_dir=data_dir / "servers") as found:
            if found.kafka is None or found.mongo is None:
                print(
                    "note: external servers: the freeze and broker-kill faults need the embedded ones and are skipped"
                )
            with running_stack(found, data_dir / "stack", tag=uuid.uuid4().hex[:8], log_level="WARNING") as stack:
                print(f"soak: {args.minutes:g} min at {rate:g} complaints/s, a fault every {args.fault_every:g} s")
                result = asyncio.run(
                    soak(found, stack, data_dir / "stack", minutes=args.minutes, rate=rate, every_s=args.fault_every)
                )
    result |= {"taken_at": datetime.now(UTC).isoformat(timespec="seconds"), "loadavg_end": os.getloadavg()[0]}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    for key in ("posted", "acknowledged", "routed", "lost", "duplicate_first_routings", "drain_s"):
        print(f"{key:>26}: {result[key]}")
    print(
        f"{'rss_mb start → end':>26}: "
        + ", ".join(f"{k} {result['rss_mb_start'].get(k)} → {v}" for k, v in result["rss_mb_end"].items())
    )
    print(f"{'consumer lag at the end':>26}: {result['consumer_lag_end']}")
    print(f"written to {args.out}")
    if result["lost"] or result["duplicate_first_routings"]:
        raise SystemExit(1)
