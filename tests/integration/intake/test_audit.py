"""The personal-data access trail (issue 14 item 4): admin reads, admin use and key administration are appended;
masked reads write nothing; no route changes the trail; `GET /v1/audit` and `tousu audit list` filter it."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner, Result

from tests.conftest import TEST_SECRET
from tests.integration.intake.bodies import complaint, personal_values
from tests.integration.intake.conftest import RunningIntake
from tousu_intake.domain.audit import verify
from tousu_tools.audit_cli import audit_app
from tousu_tools.keys_cli import keys_app

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"


async def entries(intake: RunningIntake, **query: Any) -> list[dict[str, Any]]:
    """What the trail holds for a filter (read from the database, so reading it adds nothing)."""
    return await intake.db["intake_audit"].find(query).sort("_id", 1).to_list()


async def posted(intake: RunningIntake, rng: random.Random, **kwargs: Any) -> tuple[str, dict[str, Any]]:
    body = complaint(rng, **kwargs)
    response = await intake.client.post("/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    return response.json()["complaint_id"], body


def cli(app: Any, args: list[str], *, intake: RunningIntake, mongo_uri: str) -> Result:
    env = {
        "MONGODB_URI": mongo_uri,
        "TOUSU_MONGODB_DATABASE": intake.db.name,
        "TOUSU_CUSTOMER_KEY_SECRET": TEST_SECRET,
        "COLUMNS": "250",
    }
    return CliRunner().invoke(app, args, env=env)


async def test_an_admin_read_appends_one_entry_naming_the_fields_never_the_values(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    cid, body = await posted(module_intake, rng)
    before = await entries(module_intake)
    view = await module_intake.client.get(f"/v1/complaints/{cid}", headers={"X-Request-ID": "req-compliance-1"})
    assert view.status_code == 200 and view.json()["intake"]["customer"]["id_number"] == body["customer"]["id_number"]
    assert view.headers["x-request-id"] == "req-compliance-1"
    new = [e for e in await entries(module_intake) if e["_id"] not in {b["_id"] for b in before}]
    assert len(new) == 1, "registration writes nothing to the trail; the read writes exactly one entry"
    [entry] = new
    assert entry["action"] == "personal_data.disclosed"
    assert (entry["key_id"], entry["complaint_id"], entry["request_id"]) == ("key_dev", cid, "req-compliance-1")
    assert entry["key_name"] and entry["route"] == "GET /v1/complaints/{complaint_id}"
    assert {"customer.name", "customer.id_number", "customer.phone", "representative.phone", "content"} <= set(
        entry["fields"]
    )
    stored = json.dumps(entry, default=str, ensure_ascii=False)
    for value in [*personal_values(body), body["customer"]["ref"], body["content"]]:
        assert value not in stored, "the trail never holds the data itself"


async def test_masked_reads_and_non_admin_traffic_write_nothing(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    scopes = {"complaints:write", "complaints:read", "complaints:act"}
    channel = module_intake.as_key(await module_intake.new_key(channels={"web"}, scopes=scopes))
    read_all = module_intake.as_key(
        await module_intake.new_key(channels=set(), scopes={"complaints:read"}, read_all=True)
    )
    async with channel, read_all:
        cid = (await channel.post("/v1/complaints", json=complaint(rng, channel="web"))).json()["complaint_id"]
        count = await module_intake.db["intake_audit"].count_documents({})
        for client in (channel, read_all):
            assert (await client.get(f"/v1/complaints/{cid}")).status_code == 200
            assert (await client.get("/v1/complaints")).status_code == 200
        assert (await channel.post(f"/v1/complaints/{cid}/actions", json={"type": "note", "actor": "h"})).status_code
        assert (await read_all.get("/v1/audit")).status_code == 403
        assert await module_intake.db["intake_audit"].count_documents({}) == count


async def test_other_requests_with_an_admin_key_are_recorded_as_admin_use(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    cid, _ = await posted(module_intake, rng)
    listed = await module_intake.client.get("/v1/complaints", headers={"X-Request-ID": "req-admin-list"})
    acted = await module_intake.client.post(f"/v1/complaints/{cid}/actions", json={"type": "note", "actor": "h1"})
    assert (listed.status_code, acted.status_code) == (200, 201)
    [use] = await entries(module_intake, request_id="req-admin-list")
    assert (use["action"], use["route"], use["fields"]) == ("admin.used", "GET /v1/complaints", [])
    [act] = await entries(module_intake, complaint_id=cid, action="admin.used")
    assert act["route"] == "POST /v1/complaints/{complaint_id}/actions"
    assert acted.headers["x-request-id"] == act["request_id"], "a generated request id is returned and recorded"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
async def test_no_route_alters_or_removes_the_trail(module_intake: RunningIntake, method: str) -> None:
    await module_intake.client.get("/v1/complaints")  # at least one entry exists
    [some] = (await module_intake.client.get("/v1/audit", params={"limit": 1})).json()["items"]
    for path in ("/v1/audit", f"/v1/audit/{some['entry_id']}"):
        response = await module_intake.client.request(method, path, json={"action": "nothing"})
        assert response.status_code == 405, (method, path)
        assert response.headers["content-type"] == PROBLEM
    assert (await module_intake.client.get(f"/v1/audit/{some['entry_id']}")).json()["hash"] == some["hash"]


async def test_the_audit_api_filters_by_complaint_key_customer_field_and_time(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    cid, body = await posted(module_intake, rng)
    other, _ = await posted(module_intake, rng)
    start = datetime.now(UTC) - timedelta(seconds=1)
    for target in (cid, cid, other):
        assert (await module_intake.client.get(f"/v1/complaints/{target}")).status_code == 200
    api = module_intake.client
    mine = (await api.get("/v1/audit", params={"complaint_id": cid, "action": "personal_data.disclosed"})).json()
    assert [e["complaint_id"] for e in mine["items"]] == [cid, cid] and mine["next_cursor"] is None
    who_saw = {"customer_ref": body["customer"]["ref"], "field": "customer.id_number", "since": start.isoformat()}
    seen = (await api.get("/v1/audit", params=who_saw)).json()["items"]
    assert {(e["key_id"], e["complaint_id"]) for e in seen} == {("key_dev", cid)} and len(seen) == 2
    later = (await api.get("/v1/audit", params={"complaint_id": cid, "until": start.isoformat()})).json()["items"]
    assert later == []
    first = (await api.get("/v1/audit", params={"key_id": "key_dev", "limit": 2})).json()
    second = await api.get("/v1/audit", params={"key_id": "key_dev", "limit": 2, "cursor": first["next_cursor"]})
    ids = [e["entry_id"] for e in first["items"] + second.json()["items"]]
    assert len(ids) == len(set(ids)) == 4 and ids == sorted(ids, reverse=True), "newest first, pages do not overlap"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2026-12-01T00:00:00"}, "until"),  # no offset
        ({"since": "2026-12-02T00:00:00Z", "until": "2026-12-01T00:00:00Z"}, "until"),
        ({"field": "customer.favourite_colour"}, "field"),
        ({"action": "deleted"}, "action"),
        ({"cursor": "!!"}, "cursor"),
        ({"limit": "0"}, "limit"),
    ],
)
async def test_bad_audit_filters_are_422_problems(
    module_intake: RunningIntake, params: dict[str, str], field: str
) -> None:
    response = await module_intake.client.get("/v1/audit", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in {e["field"] for e in response.json()["errors"]}


async def test_every_chain_verifies_and_a_change_in_the_database_is_detected(
    module_intake: RunningIntake, rng: random.Random
) -> None:
    cid, _ = await posted(module_intake, rng)
    for _ in range(3):
        await module_intake.client.get(f"/v1/complaints/{cid}")
    assert verify(await entries(module_intake)) == []
    [first, *_] = await entries(module_intake, complaint_id=cid)
    tampered = [{**e, "fields": []} if e["_id"] == first["_id"] else e for e in await entries(module_intake)]
    assert any("altered" in p for p in verify(tampered))
    removed = [e for e in await entries(module_intake) if e["_id"] != first["_id"]]
    assert any("missing" in p or "does not follow" in p for p in verify(removed))


async def test_tousu_audit_list_filters_and_tousu_keys_administration_is_audited(
    module_intake: RunningIntake, rng: random.Random, mongo_uri: str
) -> None:
    async def run(app: Any, *args: str) -> Result:
        result = await asyncio.to_thread(cli, app, list(args), intake=module_intake, mongo_uri=mongo_uri)
        assert result.exit_code == 0, result.output
        return result

    created = await run(keys_app, "create", "--name", "auditor", "--channel", "all", "--scope", "admin")
    secret = created.output.strip().splitlines()[-1]
    [made] = await entries(module_intake, action="key.created", key_name="auditor")
    key_id = made["key_id"]
    cid, body = await posted(module_intake, rng)
    async with module_intake.as_key(secret) as auditor:
        assert (await auditor.get(f"/v1/complaints/{cid}")).status_code == 200
    await run(keys_app, "rotate", key_id, "--grace", "1h")
    await run(keys_app, "revoke", key_id)
    mine = await run(audit_app, "list", "--key", key_id, "--json")
    actions = [json.loads(line)["action"] for line in mine.output.splitlines()]
    assert actions == ["key.revoked", "key.rotated", "personal_data.disclosed", "key.created"]
    assert secret not in mine.output and made["by"] and made["detail"]["scopes"] == ["admin"]
    who = await run(audit_app, "list", "--customer-ref", body["customer"]["ref"], "--field", "customer.id_number")
    assert cid in who.output and key_id in who.output and body["customer"]["id_number"] not in who.output
    since = await run(audit_app, "list", "--since", "1h", "--complaint", cid, "--json")
    assert [json.loads(line)["key_id"] for line in since.output.splitlines()] == [key_id]
    assert (await run(audit_app, "list", "--until", "2000-01-01", "--json")).output == ""
    assert "intact" in (await run(audit_app, "verify")).output
    bad = await asyncio.to_thread(
        cli, audit_app, ["list", "--since", "soon"], intake=module_intake, mongo_uri=mongo_uri
    )
    assert bad.exit_code != 0


async def test_the_request_id_is_generated_when_missing_or_unsafe(module_intake: RunningIntake) -> None:
    async with httpx.AsyncClient(base_url=module_intake.url) as anonymous:
        plain = await anonymous.get("/healthz")
        unsafe = await anonymous.get("/healthz", headers={"X-Request-ID": "a b;<script>"})
    assert plain.headers["x-request-id"].startswith("req_")
    assert unsafe.headers["x-request-id"].startswith("req_")
