"""API keys expire and rotate: an expired key and a rotated-away secret past its grace are refused with 401
problem+json saying which; during the grace both secrets work."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner, Result

from tests.integration.intake.conftest import StartIntake
from tousu_shared.apikey_store import ApiKeyRepository
from tousu_shared.apikeys import hash_key
from tousu_tools.keys_cli import keys_app

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


def keys_cli(args: list[str], *, mongo_uri: str, database: str) -> Result:
    env = {"MONGODB_URI": mongo_uri, "TOUSU_MONGODB_DATABASE": database, "COLUMNS": "250"}
    return CliRunner().invoke(keys_app, args, env=env)


async def test_an_expired_key_is_refused_with_its_reason(start_intake: StartIntake, mongo_uri: str) -> None:
    async with start_intake(api_key_cache_s=30) as intake:
        db = intake.db.name
        soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
        args = ["create", "--name", "temp", "--channel", "all", "--scope", "complaints:read", "--expires", soon]
        created = await asyncio.to_thread(keys_cli, args, mongo_uri=mongo_uri, database=db)
        assert created.exit_code == 0, created.output
        secret = created.output.strip().splitlines()[-1]
        async with intake.as_key(secret) as client:
            before = await client.get("/v1/complaints")
            await asyncio.sleep(2.5)
            after = await client.get("/v1/complaints")  # the key is cached for 30 s: expiry is checked anyway
    assert before.status_code == 200
    assert (after.status_code, after.headers["content-type"]) == (401, PROBLEM)
    assert after.json()["reason"] == "expired" and "expired at" in after.json()["detail"]
    listed = await asyncio.to_thread(keys_cli, ["list"], mongo_uri=mongo_uri, database=db)
    assert "expired" in listed.output


async def test_a_rotated_key_accepts_both_secrets_for_the_grace_then_only_the_new(start_intake: StartIntake) -> None:
    async with start_intake(api_key_cache_s=0) as intake:
        old = await intake.new_key(channels={"hotline"}, scopes={"complaints:read"})
        repo = ApiKeyRepository(intake.db["intake_api_keys"])
        await repo.ensure_indexes()
        key = await repo.by_hash(hash_key(old))
        assert key is not None
        now = datetime.now(UTC)
        assert await repo.rotate(
            key.key_id, key_hash=hash_key("tsk_new_secret"), grace_until=now + timedelta(seconds=2), now=now
        )
        async with intake.as_key(old) as old_client, intake.as_key("tsk_new_secret") as new_client:
            during = [(await c.get("/v1/complaints")).status_code for c in (old_client, new_client)]
            await asyncio.sleep(2.5)
            old_after = await old_client.get("/v1/complaints")
            new_after = await new_client.get("/v1/complaints")
    assert during == [200, 200]
    assert (old_after.status_code, old_after.headers["content-type"]) == (401, PROBLEM)
    assert old_after.json()["reason"] == "rotated" and "use the new secret" in old_after.json()["detail"]
    assert new_after.status_code == 200


async def test_tousu_keys_rotate_prints_a_new_secret_and_refuses_the_old_after_a_zero_grace(
    start_intake: StartIntake, mongo_uri: str
) -> None:
    async with start_intake(api_key_cache_s=0) as intake:
        db = intake.db.name

        async def run(*args: str) -> Result:
            result = await asyncio.to_thread(keys_cli, list(args), mongo_uri=mongo_uri, database=db)
            assert result.exit_code == 0, result.output
            return result

        old = (await run("create", "--name", "crm", "--channel", "hotline", "--scope", "complaints:read")).output
        old_secret = old.strip().splitlines()[-1]
        [key_id] = [k.key_id for k, _ in await ApiKeyRepository(intake.db["intake_api_keys"]).all() if k.name == "crm"]
        new_secret = (await run("rotate", key_id, "--grace", "0h")).output.strip().splitlines()[-1]
        async with intake.as_key(old_secret) as old_client, intake.as_key(new_secret) as new_client:
            refused = await old_client.get("/v1/complaints")
            accepted = await new_client.get("/v1/complaints")
        missing = await asyncio.to_thread(keys_cli, ["rotate", "key_nope"], mongo_uri=mongo_uri, database=db)
    assert new_secret != old_secret and new_secret.startswith("tsk_")
    assert (refused.status_code, refused.json()["reason"], accepted.status_code) == (401, "rotated", 200)
    assert missing.exit_code == 1 and "no live key" in missing.output
