"""Durable paging against real servers and a local webhook receiver: stored with the cause, retried, sent once,
dead-lettered with the reason after the last attempt; an idle sender never writes."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import CollectorRegistry
from pymongo import AsyncMongoClient

from tests.conftest import SettingsFactory
from tests.integration.escalation.helpers import fast, of_type, send
from tests.support.kafka import consume_until
from tests.support.servers import eventually, serve_app
from tests.support.webhook import Receiver, webhook_receiver
from tests.unit.escalation.escalation_builders import analyzed
from tousu_escalation.adapters.pages import PageRepository, pages_fields
from tousu_escalation.bootstrap import create_app
from tousu_escalation.config import EscalationSettings
from tousu_escalation.domain.pages import PageRules, RetrySchedule, page_id
from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.notifier import NullTransport
from tousu_escalation.pager import PageSender
from tousu_shared.mongo import Document, create_client
from tousu_shared.settings import Settings, Topics
from tousu_tools import embedded
from tousu_tools.dlq import read_all, redrive_pages

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
from tousu_bench.writes import opcounters

pytestmark = pytest.mark.integration
SECRET = "paging-secret-0123456789"


def paging(hook: Receiver, **overrides: Any) -> EscalationSettings:
    """Every queue paged to the receiver; quick retries; a short lease."""
    values: dict[str, Any] = {
        "webhook_urls": {"*": hook.url},
        "webhook_secret": SECRET,
        "webhook_attempts": 3,
        "webhook_timeout_s": 2.0,
        "webhook_backoff_base_s": 0.05,
        "webhook_backoff_max_s": 0.2,
        "page_interval_s": 0.1,
        "page_lease_s": 3.0,
    }
    return fast(**(values | overrides))


async def stored_pages(settings: Settings) -> list[Document]:
    """Every document of escalation's pages collection."""
    client = create_client(settings.mongo)
    try:
        return await client[settings.mongo.database]["escalation_pages"].find().to_list()
    finally:
        await client.close()


async def metric(url: str, name: str, labels: str) -> float:
    """One sample of the service's /metrics (0 when absent)."""
    async with httpx.AsyncClient() as client:
        text = (await client.get(f"{url}/metrics")).text
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and labels in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def crisis(complaint_id: str, *, days_ago: float = 0.0) -> Any:
    """A complaint routed to the crisis team (self-harm signal)."""
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days_ago, minutes=5)
    return analyzed(complaint_id, f"k-{complaint_id}", received_at=received, signals=("self_harm",))


async def routed_id(kafka_bootstrap: str, topics: Topics, complaint_id: str) -> str:
    """The `ce_id` of the complaint's `complaint.routed` (the cause its page id is derived from)."""
    records = await consume_until(
        kafka_bootstrap,
        topics.escalation,
        lambda rs: any(e["complaint_id"] == complaint_id for e in of_type(rs, "complaint.routed")),
    )
    return next(e["_id"] for e in of_type(records, "complaint.routed") if e["complaint_id"] == complaint_id)


