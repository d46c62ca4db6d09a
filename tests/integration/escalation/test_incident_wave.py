"""A wave of similar complaints from different customers becomes one incident; members are re-routed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import SettingsFactory
from tests.integration.escalation.helpers import fast, of_type, send
from tests.support.kafka import Record, consume_until
from tests.support.servers import eventually, serve_app
from tests.unit.escalation.escalation_builders import analyzed
from tousu_escalation.bootstrap import create_app
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


async def _processed(url: str) -> float:
    text = (await httpx.AsyncClient().get(f"{url}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("tousu_events_processed_total{") and 'outcome="processed"' in line
    )


def _settled(records: list[Record]) -> bool:
    latest = {e["complaint_id"]: e for e in of_type(records, "complaint.routed")}
    updated = of_type(records, "incident.updated")
    return len(latest) == 6 and all(e["incident_id"] for e in latest.values()) and bool(updated)


async def test_six_customers_on_one_matter_in_three_days_make_exactly_one_incident(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    start = datetime.now(UTC) - timedelta(days=3)
    wave = [
        analyzed(f"C-W{i}", f"k-wave-{i}", received_at=start + timedelta(hours=12 * i), signature=(f"own-{i}",))
        for i in range(6)
    ]
    async with serve_app(create_app(make_settings("escalation"), escalation=fast())) as url:
        for i, complaint in enumerate(wave):
            await send(kafka_bootstrap, topics.analysis, complaint, event_id=f"an-{i}")
        first = await consume_until(kafka_bootstrap, topics.escalation, _settled)
        for i, complaint in enumerate(wave):  # redelivery of every event (same ce_id)
            await send(kafka_bootstrap, topics.analysis, complaint, event_id=f"an-{i}")
        await eventually(lambda: _at_least(url, 12), timeout_s=20)
        final = await consume_until(kafka_bootstrap, topics.escalation, lambda rs: len(rs) >= len(first))
    opened = of_type(final, "incident.opened")
    assert len(opened) == 1
    incident = opened[0]
    assert (incident["kind"], incident["queue"], incident["member_count"]) == ("group", "group_taskforce", 5)
    routed = of_type(final, "complaint.routed")
    latest = {e["complaint_id"]: e for e in routed}
    assert {e["incident_id"] for e in latest.values()} == {incident["incident_id"]}
    assert {e["queue"] for e in latest.values()} == {"group_taskforce"}
    reroutes = [e for e in routed if e["reroute_of"]]
    assert sorted(e["complaint_id"] for e in reroutes) == sorted(
        set(incident["complaint_ids"]) - {incident["complaint_id"]}
    )
    assert len(routed) == 6 + 4  # one routing each, plus one re-route for each member routed before the incident
    updated = of_type(final, "incident.updated")
    assert [e["member_count"] for e in updated] == [6]
    for kind in ("complaint.routed", "incident.opened", "incident.updated"):  # the redeliveries changed nothing
        assert len(of_type(final, kind)) == len(of_type(first, kind)), kind


async def _at_least(url: str, n: int) -> bool:
    return await _processed(url) >= n
