"""Escalation publishes `complaint.deadline_set` through its outbox whenever the regulatory deadline is set or moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import SettingsFactory
from tests.integration.escalation.helpers import fast, of_type, send
from tests.support.kafka import Record, consume_until
from tests.support.servers import serve_app
from tests.unit.escalation.escalation_builders import action, analyzed
from tousu_escalation.bootstrap import create_app
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.events import ComplaintReopened
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration
CHANGES = ["started", "extended", "paused", "resumed", "restarted", "reopened"]


def told_of(records: list[Record]) -> list[dict[str, Any]]:
    """The deadlines told for the first complaint, in publication order."""
    return [d for d in of_type(records, "complaint.deadline_set") if d["complaint_id"] == "C-D"]


async def test_every_move_of_the_regulatory_deadline_is_published_once(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    later = received + timedelta(hours=1)
    facts = received + timedelta(days=1)
    inputs = [
        (topics.intake, action("C-D", "k-d", "extension_requested", at=later, reason="complex"), "ext"),
        (topics.intake, action("C-D", "k-d", "clock_paused", at=later, reason="appraisal"), "pause"),
        (topics.intake, action("C-D", "k-d", "clock_resumed", at=later + timedelta(hours=3)), "resume"),
        (topics.analysis, analyzed("C-E", "k-d", received_at=facts, contract_key="ct", signature=("b2",)), "an-e"),
        (
            topics.followup,
            ComplaintReopened(complaint_id="C-D", customer_key="k-d", cycle=2, reason="unsatisfied", occurred_at=facts),
            "re",
        ),
    ]
    first = analyzed("C-D", "k-d", received_at=received, contract_key="ct", signature=("b1",))
    async with serve_app(create_app(make_settings("escalation"), escalation=fast())):
        await send(kafka_bootstrap, topics.analysis, first, event_id="an-d")
        for told_so_far, (topic, data, event_id) in enumerate(inputs, start=1):
            await consume_until(kafka_bootstrap, topics.escalation, lambda rs, n=told_so_far: len(told_of(rs)) >= n)
            await send(kafka_bootstrap, topic, data, event_id=event_id)  # one at a time: topics are not ordered
        records = await consume_until(kafka_bootstrap, topics.escalation, lambda rs: len(told_of(rs)) >= len(CHANGES))
    told = told_of(records)
    assert [d["change"] for d in told] == CHANGES
    started, extended, paused, resumed, restarted, reopened = told
    assert datetime.fromisoformat(started["due_at"]) == regulatory_due_at(started_at=received)
    assert datetime.fromisoformat(extended["due_at"]) == regulatory_due_at(started_at=received, extensions=1)
    assert paused["paused"] and not resumed["paused"] and resumed["paused_seconds"] == 3 * 3600
    assert (restarted["restarted_by"], restarted["extensions"]) == ("C-E", 0)
    assert datetime.fromisoformat(restarted["started_at"]) == facts
    assert (reopened["cycle"], datetime.fromisoformat(reopened["started_at"])) == (2, facts)
    assert len({d["_id"] for d in told}) == len(CHANGES)
