"""Whole-pipeline faults: a broker outage and consumer crashes lose nothing and double-count nothing."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.faults.conftest import (
    Pipeline,
    assert_exactly_once,
    complaints,
    effects,
    post_all,
    read_topic,
    wait_routed,
)
from tousu_shared.mongo import create_client
from tousu_tools.dev import wait_healthy
from tousu_tools.endpoints import Backends

pytestmark = pytest.mark.faults


def broker_pause(backends: Backends) -> tuple[Callable[[], object], Callable[[], object]]:
    """(pause, resume) of the session's broker, whatever it runs as.

    Embedded: SIGSTOP/SIGCONT of the broker process (its storage is memory only, so a restart would lose every
    record). Containers: `docker pause`/`unpause` (cgroup freezer), which keeps the container's randomly mapped
    port and hence its advertised listener; `docker stop`/`start` would remap the port and strand every client.
    """
    if backends.kafka is not None:
        return backends.kafka.pause, backends.kafka.resume
    container = backends.extra.get("kafka")
    if container is not None:  # pragma: no cover - needs a Docker engine
        wrapped = container.get_wrapped_container()  # type: ignore[attr-defined]
        return wrapped.pause, wrapped.unpause
    pytest.skip("an external broker cannot be paused from here")


@pytest.mark.timeout(900)
def test_broker_outage_across_the_whole_pipeline(pipeline: Pipeline) -> None:
    pause, resume = broker_pause(pipeline.backends)
    pipeline.start()
    bodies = complaints(300, uuid.uuid4().hex[:8])
    with pipeline.client() as api:
        started = time.monotonic()
        pause()
        try:
            ids = post_all(api, bodies)  # 201 asserted for each while the broker hangs
            posting_s = time.monotonic() - started
        finally:
            resume()
        assert len(set(ids)) == 300
        wait_routed(api, ids, timeout_s=600, what="after the broker came back")
    report = assert_exactly_once(pipeline, ids)
    print(
        f"300 posted in {posting_s:.1f} s during the outage; all routed {time.monotonic() - started:.0f} s "
        f"after the outage began; {report}"
    )


# The brief's 1,000 complaints: about 23 minutes on the embedded database (a Python server, CPU-bound at ~0.6
# complaints/s end to end with seven service processes on 2 cores); TOUSU_FAULTS_CRASH_COMPLAINTS=300 for a
# quicker local run.
N_CRASH = int(os.environ.get("TOUSU_FAULTS_CRASH_COMPLAINTS", "1000"))
CONSUMERS = ("analysis", "escalation", "followup")
N_RESOLVED = 30  # resolved after the crashes: follow-up schedules exactly one survey for each
RESOLVED = {
    "type": "resolved",
    "actor": "handler-faults",
    "decision": "退还年费",
    "remedy": "退还480元",
    "root_cause": "营销话术未经合规审核",
    "remediation": "整改营销话术并培训客户经理",
}


async def followup_context(pipe: Pipeline, ids: list[str]) -> dict[str, dict[str, Any]]:
    """complaint id → what follow-up stored from the received, analysed and routed events."""
    client = create_client(pipe.mongo())
    try:
        docs = client[pipe.database]["followup_cases"].find({"_id": {"$in": ids}}, {"context": 1})
        return {doc["_id"]: doc.get("context") or {} for doc in await docs.to_list()}
    finally:
        await client.close()


@pytest.mark.timeout(3600)
def test_consumer_kill_9_mid_stream_with_a_second_instance(pipeline: Pipeline) -> None:
    pipeline.start()
    spare = pipeline.start(CONSUMERS)  # a second instance of each, in the same consumer groups
    victims = {name: next(p for p in pipeline.running(name) if p not in spare) for name in CONSUMERS}
    bodies = complaints(N_CRASH, uuid.uuid4().hex[:8])
    ids: list[str] = []
    with pipeline.client() as api:
        poster = threading.Thread(target=lambda: ids.extend(post_all(api, bodies, workers=4)))
        started = time.monotonic()
        poster.start()
        killed_at = {}
        for name in CONSUMERS:  # each in turn, while complaints keep flowing
            time.sleep(6)
            pipeline.kill9(victims[name])
            killed_at[name] = round(time.monotonic() - started, 1)
        time.sleep(3)
        restarted = [pipeline.spawn(name) for name in CONSUMERS]
        poster.join(timeout=900)
        assert len(ids) == N_CRASH, "every POST answered 201"
        wait_healthy(restarted, timeout_s=120)
        wait_routed(api, ids, timeout_s=max(600, 3 * N_CRASH), what="after kill -9 of analysis, escalation, follow-up")
        routed_s = time.monotonic() - started

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            context = asyncio.run(followup_context(pipeline, ids))
            if len(context) == N_CRASH and all(c.get("route") for c in context.values()):
                break
            time.sleep(2)
        unseen = [cid for cid in ids if not context.get(cid, {}).get("route")]
        assert not unseen, f"follow-up never recorded the routing of {len(unseen)} complaints: {unseen[:5]}"

        resolved = ids[:N_RESOLVED]
        for cid in resolved:
            response = api.post(f"/v1/complaints/{cid}/actions", json=RESOLVED)
            assert response.status_code in (200, 201, 202), response.text
    report = assert_exactly_once(pipeline, ids)
    surveys = effects(
        read_topic(pipeline, "followup", "followup.survey_scheduled", set(resolved)),
        "followup.survey_scheduled",
        set(resolved),
    )
    multi = {cid: c for cid, c in surveys.items() if len(c) != 1}
    assert set(surveys) == set(resolved) and not multi, f"surveys not scheduled exactly once: {multi}"
    print(
        f"{N_CRASH} complaints; killed (s after the first POST): {killed_at}; all routed after {routed_s:.0f} s, "
        f"follow-up saw every routing, {N_RESOLVED} resolved → one survey each; {report}"
    )
