"""Repeats never create a second complaint: by Idempotency-Key, by channel reference, under concurrency."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from tests.integration.intake.bodies import complaint
from tests.integration.intake.conftest import RunningIntake
from tests.integration.intake.helpers import received_events
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


async def test_200_concurrent_posts_with_50_repeated_keys_store_and_publish_exactly_150(
    intake: RunningIntake, topics: Topics, kafka_bootstrap: str, rng: random.Random
) -> None:
    requests = [(f"idem-{n}", complaint(rng)) for n in range(150)]
    requests += requests[:50]
    rng.shuffle(requests)

    async def post(key: str, body: dict[str, Any]) -> tuple[str, int, dict[str, Any]]:
        response = await intake.client.post("/v1/complaints", json=body, headers={"Idempotency-Key": key})
        return key, response.status_code, response.json()

    results = await asyncio.gather(*(post(k, b) for k, b in requests))
    by_key: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for key, status, body in results:
        by_key.setdefault(key, []).append((status, body))
    assert len(by_key) == 150
    for answers in by_key.values():
        assert sorted(s for s, _ in answers) == ([200, 201] if len(answers) == 2 else [201])
        assert all(body == answers[0][1] for _, body in answers), "a repeat gets the original body"
    assert await intake.db["intake_complaints"].count_documents({}) == 150
    records = await received_events(kafka_bootstrap, topics.intake, count=150)
    ce_ids = [r.headers["ce_id"] for r in records]
    assert len(set(ce_ids)) == 150 and len(ce_ids) == 150
    created = {answers[0][1]["complaint_id"] for answers in by_key.values()}
    assert {r.headers["ce_subject"] for r in records} == created


async def test_the_same_channel_reference_without_a_key_returns_the_original(
    intake: RunningIntake, rng: random.Random
) -> None:
    body = complaint(rng)
    first = await intake.client.post("/v1/complaints", json=body)
    again = await intake.client.post("/v1/complaints", json=body, headers={"Idempotency-Key": "another"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


async def test_the_same_key_with_a_different_body_is_a_conflict(intake: RunningIntake, rng: random.Random) -> None:
    headers = {"Idempotency-Key": "k-conflict"}
    assert (await intake.client.post("/v1/complaints", json=complaint(rng), headers=headers)).status_code == 201
    response = await intake.client.post("/v1/complaints", json=complaint(rng), headers=headers)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in response.json()["detail"]
    assert await intake.db["intake_complaints"].count_documents({}) == 1


async def test_the_same_channel_reference_with_a_different_body_is_a_conflict(
    intake: RunningIntake, rng: random.Random
) -> None:
    body = complaint(rng)
    assert (await intake.client.post("/v1/complaints", json=body)).status_code == 201
    changed = {**body, "content": body["content"] + "（补充）"}
    response = await intake.client.post("/v1/complaints", json=changed)
    assert response.status_code == 409
    assert "channel_ref" in response.json()["detail"]


async def test_idempotency_keys_are_scoped_per_api_key(intake: RunningIntake, rng: random.Random) -> None:
    other = intake.as_key(await intake.new_key(channels={"hotline"}, scopes={"complaints:write"}))
    headers = {"Idempotency-Key": "shared-key"}
    async with other:
        first = await intake.client.post("/v1/complaints", json=complaint(rng), headers=headers)
        second = await other.post("/v1/complaints", json=complaint(rng), headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["complaint_id"] != second.json()["complaint_id"]
