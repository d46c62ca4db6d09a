"""The unit tests' fakes keep the promises of the MongoDB adapters: the same checks on both, side by side."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from tests.unit.intake.fakes import FakeComplaints, FakeIncidents
from tousu_intake.adapters.complaints import LIST_FIELDS, ComplaintRepository
from tousu_intake.adapters.incidents import IncidentRepository
from tousu_intake.ports import ComplaintStore, DuplicateComplaint, IncidentStore
from tousu_shared.mongo import Document

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 20, 2, tzinfo=UTC)


@dataclass
class Stores:
    """A complaint store and an incident store of one kind."""

    complaints: ComplaintStore
    incidents: IncidentStore


@pytest.fixture(params=["fake", "mongo"])
async def stores(request: pytest.FixtureRequest, mongo_uri: str, database_name: str) -> AsyncIterator[Stores]:
    """The in-memory fakes, or the adapters on the session's MongoDB (indexes created)."""
    if request.param == "fake":
        yield Stores(complaints=FakeComplaints(), incidents=FakeIncidents())
        return
    client: AsyncMongoClient[Document] = AsyncMongoClient(mongo_uri)
    try:
        complaints = ComplaintRepository(client[database_name]["intake_complaints"])
        incidents = IncidentRepository(client[database_name]["intake_incidents"])
        await complaints.ensure_indexes()
        await incidents.ensure_indexes()
        yield Stores(complaints=complaints, incidents=incidents)
    finally:
        await client.drop_database(database_name)
        await client.close()


def doc(n: int, **fields: Any) -> Document:
    """A complaint document with the fields the stores index and list."""
    return {
        "_id": f"TS-{n:04d}",
        "rev": 0,
        "channel": "hotline",
        "channel_ref": f"HL-{n}",
        "status": "received",
        "received_at": T0 + timedelta(minutes=n),
        "request_hash": f"h{n}",
        "response": {"complaint_id": f"TS-{n:04d}"},
        "pii": "token",
        "timeline": [{"id": "e0"}],
        "outbox": [{"id": "e0"}],
        **fields,
    }


async def test_the_channel_reference_and_the_idempotency_scope_are_unique(stores: Stores) -> None:
    await stores.complaints.insert(doc(1, idempotency_scope="key_w:k-1"))
    await stores.complaints.insert(doc(2))  # no scope: documents without one never collide on it
    await stores.complaints.insert(doc(3))
    with pytest.raises(DuplicateComplaint):
        await stores.complaints.insert(doc(4, channel_ref="HL-1"))
    with pytest.raises(DuplicateComplaint):
        await stores.complaints.insert(doc(5, idempotency_scope="key_w:k-1"))
    assert await stores.complaints.get("TS-0004") is None
    assert await stores.complaints.get("TS-0005") is None


async def test_the_original_is_found_by_scope_first_then_by_channel_reference(stores: Stores) -> None:
    await stores.complaints.insert(doc(1, idempotency_scope="key_w:k-1"))
    await stores.complaints.insert(doc(2))

    by_scope = await stores.complaints.find_original(
        idempotency_scope="key_w:k-1", channel="hotline", channel_ref="HL-2"
    )
    by_ref = await stores.complaints.find_original(idempotency_scope="key_w:k-9", channel="hotline", channel_ref="HL-2")
    none = await stores.complaints.find_original(idempotency_scope=None, channel="app", channel_ref="HL-2")

    assert by_scope is not None and by_scope["_id"] == "TS-0001"
    assert by_ref is not None and by_ref["_id"] == "TS-0002"
    assert none is None
    assert set(by_scope) <= {"_id", "response", "request_hash", "idempotency_scope", "channel_ref"}
    assert by_scope["request_hash"] == "h1"


async def test_a_stored_complaint_is_read_without_its_outbox_unless_asked(stores: Stores) -> None:
    await stores.complaints.insert(doc(1))
    plain = await stores.complaints.get("TS-0001")
    assert plain is not None and "outbox" not in plain and plain["timeline"] == [{"id": "e0"}]
    many = await stores.complaints.many(["TS-0001", "TS-none"])
    assert list(many) == ["TS-0001"] and "outbox" not in many["TS-0001"]


async def test_an_update_applies_only_on_the_revision_it_was_read_at(stores: Stores) -> None:
    await stores.complaints.insert(doc(1))
    update = {"$set": {"status": "analyzed"}, "$push": {"timeline": {"$each": [{"id": "e1"}, {"id": "e2"}]}}}

    assert await stores.complaints.update_if_unchanged(complaint_id="TS-0001", rev=0, update=update)
    assert not await stores.complaints.update_if_unchanged(complaint_id="TS-0001", rev=0, update=update)
    assert not await stores.complaints.update_if_unchanged(complaint_id="TS-none", rev=0, update=update)

    stored = await stores.complaints.get("TS-0001")
    assert stored is not None
    assert (stored["rev"], stored["status"]) == (1, "analyzed")
    assert [e["id"] for e in stored["timeline"]] == ["e0", "e1", "e2"]


async def test_pages_filter_run_newest_first_below_the_cursor_and_leave_out_the_heavy_fields(stores: Stores) -> None:
    for n in range(1, 7):
        await stores.complaints.insert(doc(n, status="routed" if n % 2 else "received"))
    window = {"$gte": T0 + timedelta(minutes=2), "$lt": T0 + timedelta(minutes=6)}

    routed = await stores.complaints.page(query={"status": "routed"}, before=None, limit=10)
    below = await stores.complaints.page(query={"received_at": window}, before="TS-0005", limit=2)

    assert [d["_id"] for d in routed] == ["TS-0005", "TS-0003", "TS-0001"]
    assert [d["_id"] for d in below] == ["TS-0004", "TS-0003"]
    assert not set(LIST_FIELDS) & {key for d in routed for key in d}


async def test_only_a_newer_incident_snapshot_replaces_the_stored_one(stores: Stores) -> None:
    first = {"_id": "INC-1", "status": "open", "kind": "group", "updated_at": T0}
    assert await stores.incidents.save_if_newer(first)
    assert not await stores.incidents.save_if_newer(first | {"status": "stale"})
    assert not await stores.incidents.save_if_newer(first | {"status": "older", "updated_at": T0 - timedelta(1)})
    assert await stores.incidents.save_if_newer(first | {"status": "closed", "updated_at": T0 + timedelta(1)})
    await stores.incidents.save_if_newer({"_id": "INC-2", "status": "open", "kind": "public", "updated_at": T0})

    stored = await stores.incidents.get("INC-1")
    assert stored is not None and stored["status"] == "closed"
    page = await stores.incidents.page(query={"status": "open"}, before=None, limit=10)
    assert [d["_id"] for d in page] == ["INC-2"]
