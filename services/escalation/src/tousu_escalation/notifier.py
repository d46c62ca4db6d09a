"""On-call paging transport: the `PageTransport` port and its webhook adapter (HMAC-signed, one POST per attempt).

Retries, backoff and dead-lettering belong to the sender (`tousu_escalation.pager`), which works
from stored pages; a transport only makes one attempt and says why it failed.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

import httpx

from tousu_escalation.domain.pages import Page

SIGNATURE_HEADER = "X-Tousu-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


class PageTransport(Protocol):
    """Port: one delivery attempt of a page."""

    async def send(self, page: Page) -> str:
        """POST the page once; "" when the receiver accepted it, else the reason."""

    async def aclose(self) -> None:
        """Release connections (at shutdown)."""


class NullTransport:
    """Paging disabled (no webhook URL): a page left from an earlier configuration fails with that reason."""

    async def send(self, page: Page) -> str:
        """Refuse."""
        return "paging disabled: no webhook URL configured"

    async def aclose(self) -> None:
        """Nothing to close."""


def sign(*, secret: str, body: bytes) -> str:
    """`sha256=<hex>` HMAC of the exact body bytes, as receivers verify it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookTransport:
    """POSTs a page to its queue's URL with the page id as `Idempotency-Key` (a resend is recognisable)."""

    def __init__(
        self, *, urls: dict[str, str], secret: str, timeout_s: float = 5.0, client: httpx.AsyncClient | None = None
    ) -> None:
        self._urls, self._secret = urls, secret
        self._client = client or httpx.AsyncClient(timeout=timeout_s)

    def url_for(self, queue: str) -> str | None:
        """The queue's URL, the `*` fallback, or None (not paged)."""
        return self._urls.get(queue) or self._urls.get("*")

    def headers(self, page: Page, body: bytes) -> dict[str, str]:
        """Signature, idempotency key and what the page is about."""
        return {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret=self._secret, body=body),
            IDEMPOTENCY_HEADER: page.page_id,
            "X-Tousu-Event": page.kind,
            "X-Tousu-Queue": page.queue,
        }

    async def send(self, page: Page) -> str:
        """One POST; a 2xx is delivered, anything else is the reason it was not."""
        url = self.url_for(page.queue)
        if url is None:
            return f"no webhook URL for queue {page.queue}"
        body = page.body.encode()
        try:
            response = await self._client.post(url, content=body, headers=self.headers(page, body))
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"[:500]
        return "" if response.is_success else f"HTTP {response.status_code}"

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()
