"""Helpers of the follow-up integration tests: a settable clock, input events, reading outputs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

from tests.support.kafka import Record, publish
from tests.unit.followup.fakes import Clock as Clock  # re-exported: the services read it as `now=clock`
from tousu_followup.config import FollowupSettings
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintFeedbackReceived,
    ComplaintReceived,
    ComplaintRouted,
    Envelope,
    EventData,
    MaskedCustomer,
    Product,
)

CST = timezone(timedelta(hours=8))


def cst(month: int, day: int, hour: int = 10) -> datetime:
    """A 2026 instant in China time."""
    return datetime(2026, month, day, hour, tzinfo=CST)


def fast(**overrides: Any) -> FollowupSettings:
    """Follow-up settings for tests: a quick scanner and short claims."""
    values: dict[str, Any] = {"scan_interval_s": 0.2, "claim_lease_s": 3.0, "gauge_interval_s": 0.2}
    return FollowupSettings(**(values | overrides))


def received(cid: str, ck: str, *, channel: str = "hotline") -> ComplaintReceived:
    """`complaint.received` with masked contact data."""
    return ComplaintReceived(
        complaint_id=cid,
        customer_key=ck,
        channel=channel,
        channel_ref=f"ref-{cid}",
        received_at=cst(9, 20),
        due_at=cst(10, 5),
        customer=MaskedCustomer(name_masked="张*", phone_masked="138****5678", age_band="45-64"),
        product=Product(line="insurance", type="重疾险"),
        content="理赔金额计算有误",
    )


def routed(
    cid: str, ck: str, *, cycle: int = 1, tier: str = "L1", queue: str = "frontline", at: datetime | None = None
) -> ComplaintRouted:
    """`complaint.routed` on the standard route."""
    when = at or cst(9, 20, 12)
    return ComplaintRouted(
        complaint_id=cid,
        customer_key=ck,
        cycle=cycle,
        route="standard",
        tier=tier,
        queue=queue,
        response_due_at=when + timedelta(days=1),
        policy_version="test",
        routed_at=when,
    )


def resolved(cid: str, ck: str, *, cycle: int = 1, at: datetime | None = None) -> ComplaintActionRecorded:
    """A `resolved` action with decision, remedy, root cause and remediation."""
    return ComplaintActionRecorded(
        complaint_id=cid,
        customer_key=ck,
        action_id=f"act-{cid}-{cycle}",
        type="resolved",
        actor="h1",
        occurred_at=at or cst(9, 30, 16),
        cycle=cycle,
        decision="补付理赔差额",
        remedy="补付 3,200 元",
        root_cause="核赔规则理解偏差",
        remediation="修订核赔指引并培训",
    )


def action(cid: str, ck: str, kind: str, *, at: datetime, cycle: int = 1) -> ComplaintActionRecorded:
    """Any other action (withdrawn, review_requested, note...)."""
    return ComplaintActionRecorded(
        complaint_id=cid,
        customer_key=ck,
        action_id=f"act-{cid}-{kind}",
        type=kind,
        actor="h1",
        occurred_at=at,
        cycle=cycle,
    )


def feedback(
    cid: str, ck: str, satisfaction: str | None, *, fid: str, at: datetime, cycle: int = 1
) -> ComplaintFeedbackReceived:
    """A follow-up answer, or a failed attempt when `satisfaction` is None."""
    return ComplaintFeedbackReceived(
        complaint_id=cid,
        customer_key=ck,
        feedback_id=fid,
        cycle=cycle,
        reached=satisfaction is not None,
        satisfaction=satisfaction,
        contacted_at=at,
    )


async def send(bootstrap: str, topic: str, data: EventData, *, event_id: str) -> None:
    """Publish one event as its producing service would."""
    await publish(bootstrap, topic, Envelope[EventData].wrap(data, source="tousu/test", event_id=event_id))


def of_type(records: list[Record], event_type: str, complaint_id: str | None = None) -> list[dict[str, Any]]:
    """Payloads of one event type (optionally of one complaint), each with its `ce_id` under `_id`."""
    return [
        {**json.loads(r.value or b"{}"), "_id": r.headers["ce_id"]}
        for r in records
        if r.headers.get("ce_type") == event_type
        and (complaint_id is None or r.headers.get("ce_subject") == complaint_id)
    ]
