"""A service consumer dead-letters malformed records with the reason and keeps going."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.conftest import SettingsFactory
from tests.support.kafka import consume_until, publish, publish_raw
from tests.support.servers import eventually, serve_app
from tousu_analysis.bootstrap import create_app
from tousu_shared.codec import encode
from tousu_shared.events import ComplaintActionRecorded, Envelope, EventData
from tousu_shared.settings import Topics

pytestmark = pytest.mark.integration


def _valid(event_id: str) -> Envelope[EventData]:
    data = ComplaintActionRecorded(
        complaint_id="TS-1",
        customer_key="ck-1",
        action_id="a1",
        type="note",
        actor="h1",
        occurred_at=datetime(2026, 11, 23, tzinfo=UTC),
    )
    return Envelope[EventData].wrap(data, source="tousu/test", event_id=event_id)


async def _processed(url: str, outcome: str) -> float:
    text = (await httpx.AsyncClient().get(f"{url}/metrics")).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith("tousu_events_processed_total{") and f'outcome="{outcome}"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


async def test_poison_records_go_to_the_dead_letter_topic_and_the_pipeline_keeps_flowing(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    good = encode(_valid("ce-good"))
    poison = {
        "not-json": (good.headers, b"{not json"),
        "wrong-type": ([(k, b"complaint.teleported" if k == "ce_type" else v) for k, v in good.headers], good.value),
        "missing-header": ([(k, v) for k, v in good.headers if k != "ce_subject"], good.value),
    }
    async with serve_app(create_app(make_settings("analysis"))) as url:
        for name, (headers, value) in poison.items():
            await publish_raw(
                kafka_bootstrap,
                topics.intake,
                key=b"ck-1",
                value=value,
                headers=[*headers, ("test_case", name.encode())],
            )
        await publish(kafka_bootstrap, topics.intake, _valid("ce-good"))
        await publish(kafka_bootstrap, topics.intake, _valid("ce-good"))  # redelivery of the same event
        dead = await consume_until(kafka_bootstrap, topics.deadletter, lambda rs: len(rs) >= 3)
        assert await eventually(lambda: _processed(url, "processed"), timeout_s=20) == 1.0
        assert await eventually(lambda: _processed(url, "duplicate"), timeout_s=20) == 1.0
    reasons = {r.headers["test_case"]: r.headers["dlq_error"] for r in dead}
    assert "not JSON" in reasons["not-json"]
    assert "unexpected ce_type 'complaint.teleported'" in reasons["wrong-type"]
    assert "missing CloudEvents header(s): ce_subject" in reasons["missing-header"]
    for record in dead:
        assert record.headers["dlq_service"] == "analysis"
        assert record.headers["dlq_topic"] == topics.intake
        assert int(record.headers["dlq_offset"]) >= 0
        assert record.headers["dlq_attempts"] == "1"
