"""The webhook adapter signs the body, retries with backoff, then dead-letters; no URL means no paging."""

from __future__ import annotations

import hashlib
import hmac

import httpx
import pytest
from prometheus_client import CollectorRegistry

from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.notifier import SIGNATURE_HEADER, Notification, WebhookNotifier
from tousu_shared.retry import Backoff

pytestmark = pytest.mark.unit
SECRET = "webhook-secret-0123456789"
PAGE = Notification(kind="routed", queue="crisis_team", complaint_id="C-1", customer_key="k", body=b'{"a":1}')


def notifier(handler: httpx.MockTransport, dead: list[tuple[Notification, str, int]]) -> WebhookNotifier:
    async def dead_letter(n: Notification, error: str, attempts: int) -> None:
        dead.append((n, error, attempts))

    return WebhookNotifier(
        urls={"crisis_team": "https://pager.example/crisis"},
        secret=SECRET,
        dead_letter=dead_letter,
        metrics=EscalationMetrics(CollectorRegistry()),
        client=httpx.AsyncClient(transport=handler),
        attempts=3,
        backoff=Backoff(0.001, 0.002),
    )


async def test_the_body_is_signed_with_hmac_sha256() -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(204))
    assert await notifier(transport, []).deliver(PAGE)
    expected = "sha256=" + hmac.new(SECRET.encode(), b'{"a":1}', hashlib.sha256).hexdigest()
    assert seen[0].headers[SIGNATURE_HEADER] == expected
    assert seen[0].url == "https://pager.example/crisis"


async def test_failures_are_retried_then_dead_lettered() -> None:
    calls: list[int] = []
    transport = httpx.MockTransport(lambda r: calls.append(1) or httpx.Response(503))
    dead: list[tuple[Notification, str, int]] = []
    assert not await notifier(transport, dead).deliver(PAGE)
    assert len(calls) == 3
    assert dead == [(PAGE, "HTTP 503", 3)]


async def test_a_transient_failure_recovers_without_dead_letter() -> None:
    answers = iter([httpx.Response(500), httpx.Response(200)])
    dead: list[tuple[Notification, str, int]] = []
    assert await notifier(httpx.MockTransport(lambda r: next(answers)), dead).deliver(PAGE)
    assert dead == []


def test_queues_without_a_url_are_not_paged() -> None:
    pager = notifier(httpx.MockTransport(lambda r: httpx.Response(200)), [])
    pager.submit(Notification(kind="routed", queue="frontline", complaint_id="C", customer_key="k", body=b"{}"))
    assert pager.url_for("frontline") is None
    assert pager._queue.empty()
