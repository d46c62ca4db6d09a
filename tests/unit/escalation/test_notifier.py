"""The webhook transport signs the body, carries the page id as Idempotency-Key, and says why an attempt failed."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime

import httpx
import pytest

from tousu_escalation.domain.pages import Page
from tousu_escalation.notifier import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, NullTransport, WebhookTransport

pytestmark = pytest.mark.unit
SECRET = "webhook-secret-0123456789"
PAGE = Page(
    page_id="p-1",
    kind="routed",
    queue="crisis_team",
    complaint_id="C-1",
    customer_key="k",
    body='{"a":1}',
    created_at=datetime(2026, 1, 5, tzinfo=UTC),
)


def transport(handler: httpx.MockTransport) -> WebhookTransport:
    return WebhookTransport(
        urls={"crisis_team": "https://pager.example/crisis"},
        secret=SECRET,
        client=httpx.AsyncClient(transport=handler),
    )


async def test_the_body_is_signed_with_hmac_sha256_and_carries_the_page_id() -> None:
    seen: list[httpx.Request] = []
    mock = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(204))
    assert await transport(mock).send(PAGE) == ""
    expected = "sha256=" + hmac.new(SECRET.encode(), b'{"a":1}', hashlib.sha256).hexdigest()
    assert seen[0].headers[SIGNATURE_HEADER] == expected
    assert seen[0].headers[IDEMPOTENCY_HEADER] == "p-1"
    assert seen[0].headers["X-Tousu-Event"] == "routed"
    assert seen[0].url == "https://pager.example/crisis"
    assert seen[0].content == b'{"a":1}'


async def test_a_refusal_is_reported_with_its_status() -> None:
    assert await transport(httpx.MockTransport(lambda r: httpx.Response(503))).send(PAGE) == "HTTP 503"


async def test_an_unreachable_receiver_is_reported_with_the_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    assert await transport(httpx.MockTransport(refuse)).send(PAGE) == "ConnectError: connection refused"


async def test_a_queue_without_a_url_is_a_failed_attempt() -> None:
    other = PAGE.model_copy(update={"queue": "frontline"})
    assert await transport(httpx.MockTransport(lambda r: httpx.Response(200))).send(other) == (
        "no webhook URL for queue frontline"
    )


async def test_with_paging_disabled_a_leftover_page_fails_with_that_reason() -> None:
    assert "paging disabled" in await NullTransport().send(PAGE)
