"""The read side over hand-written fakes: who sees which complaint, masking by key, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.intake import events
from tests.unit.intake.service_harness import ACCOUNT, ID_NUMBER, NAME, NOW, PERSONAL, Intake, Keys, action, complaint
from tousu_intake.domain.errors import InvalidInput
from tousu_intake.readmodel import ReadModel
from tousu_intake.service import NotFound

pytestmark = pytest.mark.unit


async def test_only_admin_sees_personal_data_in_clear() -> None:
    intake = Intake()
    cid = await intake.submitted()

    masked = await intake.views.complaint(complaint_id=cid, key=Keys.read_all, now=NOW)
    clear = await intake.views.complaint(complaint_id=cid, key=Keys.admin, now=NOW)

    assert [v for v in PERSONAL if v in str(masked["intake"])] == []
    assert clear["intake"]["customer"]["name"] == NAME
    assert clear["intake"]["customer"]["id_number"] == ID_NUMBER
    assert clear["intake"]["product"]["policy_or_account"] == ACCOUNT
    assert NAME in clear["intake"]["content"]


async def test_a_key_sees_only_what_it_submitted_unless_it_reads_all() -> None:
    intake = Intake()
    cid = await intake.submitted(key=Keys.other_writer)
    with pytest.raises(NotFound):
        await intake.views.complaint(complaint_id=cid, key=Keys.writer, now=NOW)
    assert (await intake.views.complaint(complaint_id=cid, key=Keys.read_all, now=NOW))["complaint_id"] == cid
    assert (await intake.views.complaints(key=Keys.writer, filters={}, cursor=None, limit=10))["items"] == []


async def test_the_view_is_overdue_once_the_deadline_passes_while_open() -> None:
    intake = Intake()
    cid = await intake.submitted()
    doc = intake.complaints.docs[cid]
    before = await intake.views.complaint(complaint_id=cid, key=Keys.admin, now=NOW)
    after = await intake.views.complaint(complaint_id=cid, key=Keys.admin, now=doc["due_at"] + timedelta(seconds=1))
    assert (before["sla"]["overdue"], after["sla"]["overdue"]) == (False, True)
    assert after["sla"]["state"] == "on_time"  # no breach event from escalation yet


async def test_pages_run_newest_first_and_the_cursor_continues_where_the_page_ended() -> None:
    intake = Intake()
    ids = []
    for n in range(5):
        ids.append(await intake.submitted(complaint(channel_ref=f"HL-{n}")))
        intake.clock.advance(seconds=1)
    first = await intake.views.complaints(key=Keys.admin, filters={}, cursor=None, limit=3)
    rest = await intake.views.complaints(key=Keys.admin, filters={}, cursor=first["next_cursor"], limit=3)

    newest_first = sorted(ids, reverse=True)
    assert [i["complaint_id"] for i in first["items"]] == newest_first[:3]
    assert [i["complaint_id"] for i in rest["items"]] == newest_first[3:]
    assert rest["next_cursor"] is None


async def test_the_customer_filter_finds_a_customer_by_reference_not_by_stored_key() -> None:
    intake = Intake()
    mine = await intake.submitted()
    await intake.submitted(complaint(channel_ref="HL-2", customer={"ref": "CUST-other"}))
    page = await intake.views.complaints(key=Keys.admin, filters={"customer_ref": "CUST-0001"}, cursor=None, limit=10)
    assert [i["complaint_id"] for i in page["items"]] == [mine]


@pytest.mark.parametrize("cursor", ["!!!", "AA"])
async def test_a_cursor_not_from_this_api_is_a_field_error(cursor: str) -> None:
    with pytest.raises(InvalidInput, match="cursor"):
        await Intake().views.complaints(key=Keys.admin, filters={}, cursor=cursor, limit=10)


async def test_an_unknown_incident_is_not_found() -> None:
    with pytest.raises(NotFound):
        await Intake().views.incident(incident_id="INC-none")


async def test_the_list_filters_by_status_channel_and_receipt_window() -> None:
    intake = Intake()
    ids = []
    for n in range(4):
        received = (NOW - timedelta(days=4 - n)).isoformat()
        ids.append(await intake.submitted(complaint(channel_ref=f"HL-{n}", received_at=received)))
        intake.clock.advance(seconds=1)  # ids are time-ordered: later ids, later registrations
    await intake.service.record_action(complaint_id=ids[1], body=action("acknowledged"), key=Keys.admin)
    window = {"from": NOW - timedelta(days=3), "to": NOW - timedelta(days=1)}

    async def listed(**filters: object) -> list[str]:
        page = await intake.views.complaints(key=Keys.admin, filters=filters, cursor=None, limit=10)
        return [i["complaint_id"] for i in page["items"]]

    assert await listed(status="in_progress") == [ids[1]]
    assert await listed(**window) == [ids[2], ids[1]]
    assert await listed(channel="app") == []
    assert await listed(status="received", channel="hotline") == [ids[3], ids[2], ids[0]]


async def test_incidents_are_listed_and_read_as_the_read_model_stored_them() -> None:
    intake = Intake()
    cid = await intake.submitted()
    view = {
        "complaint_id": cid,
        **{k: intake.complaints.docs[cid][k] for k in ("customer_key", "received_at", "due_at")},
    }
    handlers = ReadModel(complaints=intake.complaints, incidents=intake.incidents).handlers()
    for incident_id in ("INC-1", "INC-2"):
        envelope = events.incident_opened(view, at=NOW, incident_id=incident_id)
        await handlers[envelope.type](envelope)

    first = await intake.views.incidents(filters={"kind": "group", "status": None}, cursor=None, limit=1)
    rest = await intake.views.incidents(filters={}, cursor=first["next_cursor"], limit=1)
    one = await intake.views.incident(incident_id="INC-1")

    assert [i["incident_id"] for i in first["items"] + rest["items"]] == ["INC-2", "INC-1"]
    assert rest["next_cursor"] is None
    assert (one["incident_id"], one["complaint_ids"], one["kind"]) == ("INC-1", [cid], "group")
