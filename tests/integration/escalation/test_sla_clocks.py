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
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


async def test_a_complaint_received_25_days_ago_breaches_promptly_at_the_level_its_overdue_time_reached(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    # 25 days: overdue whatever today is (a last day in the longest holiday moves about a week at most)
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=25)
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
    due = regulatory_due_at(started_at=received)  # 24:00 China time of the 15th day, off rest days
    assert datetime.fromisoformat(breach["due_at"]) == due
    assert breach["overdue_seconds"] >= 86_400
    # the 24-hour repeats already due are reached at once: level 1 + whole days past due
    assert breach["escalation_level"] == breach["overdue_seconds"] // 86_400 + 1 >= 2
    assert of_type(records, "complaint.sla_warning") == []  # superseded by the breach


def _warnings(records: list) -> Counter[tuple[str, str, float]]:  # type: ignore[type-arg]
    return Counter((e["complaint_id"], e["clock"], e["threshold"]) for e in of_type(records, "complaint.sla_warning"))


def _later(shift: timedelta) -> Callable[[], datetime]:
    return lambda: datetime.now(UTC) + shift


async def test_a_restart_in_the_middle_of_a_clock_neither_loses_nor_duplicates_a_warning(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    # The first instance's clock stands at 60 % of the regulatory period: it raises the 50 % warning only.
    # The second instance's stands at 80 %: the 75 % warning only. (The period is counted as the Civil
    # Code counts, so its length depends on the day: the clocks are shifted to those shares of it.)
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    span = regulatory_due_at(started_at=received) - received
    settings = make_settings("escalation")
    async with serve_app(create_app(settings, escalation=fast(), now=_later(0.6 * span - timedelta(hours=1)))):
        await send(kafka_bootstrap, topics.analysis, analyzed("C-MID", "k-mid", received_at=received), event_id="a-2")
        before = await consume_until(
            kafka_bootstrap, topics.escalation, lambda rs: _warnings(rs)[("C-MID", "regulatory", 0.5)] == 1
        )
    assert _warnings(before)[("C-MID", "regulatory", 0.75)] == 0
    async with serve_app(create_app(settings, escalation=fast(), now=_later(0.8 * span - timedelta(hours=1)))):
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
