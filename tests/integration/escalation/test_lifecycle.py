"""Lifecycle inputs: a refused extension is dead-lettered; a reopen re-routes one tier up in a new cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import SettingsFactory
from tests.integration.escalation.helpers import fast, of_type, send
from tests.support.kafka import consume_until
from tests.support.servers import serve_app
from tests.unit.escalation.escalation_builders import action, analyzed
from tousu_escalation.bootstrap import create_app
from tousu_shared.events import ComplaintReopened
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


async def test_a_third_extension_is_dead_lettered_and_a_reopen_goes_one_tier_up(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    received = datetime.now(UTC) - timedelta(hours=1)
    later = received + timedelta(minutes=30)
    async with serve_app(create_app(make_settings("escalation"), escalation=fast())):
        await send(kafka_bootstrap, topics.analysis, analyzed("C-L", "k-l", received_at=received), event_id="an-l")
        await consume_until(kafka_bootstrap, topics.escalation, lambda rs: bool(of_type(rs, "complaint.routed")))
        extensions = [
            action("C-L", "k-l", "extension_requested", at=later, reason="complex"),
            action("C-L", "k-l", "extension_requested", at=later, reason="complex", approver="vp"),
            action("C-L", "k-l", "extension_requested", at=later, reason="again", approver="ceo"),
        ]
        for i, ext in enumerate(extensions):
            await send(kafka_bootstrap, topics.intake, ext, event_id=f"ext-{i}")
        dead = await consume_until(kafka_bootstrap, topics.deadletter, lambda rs: len(rs) >= 1)
        reopened = ComplaintReopened(
            complaint_id="C-L", customer_key="k-l", cycle=2, reason="unsatisfied", occurred_at=later
        )
        await send(kafka_bootstrap, topics.followup, reopened, event_id="re-1")
        records = await consume_until(
            kafka_bootstrap, topics.escalation, lambda rs: len(of_type(rs, "complaint.routed")) >= 2
        )
    assert [r.headers["ce_id"] for r in dead] == ["ext-2"]
    assert "extension 3 refused" in dead[0].headers["dlq_error"]
    first, again = of_type(records, "complaint.routed")
    assert (first["tier"], first["queue"], first["cycle"]) == ("L1", "frontline", 1)
    assert (again["tier"], again["queue"], again["cycle"], again["reroute_of"]) == ("L2", "specialist", 2, "standard")
