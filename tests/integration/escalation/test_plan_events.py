"""Escalation keeps the handling plan through its outbox: made at routing, moved by actions, a merge, the follow-up
facts and a reopen; each change published once (a redelivered action changes nothing), each re-plan with its reason."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import SettingsFactory
from tests.integration.escalation.helpers import fast, of_type, send
from tests.support.kafka import Record, consume_until
from tests.support.servers import serve_app
from tests.unit.escalation.escalation_builders import action, analyzed
from tousu_escalation.bootstrap import create_app
from tousu_shared.events import (
    ComplaintClosed,
    ComplaintFeedbackReceived,
    ComplaintReopened,
    FollowupSurveyScheduled,
)
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


def plans_of(records: list[Record]) -> list[dict[str, Any]]:
    """Every plan published for C-P, in publication order: on `complaint.routed` and `complaint.plan_updated`."""
    found = []
    for record in records:
        kind = record.headers.get("ce_type", "")
        for event in of_type([record], kind):
            if event["complaint_id"] == "C-P" and event.get("plan"):
                found.append({"_type": kind, **event})
    return found


async def test_every_plan_change_is_published_once_with_its_reason(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    at = received + timedelta(hours=1)
    resolved = action("C-P", "k-p", "resolved", at=at, decision="d", remedy="r", root_cause="c", remediation="m")
    survey_due = at + timedelta(days=2)
    inputs = [
        (topics.intake, action("C-P", "k-p", "acknowledged", at=at), "ack"),
        (topics.intake, action("C-P", "k-p", "acknowledged", at=at), "ack"),  # redelivered: no second change
        (topics.intake, action("C-P", "k-p", "extension_requested", at=at, reason="需要鉴定"), "ext"),
        (topics.analysis, analyzed("C-Q", "k-p", received_at=at, contract_key="ct", signature=("b2",)), "an-q"),
        (topics.intake, resolved, "res"),
        (
            topics.followup,
            FollowupSurveyScheduled(
                complaint_id="C-P",
                customer_key="k-p",
                survey_id="s-1",
                cycle=1,
                due_at=survey_due - timedelta(hours=8),
                due_by=survey_due,
                complexity="simple",
                scheduled_at=at,
            ),
            "survey",
        ),
        (
            topics.intake,
            ComplaintFeedbackReceived(
                complaint_id="C-P",
                customer_key="k-p",
                feedback_id="f-1",
                satisfaction="unsatisfied",
                contacted_at=at + timedelta(hours=1),
            ),
            "answer",
        ),
        (
            topics.followup,
            ComplaintReopened(
                complaint_id="C-P",
                customer_key="k-p",
                cycle=2,
                reason="unsatisfied",
                occurred_at=at + timedelta(hours=1),
            ),
            "reopen",
        ),
        (
            topics.followup,
            ComplaintClosed(complaint_id="C-P", customer_key="k-p", cycle=1, outcome="satisfied", occurred_at=at),
            "stale-close",  # of cycle 1, after the reopen: changes nothing
        ),
    ]
    expected = [1, 2, 2, 3, 4, 5, 6, 7, 9]  # plans published before each input is sent (routing included)
    first = analyzed("C-P", "k-p", received_at=received, contract_key="ct", signature=("b1",))
    async with serve_app(create_app(make_settings("escalation"), escalation=fast())):
        await send(kafka_bootstrap, topics.analysis, first, event_id="an-p")
        for (topic, data, event_id), count in zip(inputs, expected, strict=True):
            await consume_until(kafka_bootstrap, topics.escalation, lambda rs, n=count: len(plans_of(rs)) >= n)
            await send(kafka_bootstrap, topic, data, event_id=event_id)  # one at a time: topics are not ordered
        await asyncio.sleep(2)  # room for a duplicate or a change the stale closure should not make
        records = await consume_until(kafka_bootstrap, topics.escalation, lambda rs: len(plans_of(rs)) >= 9)
    published = plans_of(records)
    kinds = [(p["_type"], p.get("change"), p["plan"]["cycle"], p["plan"]["revision"]) for p in published]
    assert kinds == [
        ("complaint.routed", None, 1, 1),
        ("complaint.plan_updated", "step_done", 1, 2),  # acknowledged: step 1
        ("complaint.plan_updated", "replanned", 1, 3),  # the extension
        ("complaint.plan_updated", "replanned", 1, 4),  # C-Q merged (new facts)
        ("complaint.plan_updated", "step_done", 1, 5),  # resolved: step 5
        ("complaint.plan_updated", "replanned", 1, 6),  # the survey times step 6
        ("complaint.plan_updated", "step_done", 1, 7),  # the answer: step 6
        ("complaint.plan_updated", "settled", 1, 8),  # the reopen settles cycle 1 ...
        ("complaint.routed", None, 2, 1),  # ... and routes cycle 2 with a new plan
    ]
    reasons = [p["plan"]["replans"][-1]["reason"] for p in published if p.get("change") == "replanned"]
    assert reasons[0].startswith("extension 1 (decision deadline") and reasons[0].endswith("需要鉴定")
    assert reasons[1] == "merged C-Q (new facts restart the decision period)"
    assert reasons[2].startswith("follow-up (回访) scheduled: call by")
    settled = published[7]["plan"]["steps"]
    assert [s["outcome"] for s in settled] == ["on_time", "missed", "missed", "missed", "on_time", "on_time"]
    assert published[8]["plan"]["replans"][0]["reason"].startswith("reopened (unsatisfied): cycle 2")
    assert len({p["_id"] for p in published}) == len(published), "each change is one event"
