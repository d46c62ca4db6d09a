"""Scale-out is Kafka's: two analysis and two escalation processes share their groups' partitions, and every
complaint is analysed and routed exactly once in effect — also when one instance of each is killed mid-stream."""

from __future__ import annotations

import copy
import json
import os
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Stack
from tests.support.kafka import Record, consume_until
from tests.support.servers import eventually
from tousu_tools.demo_plan import load_samples
from tousu_tools.dev import ServiceProcess, load_secrets, start_service, stop_services, wait_healthy
from tousu_tools.embedded import free_port
from tousu_tools.endpoints import Backends

pytestmark = pytest.mark.e2e

PARTITIONS = 6  # tests/conftest.py and the e2e stack create every topic with 6


def topic(key: str) -> str:
    """The stack's topic names live in its environment (tests/e2e/conftest.py stack_env)."""
    return os.environ[f"TOUSU_KAFKA_TOPICS__{key.upper()}"]


def plain_complaints(tag: str) -> list[dict[str, Any]]:
    """Plain complaints with pairwise different matters, each from a new customer: no incident re-routes them."""
    received = (datetime.now(UTC) - timedelta(hours=1)).isoformat(timespec="seconds")
    bodies: list[dict[str, Any]] = []
    matters: set[tuple[str, str]] = set()
    for sample in load_samples():
        matter = (sample["body"]["product"]["type"], sample["expect"]["cause"])
        if sample["expect"]["scenario"] != "standard:plain" or matter in matters:
            continue
        matters.add(matter)
        body = copy.deepcopy(sample["body"])
        n = len(bodies)
        body |= {"received_at": received, "channel_ref": f"SCALE-{tag}-{n}"}
        body["customer"]["ref"] = f"CUST-SCALE-{tag}-{n}"
        bodies.append(body)
    assert len(bodies) >= 16
    return bodies


@pytest.fixture
def second_instances(stack: Stack, servers: Backends) -> Iterator[dict[str, ServiceProcess]]:
    """A second analysis and a second escalation process, same topics, database and consumer groups."""
    keys = load_secrets(stack.data_dir)
    extra = {
        name: start_service(servers, name, free_port(), stack.data_dir, keys) for name in ("analysis", "escalation")
    }
    try:
        wait_healthy(list(extra.values()), timeout_s=90)
        yield extra
    finally:
        stop_services(list(extra.values()))


async def assigned(url: str, topic_name: str) -> set[int]:
    """Partitions of a topic this instance reports lag for, i.e. the ones assigned to it."""
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"{url}/metrics")).text
    return {
        int(line.split('partition="')[1].split('"')[0])
        for line in text.splitlines()
        if line.startswith("tousu_consumer_lag{") and f'topic="{topic_name}"' in line
    }


