"""Intake's view takes escalation's regulatory deadline (`complaint.deadline_set`): the newest by event time wins,
an earlier cycle's is ignored, and a reopen that arrives after escalation's new clock keeps that clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from tousu_intake.projection import PROJECTIONS, Projection
from tousu_shared.events import ComplaintDeadlineSet, ComplaintReopened, Envelope, EventData
from tousu_shared.mongo import Document

pytestmark = pytest.mark.unit
CST = timezone(timedelta(hours=8))
RECEIVED = datetime(2026, 12, 2, 10, tzinfo=CST)


def projection(model: type[EventData]) -> Projection[Any]:
    return next(p for p in PROJECTIONS if p.model is model)


def deadline(*, due: datetime, set_at: datetime, cycle: int = 1, **extra: Any) -> Envelope[EventData]:
    data = ComplaintDeadlineSet(
        complaint_id="C-1",
        customer_key="k-1",
        cycle=cycle,
        change=extra.pop("change", "started"),
        due_at=due,
        started_at=extra.pop("started_at", RECEIVED),
        days=15,
        extensions=extra.pop("extensions", 0),
        paused=False,
        paused_seconds=0.0,
        counting="elapsed",
        basis="calendar",
        policy_version="test",
        set_at=set_at,
    )
    return Envelope[EventData].wrap(data, source="tousu/escalation", time=set_at)


def apply(doc: Document, env: Envelope[EventData]) -> Document:
    _, fields = projection(type(env.data))(doc, env.data, env)
    return doc | fields


def view() -> Document:
    intake_due = datetime(2026, 12, 18, tzinfo=CST)  # intake's own (civil_code) count at the 201
    return {"_id": "C-1", "cycle": 1, "received_at": RECEIVED, "due_at": intake_due, "extensions": 0}


def test_escalations_deadline_replaces_intakes_count_and_the_newest_wins() -> None:
    elapsed = RECEIVED + timedelta(days=15)
    doc = apply(view(), deadline(due=elapsed, set_at=RECEIVED + timedelta(minutes=1)))
    assert (doc["due_at"], doc["clock_started_at"], doc["deadline"]["counting"]) == (elapsed, RECEIVED, "elapsed")
    extended = RECEIVED + timedelta(days=30)
    doc = apply(doc, deadline(due=extended, set_at=RECEIVED + timedelta(hours=2), change="extended", extensions=1))
    late_start = deadline(due=elapsed, set_at=RECEIVED + timedelta(minutes=1))  # redelivered out of order
    assert apply(doc, late_start) == doc
    assert (doc["due_at"], doc["extensions"]) == (extended, 1)


def test_a_restart_moves_the_clock_start_intake_counts_from() -> None:
    facts = RECEIVED + timedelta(days=4)
    doc = apply(view(), deadline(due=facts + timedelta(days=15), set_at=facts, change="restarted", started_at=facts))
    assert (doc["clock_started_at"], doc["due_at"]) == (facts, facts + timedelta(days=15))


def test_an_earlier_cycles_deadline_is_ignored_and_a_late_reopen_keeps_escalations_new_clock() -> None:
    reopen = RECEIVED + timedelta(days=20)
    new_cycle = deadline(due=reopen + timedelta(days=15), set_at=reopen, cycle=2, change="reopened", started_at=reopen)
    doc = apply(view(), new_cycle)
    reopened = ComplaintReopened(
        complaint_id="C-1", customer_key="k-1", cycle=2, reason="unsatisfied", occurred_at=reopen
    )
    doc = apply(doc, Envelope[EventData].wrap(reopened, source="tousu/followup", time=reopen))
    assert (doc["cycle"], doc["due_at"]) == (2, reopen + timedelta(days=15))
    stale = deadline(due=RECEIVED + timedelta(days=30), set_at=reopen + timedelta(hours=1), cycle=1)
    assert apply(doc, stale) == doc
