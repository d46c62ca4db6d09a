"""A batch of downstream events folded into one write per complaint leaves the view as one-by-one does."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.intake import events
from tests.unit.intake.fakes import FakeComplaints, FakeIncidents
from tousu_intake.readmodel import BatchedReadModel, ReadModel
from tousu_shared.consumer import DUPLICATE
from tousu_shared.events import Envelope, EventData
from tousu_shared.mongo import Document

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 20, 2, tzinfo=UTC)


def stored(n: int) -> Document:
    return {
        "_id": f"TS-{n}",
        "rev": 0,
        "customer_key": f"ck-{n}",
        "status": "received",
        "cycle": 1,
        "received_at": T0,
        "due_at": T0 + timedelta(days=15),
        "timeline": [],
        "seq": 1,
    }


def view(n: int) -> dict[str, Any]:
    return {"complaint_id": f"TS-{n}", "customer_key": f"ck-{n}", "received_at": T0, "due_at": T0 + timedelta(days=15)}


def batch() -> list[Envelope[EventData]]:
    first_analysis = events.analyzed(view(1), at=T0 + timedelta(minutes=1))
    return [
        first_analysis,
        events.analyzed(view(2), at=T0 + timedelta(minutes=1)),
        events.routed(view(1), at=T0 + timedelta(minutes=2)),
        events.sla_warning(view(1), at=T0 + timedelta(minutes=3)),
        events.incident_opened(view(2), at=T0 + timedelta(minutes=4), incident_id="INC-1"),
        first_analysis,  # a redelivery inside the batch
        events.survey_scheduled(view(2), at=T0 + timedelta(minutes=5)),
    ]


async def test_one_write_per_complaint_and_the_same_view_as_one_by_one() -> None:
    one_by_one = FakeComplaints.holding(stored(1), stored(2))
    single = ReadModel(complaints=one_by_one, incidents=FakeIncidents())
    handlers = single.handlers()
    envelopes = batch()
    singles = [await handlers[e.type](e) for e in envelopes]

    folded = FakeComplaints.holding(stored(1), stored(2))
    batched = BatchedReadModel(complaints=folded, incidents=FakeIncidents())
    results = await batched.apply(envelopes)

    assert results == singles
    assert results[5] == DUPLICATE
    assert len(folded.writes) == 2 < len(one_by_one.writes) == 6
    for cid in ("TS-1", "TS-2"):
        a, b = one_by_one.docs[cid], folded.docs[cid]
        assert {k: v for k, v in a.items() if k != "rev"} == {k: v for k, v in b.items() if k != "rev"}


async def test_a_batch_applied_again_changes_nothing() -> None:
    complaints = FakeComplaints.holding(stored(1), stored(2))
    batched = BatchedReadModel(complaints=complaints, incidents=FakeIncidents())
    envelopes = batch()
    await batched.apply(envelopes)
    before = copy.deepcopy(complaints.docs)
    assert set(await batched.apply(envelopes)) == {DUPLICATE}
    assert complaints.docs == before
