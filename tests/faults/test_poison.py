"""Poison records on every topic: each lands in the dead-letter topic once per consuming service, the pipeline keeps
flowing, and re-driving the fixable ones with `tousu dlq replay` has exactly one effect."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
import uuid
from collections import defaultdict

import pytest

from tests.faults.conftest import Pipeline, complaints, effects, post_all, read_topic, routings, wait_routed
from tests.integration.analysis.helpers import received, wrap
from tests.support.kafka import publish_raw
from tousu_shared.codec import encode
from tousu_tools.dlq import DeadLetter, read_all, replay

pytestmark = pytest.mark.faults

N_GOOD = 100
POISON_PER_TOPIC = 5  # 5 % of the 100 good complaints' events per topic
CONSUMERS = {  # topic key → the services subscribed to it (bootstrap.py of each service)
    "intake": {"analysis", "escalation", "followup"},
    "analysis": {"escalation", "followup", "intake"},
    "escalation": {"followup", "intake"},
    "followup": {"analysis", "escalation", "intake"},
}
FIXABLE = 3  # on the intake topic: valid complaint.received events whose ce_type header was corrupted


def poison(kind: int, tag: str) -> tuple[bytes | None, list[tuple[str, bytes]]]:
    """One of several kinds of bad record (value, headers), tagged with a `poison_id` header."""
    good = encode(wrap(received("客户称车险理赔材料已齐全但迟迟未赔付，要求尽快处理。")))
    headers = [(k, v) for k, v in good.headers if k != "ce_type"]
    kinds: list[tuple[bytes | None, list[tuple[str, bytes]]]] = [
        (b"\xff\xfe not json", good.headers),  # value is not JSON
        (good.value, headers),  # ce_type header missing
        (good.value, [*headers, ("ce_type", b"complaint.exploded")]),  # unknown type
        (b'{"complaint_id": 42}', good.headers),  # schema mismatch
        (good.value, [(k, b"0.3" if k == "ce_specversion" else v) for k, v in good.headers]),  # wrong spec version
        (None, good.headers),  # tombstone
        (good.value, [(k, b"1.0 " if k == "ce_specversion" else v) for k, v in good.headers]),  # near-miss header
    ]
    value, hdrs = kinds[kind % len(kinds)]
    return value, [*hdrs, ("poison_id", tag.encode())]


async def inject(pipe: Pipeline) -> tuple[dict[str, str], dict[str, str]]:
    """Poison every topic; return poison_id → topic key, and fixable poison_id → its complaint id."""
    bootstrap = pipe.backends.kafka_bootstrap
    placed: dict[str, str] = {}
    fixable: dict[str, str] = {}
    for key in CONSUMERS:
        for i in range(POISON_PER_TOPIC):
            tag = f"{key}-{i}-{uuid.uuid4().hex[:6]}"
            if key == "intake" and i < FIXABLE:
                data = received("网银转账失败但账户已扣款，要求退回款项并说明原因。")
                good = encode(wrap(data))
                value, headers = (
                    good.value,
                    [
                        *((k, b"complaint.recieved" if k == "ce_type" else v) for k, v in good.headers),
                        ("poison_id", tag.encode()),
                    ],
                )
                fixable[tag] = data.complaint_id
            else:
                value, headers = poison(i + POISON_PER_TOPIC * list(CONSUMERS).index(key), tag)  # every kind
            await publish_raw(
                bootstrap, getattr(pipe.topics, key), key=f"poison-{i}".encode(), value=value, headers=headers
            )
            placed[tag] = key
            await asyncio.sleep(0.05)
    return placed, fixable


def letters_by_poison(letters: list[DeadLetter]) -> dict[str, list[DeadLetter]]:
    found: dict[str, list[DeadLetter]] = defaultdict(list)
    for letter in letters:
        tag = dict(letter.headers).get("poison_id")
        if tag:
            found[tag.decode()].append(letter)
    return found


@pytest.mark.timeout(600)
def test_poison_on_every_topic_is_dead_lettered_and_the_fixable_replay_once(pipeline: Pipeline) -> None:
    pipeline.start()
    ids: list[str] = []
    with pipeline.client() as api:
        poster = threading.Thread(
            target=lambda: ids.extend(post_all(api, complaints(N_GOOD, uuid.uuid4().hex[:8]), workers=4))
        )
        poster.start()
        placed, fixable = asyncio.run(inject(pipeline))
        poster.join(timeout=300)
        assert len(ids) == N_GOOD
        wait_routed(api, ids, timeout_s=240, what="good complaints around the poison")

    expected = sum(len(CONSUMERS[key]) for key in placed.values())
    deadline = time.monotonic() + 60
    while True:
        found = letters_by_poison(asyncio.run(read_all(pipeline.kafka, idle_ms=1500)))
        if sum(len(v) for v in found.values()) >= expected or time.monotonic() > deadline:
            break
    mismatched = {
        tag: (key, sorted(letter.service for letter in found.get(tag, [])))
        for tag, key in placed.items()
        if sorted(letter.service for letter in found.get(tag, [])) != sorted(CONSUMERS[key])
    }
    assert not mismatched, f"poison → dead-lettered by (expected every consumer of its topic): {mismatched}"
    for tag, key in placed.items():
        assert all(letter.topic == getattr(pipeline.topics, key) and letter.offset >= 0 for letter in found[tag])

    # Fix the corrupted header and re-drive (what `tousu dlq replay --id …` does, with the record fixed first):
    # every service's copy is replayed, so each fixed event reaches its consumers three times.
    fixed = [
        dataclasses.replace(
            letter, headers=[(k, b"complaint.received" if k == "ce_type" else v) for k, v in letter.headers]
        )
        for tag in fixable
        for letter in found[tag]
    ]
    assert asyncio.run(replay(pipeline.kafka, fixed)) == FIXABLE * 3
    wanted = set(fixable.values())
    analyzed = effects(read_topic(pipeline, "analysis", "complaint.analyzed", wanted), "complaint.analyzed", wanted)
    routed = routings(read_topic(pipeline, "escalation", "complaint.routed", wanted), wanted)
    for name, seen in (("analyzed", analyzed), ("routed", routed)):
        assert {k[0] if isinstance(k, tuple) else k for k in seen} == wanted, f"replayed complaints not {name}"
        assert all(len(c) == 1 for c in seen.values()), f"replayed complaints {name} more than once: {seen}"
    time.sleep(3)  # late duplicates would show up now: read again
    again = effects(read_topic(pipeline, "analysis", "complaint.analyzed", wanted), "complaint.analyzed", wanted)
    assert all(len(c) == 1 for c in again.values()), again
    print(
        f"{len(placed)} poison records → {expected} dead letters as expected; {FIXABLE} fixed and replayed x3: "
        f"analysed and routed once each"
    )


@pytest.mark.timeout(300)
def test_a_record_with_a_non_utf8_header_is_dead_lettered(pipeline: Pipeline) -> None:
    pipeline.start(("analysis",))
    good = encode(wrap(received("信用卡被盗刷，要求冻结并追回款项。")))
    headers = [(k, b"\xc3\x28" if k == "ce_source" else v) for k, v in good.headers]
    asyncio.run(
        publish_raw(
            pipeline.backends.kafka_bootstrap,
            pipeline.topics.intake,
            key=b"k",
            value=good.value,
            headers=[*headers, ("poison_id", b"non-utf8")],
        )
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if "non-utf8" in letters_by_poison(asyncio.run(read_all(pipeline.kafka, idle_ms=1000))):
            return
    raise AssertionError("a record with a non-UTF-8 header never reached the dead-letter topic")