async def processed(url: str) -> float:
    """Events this instance has processed (outcome=processed)."""
    async with httpx.AsyncClient(timeout=5) as client:
        text = (await client.get(f"{url}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("tousu_events_processed_total{") and 'outcome="processed"' in line
    )


def split_between(first: set[int], second: set[int]) -> bool:
    """Both instances own partitions, none twice, all covered."""
    return bool(first) and bool(second) and not first & second and first | second == set(range(PARTITIONS))


def events_by_complaint(records: list[Record], event_type: str, ids: set[str]) -> dict[str, Counter[str]]:
    """complaint id → Counter of the ce_id of each record of this type (redeliveries count the same ce_id)."""
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for record in records:
        if record.headers.get("ce_type") == event_type and record.headers.get("ce_subject") in ids:
            found[record.headers["ce_subject"]][record.headers["ce_id"]] += 1
    return found


async def post_all(api: httpx.AsyncClient, bodies: list[dict[str, Any]]) -> list[str]:
    """POST each complaint (201 asserted); their ids."""
    ids = []
    for body in bodies:
        response = await api.post("/v1/complaints", json=body)
        assert response.status_code == 201, response.text
        ids.append(response.json()["complaint_id"])
    return ids


async def every_event(servers: Backends, key: str, event_type: str, ids: set[str]) -> dict[str, Counter[str]]:
    """Read the topic until every complaint has at least one event of this type."""
    records = await consume_until(
        servers.kafka_bootstrap,
        topic(key),
        lambda seen: set(events_by_complaint(seen, event_type, ids)) == ids,
        timeout_s=120,
    )
    return events_by_complaint(records, event_type, ids)


async def routed_view(api: httpx.AsyncClient, complaint_id: str) -> dict[str, Any]:
    """The complaint's view once intake's read model has seen it routed."""

    async def view() -> dict[str, Any] | None:
        body: dict[str, Any] = (await api.get(f"/v1/complaints/{complaint_id}")).json()
        return body if any(e["type"] == "complaint.routed" for e in body["timeline"]) else None

    found: dict[str, Any] = await eventually(view, timeout_s=60)  # type: ignore[assignment]
    return found


async def test_two_instances_share_partitions_and_process_each_complaint_once_in_effect(
    stack: Stack, servers: Backends, second_instances: dict[str, ServiceProcess]
) -> None:
    pairs = {
        name: (stack.urls[name], second_instances[name].url, topic(source))
        for name, source in (("analysis", "intake"), ("escalation", "analysis"))
    }

    async def rebalanced() -> bool:
        splits = [split_between(await assigned(a, t), await assigned(b, t)) for a, b, t in pairs.values()]
        return all(splits)

    await eventually(rebalanced, timeout_s=90, interval_s=0.5)  # both instances of each service own partitions

    bodies = plain_complaints(uuid.uuid4().hex[:8])
    half = len(bodies) // 2
    async with httpx.AsyncClient(
        base_url=stack.intake, headers={"Authorization": f"Bearer {stack.api_key}"}, timeout=30
    ) as api:
        first_ids = await post_all(api, bodies[:half])
        await every_event(servers, "escalation", "complaint.routed", set(first_ids))
        for name, (first, second, _) in pairs.items():  # the work really was shared
            assert await processed(first) > 0 and await processed(second) > 0, f"one {name} instance idled"

        # A hard kill mid-stream: its partitions move to the survivor, which may re-read what the
        # dead one processed but had not committed. Effects must still happen once.
        for process in second_instances.values():
            process.proc.kill()
        later_ids = await post_all(api, bodies[half:])
        ids = set(first_ids) | set(later_ids)
        analyzed = await every_event(servers, "analysis", "complaint.analyzed", ids)
        routed = await every_event(servers, "escalation", "complaint.routed", ids)
        views = {i: await routed_view(api, i) for i in ids}

    twice = {i: dict(c) for i, c in {**analyzed, **routed}.items() if len(c) != 1}
    assert not twice, f"complaints with more than one distinct analyzed/routed event: {json.dumps(twice)}"
    for complaint_id, view in views.items():
        timeline = Counter(entry["type"] for entry in view["timeline"])
        assert timeline["complaint.analyzed"] == 1 and timeline["complaint.routed"] == 1, (complaint_id, timeline)


def test_the_checks_notice_a_shared_partition_a_missing_one_and_a_second_effect() -> None:
    assert split_between({0, 1, 2}, {3, 4, 5})
    assert not split_between({0, 1, 2, 3}, {3, 4, 5})  # partition 3 consumed twice: two groups, not one
    assert not split_between({0, 1, 2}, {3, 4})  # partition 5 consumed by no one
    assert not split_between(set(range(6)), set())  # the second instance idles

    def record(complaint_id: str, ce_id: str) -> Record:
        headers = {"ce_type": "complaint.routed", "ce_subject": complaint_id, "ce_id": ce_id}
        return Record("t", 0, 0, None, None, headers)

    seen = events_by_complaint(
        [record("A", "1"), record("A", "1"), record("B", "2"), record("B", "3")], "complaint.routed", {"A", "B"}
    )
    assert {i for i, c in seen.items() if len(c) != 1} == {"B"}  # a redelivery of ce_id 1 is fine; two effects are not
