"""On-call paging: the `Notifier` port and its webhook adapter (HMAC-signed, retried, then dead-lettered)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import httpx

from tousu_escalation.metrics import EscalationMetrics
from tousu_shared.logging import get_logger
from tousu_shared.retry import Backoff

log = get_logger("tousu.escalation.notifier")
SIGNATURE_HEADER = "X-Tousu-Signature"
DEFAULT_BACKOFF = Backoff(0.5, 30.0)


@dataclass(frozen=True)
class Notification:
    """One page: what happened (`routed`, `sla_breached`, `incident_opened`...), for which queue, as JSON."""

    kind: str
    queue: str
    complaint_id: str
    customer_key: str
    body: bytes


DeadLetter = Callable[[Notification, str, int], Awaitable[None]]


class Notifier(Protocol):
    """Port: hand a notification over without waiting for its delivery."""

    def submit(self, notification: Notification) -> None:
        """Queue a notification (never blocks, never raises)."""

    async def run(self) -> None:
        """Deliver queued notifications until cancelled."""


class NullNotifier:
    """Paging disabled (no webhook URL configured)."""

    def submit(self, notification: Notification) -> None:
        """Drop it."""

    async def run(self) -> None:
        """Nothing to deliver."""


def sign(*, secret: str, body: bytes) -> str:
    """`sha256=<hex>` HMAC of the exact body bytes, as receivers verify it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    """POSTs each notification to its queue's URL; retries with backoff, then dead-letters it."""

    def __init__(
        self,
        *,
        urls: dict[str, str],
        secret: str,
        dead_letter: DeadLetter,
        metrics: EscalationMetrics,
        client: httpx.AsyncClient | None = None,
        timeout_s: float = 5.0,
        attempts: int = 5,
        backoff: Backoff = DEFAULT_BACKOFF,
    ) -> None:
        self._urls, self._secret, self._timeout = urls, secret, timeout_s
        self._client = client
        self._dead_letter, self._metrics = dead_letter, metrics
        self._attempts, self._backoff = attempts, backoff
        self._queue: asyncio.Queue[Notification] = asyncio.Queue(maxsize=10_000)

    def url_for(self, queue: str) -> str | None:
        """The queue's URL, the `*` fallback, or None (not paged)."""
        return self._urls.get(queue) or self._urls.get("*")

    def submit(self, notification: Notification) -> None:
        """Queue it when its queue has a URL."""
        if self.url_for(notification.queue) is None:
            return
        try:
            self._queue.put_nowait(notification)
        except asyncio.QueueFull:
            self._metrics.notifications.labels("dropped").inc()
            log.error("notification queue full, dropped", kind=notification.kind, queue=notification.queue)

    async def run(self) -> None:
        """Deliver one at a time (order kept) until cancelled; owns its HTTP client unless one was given."""
        if self._client is not None:
            await self._drain()
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            self._client = client
            await self._drain()

    async def _drain(self) -> None:
        while True:
            notification = await self._queue.get()
            await self.deliver(notification)

    async def deliver(self, notification: Notification) -> bool:
        """Try up to `attempts` times; dead-letter when every attempt failed."""
        error = ""
        for attempt in range(1, self._attempts + 1):
            error = await self._post(notification)
            if not error:
                self._metrics.notifications.labels("delivered").inc()
                return True
            if attempt < self._attempts:
                await asyncio.sleep(self._backoff.delay(attempt))
        self._metrics.notifications.labels("deadlettered").inc()
        await self._dead_letter(notification, error, self._attempts)
        return False

    async def _post(self, notification: Notification) -> str:
        url = self.url_for(notification.queue)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(secret=self._secret, body=notification.body),
            "X-Tousu-Event": notification.kind,
            "X-Tousu-Queue": notification.queue,
        }
        if self._client is None:
            return "notifier not running"
        try:
            response = await self._client.post(url or "", content=notification.body, headers=headers)
        except httpx.HTTPError as exc:
            return f"{type(exc).__name__}: {exc}"
        return "" if response.is_success else f"HTTP {response.status_code}"
