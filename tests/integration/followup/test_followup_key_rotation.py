"""Follow-up's keys expire and rotate like intake's: `tousu keys` writes both collections alike, and `tousu keys
sync` carries an expiry and a rotation's grace period over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from typer.testing import CliRunner, Result

from tests.conftest import SettingsFactory
from tests.integration.followup.helpers import fast
from tests.support.servers import serve_app
from tousu_followup.bootstrap import create_app
from tousu_shared.apikey_store import ApiKeyRepository
from tousu_shared.apikeys import ApiKey, hash_key
from tousu_shared.mongo import Document
from tousu_tools.keys_cli import keys_app

pytestmark = pytest.mark.integration
DUE = "/v1/followups/due"
Database = AsyncDatabase[Document]


@pytest.fixture
async def db(mongo_uri: str, database_name: str) -> AsyncIterator[Database]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri, tz_aware=True)
    yield client[database_name]
    await client.close()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def keys(*args: str, mongo_uri: str, database: str) -> Result:
    env = {"MONGODB_URI": mongo_uri, "TOUSU_MONGODB_DATABASE": database, "COLUMNS": "250"}
    result = await asyncio.to_thread(CliRunner().invoke, keys_app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result


async def test_followup_refuses_an_expired_key_and_a_rotated_away_secret(
    make_settings: SettingsFactory, db: Database, mongo_uri: str, database_name: str
) -> None:
    where = {"mongo_uri": mongo_uri, "database": database_name}
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    expired = await keys(
        "create", "--name", "old", "--channel", "hotline", "--scope", "complaints:read", "--expires", past, **where
    )
    live = await keys("create", "--name", "cc", "--channel", "hotline", "--scope", "complaints:read", **where)
    old_secret = live.output.strip().splitlines()[-1]
    key_id = (await db["followup_api_keys"].find_one({"name": "cc"}) or {})["_id"]
    rotated = await keys("rotate", key_id, "--grace", "1h", **where)
    new_secret = rotated.output.strip().splitlines()[-1]
    app = create_app(make_settings("followup"), followup=fast(api_key_cache_s=0))
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url) as http:
        refused = await http.get(DUE, headers=bearer(expired.output.strip().splitlines()[-1]))
        during = [(await http.get(DUE, headers=bearer(s))).status_code for s in (old_secret, new_secret)]
        await keys("rotate", key_id, "--grace", "0h", **where)
        after = await http.get(DUE, headers=bearer(new_secret))
    assert (refused.status_code, refused.json()["reason"]) == (401, "expired")
    assert during == [200, 200], "both secrets work during the grace period"
    assert (after.status_code, after.json()["reason"]) == (401, "rotated")
    for collection in ("intake_api_keys", "followup_api_keys"):
        doc = await db[collection].find_one({"_id": key_id}) or {}
        assert len(doc["previous"]) == 2, f"{collection}: both rotations recorded"


async def test_sync_carries_the_expiry_and_the_grace_period_over(
    db: Database, mongo_uri: str, database_name: str
) -> None:
    intake = ApiKeyRepository(db["intake_api_keys"])
    followup = ApiKeyRepository(db["followup_api_keys"])
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(days=30)
    key = ApiKey("key_legacy", "legacy", frozenset({"hotline"}), frozenset({"complaints:read"}), expires_at=until)
    await intake.ensure_indexes()
    await intake.save(key, key_hash=hash_key("tsk_old"))
    now = datetime.now(UTC).replace(microsecond=0)
    await intake.rotate("key_legacy", key_hash=hash_key("tsk_new"), grace_until=now + timedelta(hours=1), now=now)
    await keys("sync", mongo_uri=mongo_uri, database=database_name)
    new, old = await followup.by_hash(hash_key("tsk_new")), await followup.by_hash(hash_key("tsk_old"))
    assert new is not None and new.expires_at == until and not new.superseded
    assert old is not None and old.superseded and old.expires_at == now + timedelta(hours=1)
