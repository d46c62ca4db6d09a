"""Fault tests: the four services as OS processes on their own database and topics, killable one by one."""

from __future__ import annotations

import asyncio
import copy
import json
import os
import signal
import sys
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.kafka import Record, consume_until
from tousu_shared.apikey_store import ApiKeyRepository
from tousu_shared.apikeys import ApiKey, generate_key, hash_key
from tousu_shared.kafka import ensure_topics
from tousu_shared.mongo import create_client
from tousu_shared.settings import SERVICES, KafkaSettings, MongoSettings, ServiceName, Topics
from tousu_tools import embedded
from tousu_tools.demo_plan import load_samples
from tousu_tools.dev import ServiceProcess, load_secrets, service_env, stop_services, wait_healthy
from tousu_tools.endpoints import Backends

TOPIC_KEYS = ("intake", "analysis", "escalation", "followup", "deadletter")


@dataclass
class Pipeline:
    """Services as processes against `backends`, with a database and topics of their own."""

    backends: Backends
    data_dir: Path
    suffix: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    group_suffix: str = ""
    procs: list[ServiceProcess] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Consumer groups of this pipeline's own: on a shared broker, a group joined by another test's (killed)
        # members would make every join wait for their rebalance.
        self.group_suffix = self.group_suffix or f"-f{self.suffix}"
        (self.data_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.keys = load_secrets(self.data_dir)

    @property
    def topics(self) -> Topics:
        """This pipeline's topic names."""
        return Topics(**{t: f"tousu.{t}.v1.f{self.suffix}" for t in TOPIC_KEYS})

    @property
    def database(self) -> str:
        """This pipeline's database."""
        return f"f_{self.suffix}"

    @property
    def kafka(self) -> KafkaSettings:
        """Kafka settings for test-side clients (dlq tools, topic reads)."""
        return KafkaSettings(
            bootstrap_servers=self.backends.kafka_bootstrap,
            idempotence=self.backends.kafka_idempotence,
            topics=self.topics,
        )

    @property
    def api_key(self) -> str:
        """The development key (every scope and channel)."""
        return self.keys["dev_api_key"]

    def env(self) -> dict[str, str]:
        """Topic, database and tuning variables for every service process."""
        env = {f"TOUSU_KAFKA_TOPICS__{t.upper()}": name for t, name in self.topics.model_dump().items()}
        return env | {
            "TOUSU_MONGODB_DATABASE": self.database,
            "TOUSU_RATE_LIMIT_PER_S": "10000",
            "TOUSU_RATE_LIMIT_BURST": "10000",
            "TOUSU_FOLLOWUP_RATE_LIMIT_PER_S": "10000",
            "TOUSU_FOLLOWUP_RATE_LIMIT_BURST": "10000",
            "TOUSU_LOG_JSON": "true",
            "TOUSU_KAFKA_SESSION_TIMEOUT_MS": "3000",
            "TOUSU_KAFKA_HEARTBEAT_INTERVAL_MS": "300",
            "TOUSU_KAFKA_REQUEST_TIMEOUT_MS": "5000",
            "TOUSU_RETRY_BASE_DELAY_S": "0.05",
            "TOUSU_RETRY_MAX_DELAY_S": "1.0",
            "TOUSU_KAFKA_GROUP_SUFFIX": self.group_suffix,
            "TOUSU_MONGODB_SERVER_SELECTION_TIMEOUT_MS": "2000",
        }

    def spawn(self, name: ServiceName) -> ServiceProcess:
        """Start one more process of a service (same group as the others of its name)."""
        port = embedded.free_port()
        env = service_env(self.backends, name, port, self.data_dir, self.keys) | self.env()
        log = (self.data_dir / "logs" / f"{name}-{port}.log").open("ab")
        proc = embedded.spawn([sys.executable, "-m", "tousu_tools.cli", "serve", name], log=log, env=env)
        svc = ServiceProcess(name, port, proc)
        self.procs.append(svc)
        return svc

    def start(self, names: tuple[ServiceName, ...] = SERVICES) -> list[ServiceProcess]:
        """Start these services and wait until every one is ready."""
        asyncio.run(ensure_topics(self.kafka.model_copy(update={"partitions": 6})))
        started = [self.spawn(n) for n in names]
        wait_healthy(started, timeout_s=90)
        return started

    def running(self, name: ServiceName) -> list[ServiceProcess]:
        """Live processes of a service."""
        return [p for p in self.procs if p.name == name and p.proc.poll() is None]

    @property
    def intake(self) -> str:
        """URL of a live intake."""
        return self.running("intake")[0].url

    def kill9(self, svc: ServiceProcess) -> None:
        """SIGKILL, no goodbye."""
        os.kill(svc.proc.pid, signal.SIGKILL)
        svc.proc.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM everything that still runs."""
        stop_services([p for p in self.procs if p.proc.poll() is None])

    def stop_all_consumers(self) -> None:
        """Stop analysis, escalation and follow-up (intake keeps serving)."""
        stop_services([p for p in self.procs if p.name != "intake" and p.proc.poll() is None])

    def client(self) -> httpx.Client:
        """A client of the intake API with the dev key."""
        return httpx.Client(base_url=self.intake, headers={"Authorization": f"Bearer {self.api_key}"}, timeout=60)

    def mongo(self) -> MongoSettings:
        """The pipeline's database settings."""
        return MongoSettings(uri=self.backends.mongo_uri, database=self.database)

    def logs(self) -> str:
        """Tails of every service log, for failure messages."""
        tails = [
            f"== {p.name}\n" + p.read_text(errors="replace")[-1200:]
            for p in sorted((self.data_dir / "logs").glob("*.log"))
        ]
        return "\n".join(tails)


@contextmanager
def own_database(servers: Backends, data_dir: Path) -> Iterator[Backends]:
    """The session's broker with a fresh MongoDB-protocol server of the pipeline's own, when embedded.

    The embedded database slows down as it keeps running (infra-notes: updates 366 → 115/s after ~6 k), and by
    the time the fault tests run, the whole suite has written to the session's server: a fresh one per pipeline
    keeps a fault test's duration independent of what ran before it. Other paths use the session's database.
    """
    if servers.mongo is None:
        yield servers
        return
    port = embedded.free_port()
    mongo = embedded.start_mongo(port=port, storage=data_dir / "mongodb", log_dir=data_dir / "db-logs")
    try:
        yield Backends(
            "embedded",
            servers.kafka_bootstrap,
            embedded.mongo_uri(port),
            servers.kafka_idempotence,
            kafka=servers.kafka,
            mongo=mongo,
        )
    finally:
        mongo.stop()


@pytest.fixture
def pipeline(servers: Backends, tmp_path: Path) -> Iterator[Pipeline]:
    """A fresh pipeline on the session's broker and a database server of its own (not started: call `.start()`)."""
    with own_database(servers, tmp_path) as backends:
        pipe = Pipeline(backends, tmp_path)
        try:
            yield pipe
        finally:
            pipe.stop()


async def create_key(mongo: MongoSettings, *, scopes: set[str], channels: set[str] | None = None) -> str:
    """Store an API key straight in intake's and follow-up's key collections (as `tousu keys create`); its secret."""
    client = create_client(mongo)
    try:
        key_id, secret = generate_key()
        key = ApiKey(
            key_id=key_id, name="faults", channels=frozenset(channels or {"hotline"}), scopes=frozenset(scopes)
        )
        for collection in ("intake_api_keys", "followup_api_keys"):
            await ApiKeyRepository(client[mongo.database][collection]).save(key, key_hash=hash_key(secret))
        return secret
    finally:
        await client.close()


def complaints(n: int, tag: str) -> list[dict[str, Any]]:
    """`n` complaints cycled from the packaged samples: unique refs and customers, received an hour ago."""
    samples = load_samples()
    received = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    bodies = []
    for i in range(n):
        body = copy.deepcopy(samples[i % len(samples)]["body"])
        body |= {"received_at": received, "channel_ref": f"F-{tag}-{i}"}
        body["customer"]["ref"] = f"CUST-F-{tag}-{i}"
        bodies.append(body)
    return bodies


def post_all(api: httpx.Client, bodies: list[dict[str, Any]], *, workers: int = 8) -> list[str]:
    """POST concurrently (201 asserted); the complaint ids in body order."""
    from concurrent.futures import ThreadPoolExecutor

    def post(body: dict[str, Any]) -> str:
        response = api.post("/v1/complaints", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["complaint_id"])

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(post, bodies))


