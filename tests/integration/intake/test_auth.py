"""API keys: 401 without a valid key, 403 without the scope or channel, 429 over the limit, read isolation."""

from __future__ import annotations

import random

import httpx
import pytest

from tests.integration.intake.bodies import complaint
from tests.integration.intake.conftest import RunningIntake, StartIntake
from tousu_shared.apikey_store import ApiKeyRepository

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer tsk_not_a_key", "Basic dXNlcjpwYXNz", "tsk_no_scheme"])
async def test_a_missing_or_invalid_key_is_401(
    module_intake: RunningIntake, header: str | None, rng: random.Random
) -> None:
    headers = {"Authorization": header} if header else {}
    async with httpx.AsyncClient(base_url=module_intake.url, headers=headers) as anonymous:
        for response in (
            await anonymous.post("/v1/complaints", json=complaint(rng)),
            await anonymous.get("/v1/complaints"),
        ):
            assert response.status_code == 401
            assert response.headers["content-type"] == PROBLEM
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.json()["title"] == "Unauthorized"


async def test_a_revoked_key_is_401(start_intake: StartIntake, rng: random.Random) -> None:
    async with start_intake(api_key_cache_s=0) as intake:
        secret = await intake.new_key(channels={"hotline"}, scopes={"complaints:write"})
        async with intake.as_key(secret) as client:
            assert (await client.post("/v1/complaints", json=complaint(rng))).status_code == 201
            [(key, _)] = [
                k for k in await ApiKeyRepository(intake.db["intake_api_keys"]).all() if k[0].key_id != "key_dev"
            ]
            await ApiKeyRepository(intake.db["intake_api_keys"]).revoke(key.key_id)
            assert (await client.post("/v1/complaints", json=complaint(rng))).status_code == 401


async def test_a_key_without_the_scope_is_403(module_intake: RunningIntake, rng: random.Random) -> None:
    reader = await module_intake.new_key(channels={"hotline"}, scopes={"complaints:read"})
    writer = await module_intake.new_key(channels={"hotline"}, scopes={"complaints:write"})
    async with module_intake.as_key(reader) as read_only, module_intake.as_key(writer) as write_only:
        post = await read_only.post("/v1/complaints", json=complaint(rng))
        assert post.status_code == 403
        assert post.headers["content-type"] == PROBLEM
        assert "complaints:write" in post.json()["detail"]
        created = await write_only.post("/v1/complaints", json=complaint(rng))
        cid = created.json()["complaint_id"]
        assert (await write_only.get(f"/v1/complaints/{cid}")).status_code == 403
        act = await write_only.post(f"/v1/complaints/{cid}/actions", json={"type": "note", "actor": "h1"})
        assert act.status_code == 403
        assert (await read_only.get("/v1/incidents")).status_code == 403


async def test_a_key_posts_only_for_its_own_channels(module_intake: RunningIntake, rng: random.Random) -> None:
    secret = await module_intake.new_key(channels={"app"}, scopes={"complaints:write"})
    async with module_intake.as_key(secret) as app_channel:
        assert (await app_channel.post("/v1/complaints", json=complaint(rng, channel="app"))).status_code == 201
        response = await app_channel.post("/v1/complaints", json=complaint(rng, channel="hotline"))
    assert response.status_code == 403
    assert "hotline" in response.json()["detail"]


async def test_a_channel_key_reads_only_what_it_submitted_and_sees_it_masked(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    scopes = {"complaints:write", "complaints:read"}
    mine = module_intake.as_key(await module_intake.new_key(channels={"web"}, scopes=scopes))
    theirs = module_intake.as_key(await module_intake.new_key(channels={"web"}, scopes=scopes))
    auditor = module_intake.as_key(
        await module_intake.new_key(channels=set(), scopes={"complaints:read"}, read_all=True)
    )
    body = complaint(rng, channel="web")
    async with mine, theirs, auditor:
        cid = (await mine.post("/v1/complaints", json=body)).json()["complaint_id"]
        await theirs.post("/v1/complaints", json=complaint(rng, channel="web"))
        own = await mine.get(f"/v1/complaints/{cid}")
        assert own.status_code == 200
        assert (await theirs.get(f"/v1/complaints/{cid}")).status_code == 404
        assert [c["complaint_id"] for c in (await mine.get("/v1/complaints")).json()["items"]] == [cid]
        assert cid not in {c["complaint_id"] for c in (await theirs.get("/v1/complaints")).json()["items"]}
        audited = await auditor.get(f"/v1/complaints/{cid}")
    assert audited.status_code == 200
    for view in (own.json(), audited.json()):
        assert body["customer"]["name"] not in str(view)
        assert view["intake"]["customer"]["phone_masked"].startswith(body["customer"]["phone"][:3])
    admin_view = (await module_intake.client.get(f"/v1/complaints/{cid}")).json()
    assert admin_view["intake"]["customer"]["name"] == body["customer"]["name"]
    assert admin_view["intake"]["content"] == body["content"]


async def test_over_the_rate_limit_is_429_with_retry_after(start_intake: StartIntake) -> None:
    async with start_intake(rate_limit_burst=3, rate_limit_per_s=0.2) as intake:
        statuses = [(await intake.client.get("/v1/complaints")).status_code for _ in range(3)]
        limited = await intake.client.get("/v1/complaints")
        other = intake.as_key(await intake.new_key(channels={"app"}, scopes={"complaints:read"}))
        async with other:
            unaffected = await other.get("/v1/complaints")
    assert statuses == [200, 200, 200]
    assert limited.status_code == 429
    assert limited.headers["content-type"] == PROBLEM
    assert int(limited.headers["retry-after"]) >= 1
    assert limited.json()["retry_after"] == int(limited.headers["retry-after"])
    assert unaffected.status_code == 200, "the limit is per key"