async def test_a_page_refused_twice_is_delivered_once_with_the_same_id_and_a_redelivery_pages_nothing_more(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    settings = make_settings("escalation")
    with webhook_receiver(Receiver(fail_first=2)) as hook:
        async with serve_app(create_app(settings, escalation=paging(hook))) as url:
            await send(kafka_bootstrap, topics.analysis, crisis("C-P1"), event_id="an-p1")
            await eventually(lambda: _true(bool(hook.delivered())), timeout_s=30)
            await send(kafka_bootstrap, topics.analysis, crisis("C-P1"), event_id="an-p1")  # a redelivery
            await eventually(lambda: _processed_twice(url), timeout_s=20)
            await asyncio.sleep(1.0)  # ten sender passes: room for a second page
            expected = page_id(kind="routed", cause=await routed_id(kafka_bootstrap, topics, "C-P1"))
            assert hook.attempts() == {expected: 3}, hook.hits
            assert hook.delivered() == {expected: 1}
            assert [h.kind for h in hook.hits] == ["routed"] * 3
            assert await metric(url, "tousu_notifications_total", 'outcome="retried"') == 2
            assert await metric(url, "tousu_notifications_total", 'outcome="delivered"') == 1
            await eventually(lambda: _gauge_is(url, "sent", 1), timeout_s=10)
            assert await metric(url, "tousu_pages", 'status="pending"') == 0
    [page] = await stored_pages(settings)
    assert (page["_id"], page["status"], page["attempts"], page["last_error"]) == (expected, "sent", 3, "HTTP 503")
    assert page["queue"] == "crisis_team" and page["expire_at"] > page["sent_at"]


async def test_a_page_that_always_fails_is_dead_lettered_with_the_reason_and_tousu_dlq_replay_sends_it_again(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    settings = make_settings("escalation")
    with webhook_receiver(Receiver(always_fail=True)) as hook:
        async with serve_app(create_app(settings, escalation=paging(hook))) as url:
            await send(kafka_bootstrap, topics.analysis, crisis("C-P2"), event_id="an-p2")
            letters = await consume_until(
                kafka_bootstrap, topics.deadletter, lambda rs: any("page_id" in r.headers for r in rs)
            )
            await eventually(lambda: _gauge_is(url, "failed", 1), timeout_s=10)
            assert await metric(url, "tousu_deadletter_total", 'service="escalation"') == 1
            assert await metric(url, "tousu_notifications_total", 'outcome="deadlettered"') == 1
            await asyncio.sleep(0.5)  # more sender passes: a failed page is not tried again
            [failed] = await stored_pages(settings)
            assert hook.attempts() == {failed["_id"]: 3}
            # the operator fixes the receiver and re-drives the dead letter (what `tousu dlq replay` does for pages)
            hook.always_fail = False
            assert await redrive_pages(settings.mongo, await read_all(settings.kafka)) == 1
            await eventually(lambda: _true(hook.delivered() == {failed["_id"]: 1}), timeout_s=20)
            assert await redrive_pages(settings.mongo, await read_all(settings.kafka)) == 0  # sent: left alone
    [letter] = letters
    assert (failed["status"], failed["attempts"], failed["last_error"]) == ("failed", 3, "HTTP 503")
    headers = letter.headers
    assert headers["page_id"] == failed["_id"] and headers["dlq_id"] == failed["dlq_id"]
    assert (headers["dlq_topic"], headers["dlq_error"], headers["dlq_attempts"]) == (
        "webhook:crisis_team",
        "HTTP 503",
        "3",
    )
    assert (headers["dlq_service"], headers["notification_kind"], headers["ce_subject"]) == (
        "escalation",
        "routed",
        "C-P2",
    )
    assert letter.value == failed["body"].encode()
    [resent] = await stored_pages(settings)
    assert (resent["_id"], resent["status"], resent["attempts"]) == (failed["_id"], "sent", 1)


async def test_every_kind_of_page_is_sent_once_even_when_every_input_is_delivered_twice(
    make_settings: SettingsFactory, topics: Topics, kafka_bootstrap: str
) -> None:
    start = datetime.now(UTC) - timedelta(days=3)
    wave = [
        analyzed(f"C-PW{i}", f"k-pwave-{i}", received_at=start + timedelta(hours=12 * i), signature=(f"own-{i}",))
        for i in range(6)
    ]
    inputs = [(c, f"an-pw-{i}") for i, c in enumerate(wave)] + [(crisis("C-POLD", days_ago=25), "an-pold")]
    with webhook_receiver() as hook:
        app = create_app(make_settings("escalation"), escalation=paging(hook, major_threshold=6))
        async with serve_app(app) as url:
            for _ in range(2):
                for complaint, event_id in inputs:
                    await send(kafka_bootstrap, topics.analysis, complaint, event_id=event_id)
            await eventually(
                lambda: _true(_kinds(hook) >= {"routed", "sla_breached", "incident_opened", "incident_major"})
            )
            await eventually(lambda: _processed_at_least(url, 2 * len(inputs)), timeout_s=30)
            await asyncio.sleep(1.0)  # room for a duplicate
    assert all(n == 1 for n in hook.attempts().values()), hook.attempts()
    opened = [h for h in hook.hits if h.kind == "incident_opened"]
    assert [h.queue for h in opened] == ["group_taskforce"]
    assert {h.queue for h in hook.hits if h.kind == "routed"} <= {"crisis_team", "group_taskforce"}


def _kinds(hook: Receiver) -> set[str]:
    return {h.kind for h in hook.hits}


async def _true(value: bool) -> bool:
    return value


async def _processed_at_least(url: str, n: int) -> bool:
    return await metric(url, "tousu_events_processed_total", 'outcome="processed"') >= n


async def _processed_twice(url: str) -> bool:
    return await _processed_at_least(url, 2)


async def _gauge_is(url: str, status: str, n: float) -> bool:
    return await metric(url, "tousu_pages", f'status="{status}"') == n


@pytest.fixture
async def private_mongo(tmp_path: Path) -> AsyncIterator[AsyncMongoClient[dict[str, Any]]]:
    """A server of this test's own: opcounters are server-wide, and the session's server has other writers."""
    server = embedded.start_mongo(port=embedded.free_port(), storage=tmp_path / "db", log_dir=tmp_path / "logs")
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(embedded.mongo_uri(server.port))
    try:
        yield client
    finally:
        await client.close()
        server.stop()


async def test_an_idle_sender_does_not_write_and_a_stored_page_is_handed_over_and_sent(
    private_mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    db = private_mongo["idle_pages"]
    now = datetime(2026, 12, 1, tzinfo=UTC)
    await db["cases"].insert_one({"_id": "C-1", "rev": 1})
    await db["incidents"].insert_one({"_id": "I-1", "rev": 1})
    repository = PageRepository(db["pages"], retention=timedelta(days=1))
    await repository.ensure_indexes()
    sent: list[str] = []

    class Recording(NullTransport):
        async def send(self, page: Any) -> str:
            sent.append(page.page_id)
            return ""

    sender = PageSender(
        pages=repository,
        sources=[db["cases"], db["incidents"]],
        transport=Recording(),
        schedule=RetrySchedule(3, 0.01, 0.02),
        dead_letter=_no_dead_letter,
        metrics=EscalationMetrics(CollectorRegistry()),
        now=lambda: now,
        interval_s=0.02,
        batch=10,
        lease_s=5.0,
        gauge_interval_s=0.05,
    )
    before = await opcounters(private_mongo)
    running = asyncio.create_task(sender.run())
    await asyncio.sleep(1.0)  # about 50 idle passes
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)
    after = await opcounters(private_mongo)
    assert after.writes - before.writes == 0
    [page] = PageRules(queues=frozenset({"*"})).page(
        kind="routed", queue="crisis_team", complaint_id="C-1", customer_key="k", body="{}", cause="ev", now=now
    )
    await db["cases"].update_one({"_id": "C-1"}, {"$set": pages_fields([page])})  # as the routing's write does
    assert await sender.scan_once() == 1
    assert sent == [page.page_id]
    assert (await db["cases"].find_one({"_id": "C-1"}) or {}).get("pages_pending") is False
    stored = await repository.get(page.page_id)
    assert stored is not None and (stored.status, stored.attempts) == ("sent", 1)
    assert await sender.scan_once() == 0 and sent == [page.page_id]


async def _no_dead_letter(item: Any, error: str) -> str:
    raise AssertionError(f"nothing should be dead-lettered: {error}")