def statuses(api: httpx.Client, ids: list[str]) -> Counter[str]:
    """Status of every complaint through the public API."""
    found: Counter[str] = Counter()
    for cid in ids:
        response = api.get(f"/v1/complaints/{cid}")
        found[response.json()["status"] if response.status_code == 200 else f"http {response.status_code}"] += 1
    return found


def wait_routed(api: httpx.Client, ids: list[str], *, timeout_s: float, what: str = "") -> None:
    """Poll until every complaint's view says `routed`.

    Each pass walks the pending list only up to the first complaint still not routed, then sleeps: while the
    pipeline is busy this costs a GET or two per second instead of one per pending complaint, which would
    compete with the very projections being waited for.
    """
    import time

    pending = list(ids)
    deadline = time.monotonic() + timeout_s
    while pending and time.monotonic() < deadline:
        while pending:
            response = api.get(f"/v1/complaints/{pending[0]}")
            if response.status_code != 200 or response.json()["status"] != "routed":
                break
            pending.pop(0)
        if pending:
            time.sleep(1.0)
    assert not pending, (
        f"{what}: {len(pending)} of {len(ids)} not routed within {timeout_s} s: {statuses(api, pending[:20])}"
    )


def first_routing(record: Record) -> bool:
    """A routing of the first cycle (reopened cycles are routed again, legitimately)."""
    return int(json.loads(record.value or b"{}").get("cycle", 1)) == 1


