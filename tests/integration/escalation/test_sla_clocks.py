"""The clock scanner: an old complaint breaches promptly; a restart neither loses nor duplicates a warning."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import SettingsFactory
from tests.integration.escalation.helpers import fast, of_type, send
from tests.support.kafka import consume_until
from tests.support.servers import serve_app
from tests.unit.escalation.escalation_builders import analyzed
from tousu_escalation.bootstrap import create_app
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


async def test_a_complaint_received_16_days_ago_breaches_promptly(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    received = datetime.now(UTC) - timedelta(days=16)
    async with serve_app(create_app(make_settings("escalation"), escalation=fast())):
        await send(kafka_bootstrap, topics.analysis, analyzed("C-OLD", "k-old", received_at=received), event_id="a-1")
        records = await consume_until(
            kafka_bootstrap,
            topics.escalation,
            lambda rs: any(e["clock"] == "regulatory" for e in of_type(rs, "complaint.sla_breached")),
            timeout_s=20,
        )
    routed = of_type(records, "complaint.routed")
    breach = next(e for e in of_type(records, "complaint.sla_breached") if e["clock"] == "regulatory")
    assert [r["complaint_id"] for r in routed] == ["C-OLD"]
    assert breach["escalation_level"] == 2  # a day past due: the first 24-hour repeat is already reached
    assert breach["overdue_seconds"] >= 86_400
    assert of_type(records, "complaint.sla_warning") == []  # superseded by the breach


def _warnings(records: list) -> Counter[tuple[str, str, float]]:  # type: ignore[type-arg]
    return Counter((e["complaint_id"], e["clock"], e["threshold"]) for e in of_type(records, "complaint.sla_warning"))


def _later(shift: timedelta) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) + shift


async def test_a_restart_in_the_middle_of_a_clock_neither_loses_nor_duplicates_a_warning(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    # 60 % of the 15-day regulatory clock has elapsed: the first instance raises the 50 % warning only.
    # The second instance runs 2.5 days later (its clock is shifted): 76.7 % elapsed → the 75 % warning only.
    received = datetime.now(UTC) - timedelta(days=9)
    settings = make_settings("escalation")
    async with serve_app(create_app(settings, escalation=fast())):
        await send(kafka_bootstrap, topics.analysis, analyzed("C-MID", "k-mid", received_at=received), event_id="a-2")
        before = await consume_until(
            kafka_bootstrap, topics.escalation, lambda rs: _warnings(rs)[("C-MID", "regulatory", 0.5)] == 1
        )
    assert _warnings(before)[("C-MID", "regulatory", 0.75)] == 0
    async with serve_app(create_app(settings, escalation=fast(), now=_later(timedelta(days=2.5)))):
        mid = await consume_until(
            kafka_bootstrap, topics.escalation, lambda rs: _warnings(rs)[("C-MID", "regulatory", 0.75)] >= 1
        )
        await asyncio.sleep(1.5)  # several more scan passes (0.2 s) of the new instance: room for a duplicate
        final = await consume_until(kafka_bootstrap, topics.escalation, lambda rs: len(rs) >= len(mid), timeout_s=5)
    counts = _warnings(final)
    assert counts[("C-MID", "regulatory", 0.5)] == 1
    assert counts[("C-MID", "regulatory", 0.75)] == 1
    assert counts[("C-MID", "regulatory", 0.9)] == 0
    assert all(n == 1 for n in counts.values()), counts
