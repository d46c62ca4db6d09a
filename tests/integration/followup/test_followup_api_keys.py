"""Follow-up owns its key collection: it verifies keys there (not in intake's), rate-limits each key, installs the
dev key; `tousu keys` provisions and revokes in both collections, and `tousu keys sync` copies intake's keys once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

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
DEV_KEY = "tsk_test_followup_dev_key_0123456789"
DUE = "/v1/followups/due"
PROBLEM = "application/problem+json"
Database = AsyncDatabase[Document]


def reader(key_id: str) -> ApiKey:
    """A hotline key that may read."""
    return ApiKey(key_id, key_id, channels=frozenset({"hotline"}), scopes=frozenset({"complaints:read"}))


@pytest.fixture
async def db(mongo_uri: str, database_name: str) -> AsyncIterator[Database]:
    """The test's database, for storing keys and asserting on both collections."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri)
    yield client[database_name]
    await client.close()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def test_followup_verifies_keys_in_its_own_collection_and_limits_each_key(
    make_settings: SettingsFactory, db: Database
) -> None:
    await ApiKeyRepository(db["intake_api_keys"]).save(reader("key_intake_only"), key_hash=hash_key("tsk_intake"))
    await ApiKeyRepository(db["followup_api_keys"]).save(reader("key_cc"), key_hash=hash_key("tsk_cc"))
    config = fast(dev_api_key=DEV_KEY, rate_limit_burst=2, rate_limit_per_s=0.2)
    async with (
        serve_app(create_app(make_settings("followup"), followup=config)) as url,
        httpx.AsyncClient(base_url=url) as http,
    ):
        intake_only = await http.get(DUE, headers=bearer("tsk_intake"))
        allowed = [(await http.get(DUE, headers=bearer("tsk_cc"))).status_code for _ in range(2)]
        limited = await http.get(DUE, headers=bearer("tsk_cc"))
        dev = await http.get(DUE, headers=bearer(DEV_KEY))
    assert intake_only.status_code == 401, "follow-up no longer reads intake's collection"
    assert intake_only.headers["www-authenticate"].startswith("Bearer")
    assert allowed == [200, 200]
    assert (limited.status_code, limited.headers["content-type"]) == (429, PROBLEM)
    assert int(limited.headers["retry-after"]) == limited.json()["retry_after"] >= 1
    assert dev.status_code == 200, "the dev key is installed at start-up and limited on its own"
    stored = await db["followup_api_keys"].find_one({"_id": "key_dev"}) or {}
    assert stored["hash"] == hash_key(DEV_KEY) and "admin" in stored["scopes"]


def run_keys(args: list[str], *, mongo_uri: str, database: str) -> Result:
    """`tousu keys ARGS` against the test's database (a wide terminal so the table does not wrap)."""
    env = {"MONGODB_URI": mongo_uri, "TOUSU_MONGODB_DATABASE": database, "COLUMNS": "250"}
    return CliRunner().invoke(keys_app, args, env=env)


async def test_tousu_keys_provisions_and_revokes_both_collections(
    make_settings: SettingsFactory, db: Database, mongo_uri: str, database_name: str
) -> None:
    async def keys(*args: str) -> Result:
        result = await asyncio.to_thread(run_keys, list(args), mongo_uri=mongo_uri, database=database_name)
        assert result.exit_code == 0, result.output
        return result

    created = await keys("create", "--name", "contact centre", "--channel", "hotline", "--scope", "complaints:read")
    secret = created.output.strip().splitlines()[-1]
    docs = [await db[c].find_one({"name": "contact centre"}) or {} for c in ("intake_api_keys", "followup_api_keys")]
    assert docs[0]["_id"] == docs[1]["_id"] and docs[0]["hash"] == docs[1]["hash"] == hash_key(secret)
    app = create_app(make_settings("followup"), followup=fast(api_key_cache_s=0))
    async with serve_app(app) as url, httpx.AsyncClient(base_url=url, headers=bearer(secret)) as http:
        before = await http.get(DUE)
        listed = await keys("list")
        await keys("revoke", docs[0]["_id"])
        after = await http.get(DUE)
    assert (before.status_code, after.status_code) == (200, 401)
    assert docs[0]["_id"] in listed.output and "live" in listed.output and "missing" not in listed.output
    for collection in ("intake_api_keys", "followup_api_keys"):
        assert (await db[collection].find_one({"_id": docs[0]["_id"]}) or {})["revoked_at"] is not None


async def test_tousu_keys_sync_copies_intake_keys_to_followup_once(
    db: Database, mongo_uri: str, database_name: str
) -> None:
    intake = ApiKeyRepository(db["intake_api_keys"])
    followup = ApiKeyRepository(db["followup_api_keys"])
    await intake.save(reader("key_legacy"), key_hash=hash_key("tsk_legacy"))
    await intake.save(reader("key_gone"), key_hash=hash_key("tsk_gone"))
    await intake.revoke("key_gone")

    def sync() -> Result:
        return run_keys(["sync"], mongo_uri=mongo_uri, database=database_name)

    listed = await asyncio.to_thread(run_keys, ["list"], mongo_uri=mongo_uri, database=database_name)
    first, again = await asyncio.to_thread(sync), await asyncio.to_thread(sync)
    assert "missing" in listed.output and "tousu keys sync" in listed.output
    assert (first.exit_code, again.exit_code) == (0, 0), first.output + again.output
    assert "copied 2 key(s)" in first.output and "copied 0 key(s)" in again.output
    assert await followup.by_hash(hash_key("tsk_legacy")) == reader("key_legacy")
    gone = await followup.by_hash(hash_key("tsk_gone"))
    assert gone is not None and gone.revoked, "a revoked key stays revoked"
    [legacy] = [d for d in await intake.stored() if d.key.key_id == "key_legacy"]
    [copy] = [d for d in await followup.stored() if d.key.key_id == "key_legacy"]
    assert copy.created_at == legacy.created_at, "the copy keeps the key's creation time"
    await intake.revoke("key_legacy")
    await asyncio.to_thread(sync)
    legacy_copy = await followup.by_hash(hash_key("tsk_legacy"))
    assert legacy_copy is not None and legacy_copy.revoked, "a later revocation is carried over"
