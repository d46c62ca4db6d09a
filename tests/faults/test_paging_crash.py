"""`kill -9` of escalation between a paging decision and its delivery loses no page and sends none twice."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.faults.conftest import Pipeline
from tests.integration.escalation.helpers import of_type, send
from tests.support.kafka import consume_until
from tests.support.webhook import Receiver, webhook_receiver
from tests.unit.escalation.escalation_builders import analyzed
from tousu_shared.mongo import Document, create_client

pytestmark = pytest.mark.faults


def _crisis(complaint_id: str) -> Any:
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    return analyzed(complaint_id, f"k-{complaint_id}", received_at=received, signals=("self_harm",))


def _routed(pipe: Pipeline, complaint_id: str) -> None:
    asyncio.run(
        consume_until(
            pipe.backends.kafka_bootstrap,
            pipe.topics.escalation,
            lambda rs: any(e["complaint_id"] == complaint_id for e in of_type(rs, "complaint.routed")),
            timeout_s=60,
        )
    )


async def _pages(pipe: Pipeline) -> list[Document]:
    client = create_client(pipe.mongo())
    try:
        return await client[pipe.database]["escalation_pages"].find().to_list()
    finally:
        await client.close()


async def _unsent(pipe: Pipeline, complaint_id: str) -> bool:
    """The complaint's page is stored (still with the case, or handed over and never attempted)."""
    client = create_client(pipe.mongo())
    try:
        db = client[pipe.database]
        case = await db["escalation_cases"].find_one({"_id": complaint_id}) or {}
        handed = await db["escalation_pages"].find_one({"complaint_id": complaint_id}) or {}
        return bool(case.get("pages")) or (handed.get("status"), handed.get("attempts")) == ("pending", 0)
    finally:
        await client.close()


@pytest.mark.timeout(300)
def test_kill_9_while_one_page_is_in_flight_and_another_is_decided_but_unsent(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    with webhook_receiver(Receiver()) as hook:
        for name, value in {
            "TOUSU_ESCALATION_WEBHOOK_URLS": json.dumps({"*": hook.url}),
            "TOUSU_ESCALATION_WEBHOOK_SECRET": "paging-secret-0123456789",
            "TOUSU_ESCALATION_WEBHOOK_TIMEOUT_S": "8",  # the sender waits on the held page meanwhile
            "TOUSU_ESCALATION_PAGE_LEASE_S": "10",
            "TOUSU_ESCALATION_PAGE_INTERVAL_S": "0.2",
        }.items():
            monkeypatch.setenv(name, value)
        [first] = pipeline.start(("escalation",))
        bootstrap, analysis = pipeline.backends.kafka_bootstrap, pipeline.topics.analysis
        release = hook.hold_next()  # the first page reaches the receiver and stays unanswered
        asyncio.run(send(bootstrap, analysis, _crisis("C-K1"), event_id="an-k1"))
        assert hook.holding.wait(timeout=60), f"the first page never arrived\n{pipeline.logs()}"
        # the sender is busy with the held page: the second routing is stored with its page, and nothing sends it
        asyncio.run(send(bootstrap, analysis, _crisis("C-K2"), event_id="an-k2"))
        _routed(pipeline, "C-K2")
        pipeline.kill9(first)
        release.set()
        [held] = hook.hits
        assert (held.status, held.kind) == (0, "routed"), "one page in flight, unanswered, at the kill"
        assert asyncio.run(_unsent(pipeline, "C-K2")), "the second page was stored with its routing, not sent"

        pipeline.start(("escalation",))  # a new process: the page in flight is sent again once its lease expires
        hook.wait_for(lambda h: len(h.delivered()) == 2, timeout_s=90)
        pages = {p["complaint_id"]: p for p in asyncio.run(_pages(pipeline))}
    assert sorted(pages) == ["C-K1", "C-K2"]
    assert all(p["status"] == "sent" for p in pages.values()), pages
    in_flight, unsent = pages["C-K1"]["_id"], pages["C-K2"]["_id"]
    assert held.page_id == in_flight
    assert hook.delivered() == {in_flight: 1, unsent: 1}, hook.hits  # each page accepted exactly once
    assert hook.attempts() == {in_flight: 2, unsent: 1}  # the resend carried the same Idempotency-Key
