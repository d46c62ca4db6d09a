"""`GET /v1/followups/due`: keys from follow-up's own collection, 401/403 problem+json, masked contact data."""

from __future__ import annotations

import httpx
import pytest
from pymongo import AsyncMongoClient

from tests.conftest import SettingsFactory
from tests.integration.followup.helpers import Clock, cst, fast, of_type, received, resolved, send
from tests.support.kafka import consume_until
from tests.support.servers import eventually, serve_app
from tousu_followup.bootstrap import create_app
from tousu_shared.apikey_store import ApiKeyRepository
from tousu_shared.apikeys import ApiKey, hash_key
from tousu_shared.mongo import Document
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration
KEYS = {
    "tsk_reader": ("key_cc", ["complaints:read"], ["hotline"], True),
    "tsk_writer": ("key_app", ["complaints:write"], ["app"], False),
    "tsk_app_reader": ("key_app_r", ["complaints:read"], ["app"], False),
}


async def _insert_keys(mongo_uri: str, database: str) -> None:
    """Keys in follow-up's own collection, as `tousu keys create` stores them (hashed)."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri)
    try:
        keys = ApiKeyRepository(client[database]["followup_api_keys"])
        for secret, (kid, scopes, channels, read_all) in KEYS.items():
            key = ApiKey(kid, kid, channels=frozenset(channels), scopes=frozenset(scopes), read_all=read_all)
            await keys.save(key, key_hash=hash_key(secret))
    finally:
        await client.close()


async def test_the_worklist_needs_a_key_with_read_scope_and_lists_due_surveys_masked(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str, mongo_uri: str, database_name: str
) -> None:
    await _insert_keys(mongo_uri, database_name)
    clock = Clock(cst(10, 12, 10))
    async with serve_app(create_app(make_settings("followup"), followup=fast(), now=clock)) as url:
        await send(kafka_bootstrap, topics.intake, received("C-5", "k-5"), event_id="r-1")
        await send(kafka_bootstrap, topics.intake, resolved("C-5", "k-5"), event_id="a-1")
        await consume_until(kafka_bootstrap, topics.followup, lambda rs: bool(of_type(rs, "followup.survey_scheduled")))
        async with httpx.AsyncClient(base_url=url) as http:
            anonymous = await http.get("/v1/followups/due")
            unknown = await http.get("/v1/followups/due", headers={"Authorization": "Bearer tsk_nobody"})
            writer = await http.get("/v1/followups/due", headers={"Authorization": "Bearer tsk_writer"})

            async def listed() -> httpx.Response | None:
                r = await http.get("/v1/followups/due", headers={"Authorization": "Bearer tsk_reader"})
                return r if r.json()["count"] else None

            page = await eventually(listed, timeout_s=10)
            other_channel = await http.get("/v1/followups/due", headers={"Authorization": "Bearer tsk_app_reader"})

            async def overdue_gauge() -> bool:
                return "tousu_followup_surveys_overdue 1.0" in (await http.get("/metrics")).text

            await eventually(overdue_gauge, timeout_s=10)
    assert (anonymous.status_code, unknown.status_code, writer.status_code) == (401, 401, 403)
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert writer.json()["detail"] == "this API key lacks the scope complaints:read"
    item = page.json()["items"][0]  # type: ignore[attr-defined]
    assert (item["complaint_id"], item["survey_id"], item["overdue"]) == ("C-5", "sv_C-5_1", True)
    assert item["contact"]["phone_masked"] == "138****5678"
    assert item["contact"]["name_masked"] == "张*"
    assert other_channel.json()["count"] == 0  # an app-channel key without read_all sees its channels only
