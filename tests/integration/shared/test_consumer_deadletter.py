"""The safe consume path: poison records on any topic are dead-lettered with the reason; the flow goes on."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from tests.conftest import SettingsFactory
from tests.support.kafka import consume_until, publish, publish_raw
from tests.support.servers import eventually, serve_app
from tousu_shared.codec import encode
from tousu_shared.events import ComplaintActionRecorded, Envelope, EventData
from tousu_shared.runtime import Runtime, build_app
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


async def _outcome(url: str, outcome: str) -> float:
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{url}/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("tousu_events_processed_total{") and f'outcome="{outcome}"' in line
    )


def _app(settings_factory: SettingsFactory, topics: Topics, handled: list[str]):  # type: ignore[no-untyped-def]
    async def on_action(envelope: Envelope[EventData]) -> None:
        handled.append(envelope.id)

    async def setup(runtime: Runtime) -> None:
        runtime.consume(
            topics=[topics.intake, topics.analysis, topics.escalation, topics.followup],
            handlers={"complaint.action_recorded": on_action},
        )

    return build_app(settings_factory("analysis"), title="probe", setup=setup)


POISON = {
    "not-json": lambda h, v: (h, b"{not json"),
    "wrong-type": lambda h, v: ([(k, b"complaint.teleported" if k == "ce_type" else x) for k, x in h], v),
    "missing-header": lambda h, v: ([(k, x) for k, x in h if k != "ce_subject"], v),
}


async def test_poison_on_every_topic_is_dead_lettered_and_good_events_still_flow(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    handled: list[str] = []
    good = encode(_valid("ce-good"))
    sources = [topics.intake, topics.analysis, topics.escalation, topics.followup]
    async with serve_app(_app(make_settings, topics, handled)) as url:
        for topic in sources:
            for name, mutate in POISON.items():
                headers, value = mutate(good.headers, good.value)
                await publish_raw(
                    kafka_bootstrap, topic, key=b"ck-1", value=value, headers=[*headers, ("test_case", name.encode())]
                )
        await publish(kafka_bootstrap, topics.followup, _valid("ce-good"))
        await publish(kafka_bootstrap, topics.followup, _valid("ce-good"))  # a re-delivery of the same event
        dead = await consume_until(kafka_bootstrap, topics.deadletter, lambda rs: len(rs) >= 12)
        assert await eventually(lambda: _outcome(url, "duplicate"), timeout_s=20) == 1.0
    assert handled == ["ce-good"], "the good event is handled once, after the poison"
    assert {(r.headers["dlq_topic"], r.headers["test_case"]) for r in dead} == {
        (t, name) for t in sources for name in POISON
    }
    reasons = {r.headers["test_case"]: r.headers["dlq_error"] for r in dead}
    assert "not JSON" in reasons["not-json"]
    assert "unexpected ce_type 'complaint.teleported'" in reasons["wrong-type"]
    assert "missing CloudEvents header(s): ce_subject" in reasons["missing-header"]
    for record in dead:
        assert record.headers["dlq_service"] == "analysis"
        assert record.headers["dlq_attempts"] == "1"
        assert int(record.headers["dlq_offset"]) >= 0


async def test_an_event_that_keeps_failing_is_dead_lettered_after_bounded_retries(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    calls: list[str] = []

    async def always_fails(envelope: Envelope[EventData]) -> None:
        calls.append(envelope.id)
        raise RuntimeError("handler bug")

    async def setup(runtime: Runtime) -> None:
        runtime.consume(topics=[topics.intake], handlers={"complaint.action_recorded": always_fails})

    app = build_app(make_settings("analysis", retry_attempts=3), title="probe", setup=setup)
    async with serve_app(app):
        await publish(kafka_bootstrap, topics.intake, _valid("ce-bad"))
        dead = await consume_until(kafka_bootstrap, topics.deadletter, lambda rs: len(rs) >= 1)
    assert calls == ["ce-bad"] * 3
    assert dead[0].headers["dlq_attempts"] == "3"
    assert "gave up after 3 attempts: RuntimeError: handler bug" in dead[0].headers["dlq_error"]
    assert dead[0].headers["ce_id"] == "ce-bad", "the original record travels unchanged"
