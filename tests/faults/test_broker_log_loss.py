"""The embedded broker keeps its log in memory: when it dies, nothing acknowledged is lost (issue 14 item 1).

Every relay keeps what it published for the retention and remembers the broker's cluster id; a broker that
comes back empty has a new id (the embedded one gets a fresh id per process), so each relay publishes what it
kept again, oldest first, and each consumer reads from the earliest record, skipping what it handled by
`ce_id`. Two ways a broker loses its log: `kill -9` under running services, and a whole-stack restart
(Ctrl-C and `make run` again: services stopped, a new broker, services started).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.faults.conftest import Pipeline, assert_exactly_once, complaints, post_all, statuses, wait_routed
from tousu_tools import embedded
from tousu_tools.endpoints import Backends

pytestmark = pytest.mark.faults

N = 150  # per phase


@pytest.fixture
def own_stack(servers: Backends, tmp_path: Path) -> Iterator[Pipeline]:
    """A broker and a database of the test's own (the broker is killed; the session's must live on)."""
    if servers.kafka is None:
        pytest.skip("only the embedded broker keeps its log in memory; Apache Kafka replicates it")
    kport, mport = embedded.free_port(), embedded.free_port()
    kafka = embedded.start_kafka(port=kport, log_dir=tmp_path / "broker-logs")
    mongo = embedded.start_mongo(port=mport, storage=tmp_path / "mongodb", log_dir=tmp_path / "db-logs")
    backends = Backends("embedded", f"127.0.0.1:{kport}", embedded.mongo_uri(mport), False, kafka=kafka, mongo=mongo)
    pipe = Pipeline(backends, tmp_path)
    try:
        yield pipe
    finally:
        pipe.stop()
        kafka.stop()
        mongo.stop()


def kill9_and_replace(broker: embedded.EmbeddedServer) -> None:
    """`kill -9` the broker, then start a new (empty) one on the same port, as `tousu dev` does."""
    broker.proc.kill()
    broker.proc.wait()
    time.sleep(1.0)
    broker.restart()


@pytest.mark.timeout(1500)
def test_a_broker_that_lost_its_log_loses_no_complaint(own_stack: Pipeline) -> None:
    pipe = own_stack
    broker = pipe.backends.kafka
    assert broker is not None
    pipe.start()
    tag = uuid.uuid4().hex[:8]
    bodies = complaints(2 * N, tag)
    started = time.monotonic()
    with pipe.client() as api:
        # phase 1: kill -9 mid-burst under running services; posting goes on through the outage
        with ThreadPoolExecutor(max_workers=1) as pool:
            posting = pool.submit(post_all, api, bodies[:N], workers=4)
            deadline = time.monotonic() + 120
            while not posting.done() and time.monotonic() < deadline and published(pipe) < N // 3:
                time.sleep(0.3)
            kill9_and_replace(broker)
            first = posting.result(timeout=600)
        wait_routed(api, first, timeout_s=600, what="after kill -9 of the broker")
        phase1_s = time.monotonic() - started

        # phase 2: the whole stack restarted mid-flight (Ctrl-C + make run): services stop, a new broker comes
        second = post_all(api, bodies[N:], workers=4)
    pipe.stop()
    kill9_and_replace(broker)
    pipe.start()
    with pipe.client() as api:
        wait_routed(api, first + second, timeout_s=600, what="after a restart of the whole stack")
        assert statuses(api, first + second)["received"] == 0
    report = assert_exactly_once(pipe, first + second)
    print(
        f"{2 * N} complaints: phase 1 (kill -9 mid-burst) all routed after {phase1_s:.0f} s; "
        f"phase 2 (stack restart) all routed {time.monotonic() - started:.0f} s after the first POST; {report}"
    )


def published(pipe: Pipeline) -> float:
    """Events intake's relay has published so far (its metrics)."""
    text = httpx.get(f"{pipe.intake}/metrics", timeout=10).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("tousu_outbox_published_total{")
    )