def routings(records: list[Record], ids: set[str]) -> dict[tuple[str, str | None], Counter[str]]:
    """(complaint id, incident id or None) → Counter of ce_id of first-cycle `complaint.routed` records.

    A complaint is routed once on its analysis and may legitimately be re-routed once per incident it joins
    (the re-route carries the incident id); anything else under one key is a double-counted routing.
    """
    found: dict[tuple[str, str | None], Counter[str]] = defaultdict(Counter)
    for r in records:
        if r.headers.get("ce_type") == "complaint.routed" and r.headers.get("ce_subject") in ids and first_routing(r):
            incident = json.loads(r.value or b"{}").get("incident_id")
            found[(r.headers["ce_subject"], incident)][r.headers["ce_id"]] += 1
    return found


def effects(records: list[Record], event_type: str, ids: set[str], *, only: Any = None) -> dict[str, Counter[str]]:
    """complaint id → Counter of ce_id over records of this type (a re-delivery repeats a ce_id)."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        if r.headers.get("ce_type") == event_type and r.headers.get("ce_subject") in ids and (only is None or only(r)):
            found[r.headers["ce_subject"]][r.headers["ce_id"]] += 1
    return found


def read_topic(pipe: Pipeline, key: str, event_type: str, ids: set[str], *, timeout_s: float = 60) -> list[Record]:
    """Every record of a topic, read until each complaint has at least one event of this type."""
    return asyncio.run(
        consume_until(
            pipe.backends.kafka_bootstrap,
            getattr(pipe.topics, key),
            lambda seen: set(effects(seen, event_type, ids)) >= ids,
            timeout_s=timeout_s,
        )
    )


def assert_exactly_once(pipe: Pipeline, ids: list[str]) -> dict[str, int]:
    """One received, one analysed and one routing (per incident joined) per complaint, by distinct ce_id."""
    wanted = set(ids)
    report: dict[str, int] = {}
    for key, event_type in (("intake", "complaint.received"), ("analysis", "complaint.analyzed")):
        found = effects(read_topic(pipe, key, event_type, wanted), event_type, wanted)
        assert set(found) == wanted, f"{event_type}: {len(wanted - set(found))} complaints without it"
        multi = {cid: c for cid, c in found.items() if len(c) != 1}
        assert not multi, (
            f"{event_type}: {len(multi)} complaints with several distinct effects: {list(multi.items())[:3]}"
        )
        report[f"{event_type} redeliveries"] = sum(sum(c.values()) - 1 for c in found.values())
    found_routed = routings(read_topic(pipe, "escalation", "complaint.routed", wanted), wanted)
    assert {cid for cid, _ in found_routed} == wanted, "complaints without a complaint.routed"
    multi_r = {k: c for k, c in found_routed.items() if len(c) != 1}
    assert not multi_r, f"complaint.routed: {len(multi_r)} double routings: {list(multi_r.items())[:3]}"
    report["complaint.routed redeliveries"] = sum(sum(c.values()) - 1 for c in found_routed.values())
    report["incident re-routes"] = len(found_routed) - len(wanted)
    return report
