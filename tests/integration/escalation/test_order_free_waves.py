"""Order-free incidents against the real database and broker (issue 16 item 1, domain §5).

Two escalation instances in one consumer group (the six partitions split between them) receive a wave,
a late member of it, a newer wave of the same matter, a near-miss of another product and creeping
one-offs — in shuffled order. The final state is the one the rule gives for the whole set.
"""

from __future__ import annotations

import random
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import SettingsFactory
from tests.integration.escalation.helpers import fast, of_type, send
from tests.support.kafka import Record, consume_until
from tests.support.servers import serve_app
from tests.unit.escalation.escalation_builders import analyzed
from tousu_escalation.bootstrap import create_app
from tousu_shared.events import ComplaintAnalyzed
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


def complaints(start: datetime) -> list[ComplaintAnalyzed]:
    def one(cid: str, customer: str, at: timedelta, product: str = "信用卡") -> ComplaintAnalyzed:
        return analyzed(cid, customer, received_at=start + at, product_type=product, signature=(f"own-{cid}",))

    old_wave = [one(f"C-A{i}", f"k-a{i}", timedelta(hours=10 * i)) for i in range(5)]
    late = [one("C-A-late", "k-a-late", timedelta(hours=25))]  # shuffled: often after the newer wave
    new_wave = [one(f"C-B{i}", f"k-b{i}", timedelta(days=20, hours=6 * i)) for i in range(5)]
    near_miss = [one(f"C-N{i}", f"k-n{i}", timedelta(days=1, hours=i), product="理财") for i in range(4)]
    creeping = [one(f"C-S{i}", f"k-s{i}", timedelta(days=8 + 5 * i)) for i in range(2)]  # 6.x days apart
    return [*old_wave, *late, *new_wave, *near_miss, *creeping]


WAVES = {
    frozenset({"C-A0", "C-A1", "C-A2", "C-A3", "C-A4", "C-A-late"}),
    frozenset({"C-B0", "C-B1", "C-B2", "C-B3", "C-B4"}),
}


def final(records: list[Record]) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """The latest routing of each complaint and the latest event of each incident."""
    routed = {e["complaint_id"]: e for e in of_type(records, "complaint.routed")}
    incidents = {
        e["incident_id"]: e for e in [*of_type(records, "incident.opened"), *of_type(records, "incident.updated")]
    }
    return routed, incidents


def wave_incidents(records: list[Record]) -> dict[frozenset[str], set[str]]:
    """For each expected wave, the member sets of the incidents its members are routed into."""
    routed, incidents = final(records)
    return {
        wave: {
            frozenset(incidents[i]["complaint_ids"]) if i in incidents else frozenset()
            for i in (routed[c]["incident_id"] if c in routed else None for c in wave)
        }
        for wave in WAVES
    }


def settled(records: list[Record], *, count: int) -> bool:
    routed, _ = final(records)
    return len(routed) == count and all(found == {wave} for wave, found in wave_incidents(records).items())


def arrival(items: list[ComplaintAnalyzed], order: str) -> list[ComplaintAnalyzed]:
    """Shuffled by a seed, or the order the former sliding rule got wrong: the old wave, the creeping
    one-offs (within 7 days of its latest member), the newer wave, then the old wave's late member."""
    if order.startswith("seed-"):
        shuffled = list(items)
        random.Random(int(order.removeprefix("seed-"))).shuffle(shuffled)
        return shuffled
    first = ["C-A0", "C-A1", "C-A2", "C-A3", "C-A4", "C-S0", "C-S1", "C-B0", "C-B1", "C-B2", "C-B3", "C-B4"]
    by_id = {c.complaint_id: c for c in items}
    return [by_id[c] for c in first] + [c for c in items if c.complaint_id not in first]


@pytest.mark.parametrize("order", ["seed-3", "seed-8", "late-member-after-the-newer-wave"])
async def test_two_instances_in_shuffled_order_end_with_the_waves_of_the_rule(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str, order: str
) -> None:
    start = datetime.now(UTC) - timedelta(days=30)
    items = complaints(start)
    shuffled = arrival(items, order)
    settings = make_settings("escalation")
    async with AsyncExitStack() as stack:
        for _ in range(2):
            await stack.enter_async_context(serve_app(create_app(settings, escalation=fast())))
        for complaint in shuffled:
            await send(kafka_bootstrap, topics.analysis, complaint, event_id=f"an-{complaint.complaint_id}")
        records = await consume_until(
            kafka_bootstrap, topics.escalation, lambda rs: settled(rs, count=len(items)), timeout_s=90
        )
    routed, incidents = final(records)
    assert len(routed) == len(items)
    for cid, event in routed.items():
        wave = next((w for w in WAVES if cid in w), None)
        if wave is None:
            assert (event["route"], event["incident_id"]) == ("standard", None), cid
        else:
            assert event["route"] == "group", cid
            assert set(incidents[event["incident_id"]]["complaint_ids"]) == wave, cid
    assert len({routed[c]["incident_id"] for w in WAVES for c in w}) == 2, "one incident per wave"
    reroutes = [
        (e["complaint_id"], e["incident_id"], e["level"])
        for e in of_type(records, "complaint.routed")
        if e["incident_id"]
    ]
    assert len(reroutes) == len(set(reroutes)), "a member routed twice into one incident at one level"
