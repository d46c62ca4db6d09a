"""The page sender: hand stored pages over, claim one due page with a lease, send it once, mark it sent.

A failed attempt is retried with exponential backoff (`next_attempt_at`); after the last one the
page is dead-lettered with the reason and kept as `failed`. A crash between the POST and the mark
sends the page again with the same `Idempotency-Key`, so the receiver can drop the repeat.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta

from pymongo.asynchronous.collection import AsyncCollection

from tousu_escalation.adapters.pages import PageRepository, StoredPage
from tousu_escalation.domain.pages import Retry, RetrySchedule
from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.notifier import PageTransport
from tousu_shared.logging import get_logger
from tousu_shared.mongo import Document, journaled
from tousu_shared.scanner import DueScanner

log = get_logger("tousu.escalation.pager")
DeadLetter = Callable[[StoredPage, str], Awaitable[str]]  # the page, the reason → the dead-letter id
DLQ_TOPIC_PREFIX = "webhook:"  # a dead-lettered page's `dlq_topic` is webhook:<queue>


class PageSender(DueScanner[StoredPage]):
    """Safe with several instances: the claim's lease means one sender per page at a time."""

    def __init__(
        self,
        *,
        pages: PageRepository,
        sources: list[AsyncCollection[Document]],
        transport: PageTransport,
        schedule: RetrySchedule,
        dead_letter: DeadLetter,
        metrics: EscalationMetrics,
        now: Callable[[], datetime],
        interval_s: float,
        batch: int,
        lease_s: float,
        gauge_interval_s: float,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            name="page", now=now, interval_s=interval_s, batch=batch, lease_s=lease_s, gauge_interval_s=gauge_interval_s
        )
        self._pages, self._sources = pages, [journaled(s) for s in sources]
        self._transport, self._schedule, self._dead_letter = transport, schedule, dead_letter
        self._metrics, self._jitter = metrics, jitter

    async def run(self) -> None:
        """Send until cancelled, then close the transport."""
        try:
            await super().run()
        finally:
            await self._transport.aclose()

    async def scan_once(self) -> int:
        """Take the pages stored with their causes, then send what is due."""
        for source in self._sources:
            await self._pages.hand_over(source, batch=self._batch)
        return await super().scan_once()

    async def claim(self, *, now: datetime, owner: str, lease: timedelta) -> StoredPage | None:
        """Claim one due page."""
        return await self._pages.claim_due(now=now, owner=owner, lease=lease)

    async def fire(self, item: StoredPage, *, now: datetime) -> None:
        """One attempt: sent, retried later, or (budget spent) dead-lettered."""
        if self._schedule.exhausted(item.attempts):  # a give-up interrupted by a crash: finish it, no resend
            await self._give_up(item, error=item.last_error or "attempts exhausted")
            return
        error = await self._transport.send(item.page)
        done, attempts = self._now(), item.attempts + 1
        if not error:
            await self._pages.mark_sent(page_id=item.page.page_id, attempts=attempts, now=done)
            self._metrics.notifications.labels("delivered").inc()
            log.info("page sent", **_about(item), attempts=attempts)
            return
        outcome = self._schedule.after_failure(attempts=attempts, now=done, jitter=self._jitter())
        retry = isinstance(outcome, Retry)
        await self._pages.record_failure(
            page_id=item.page.page_id,
            owner=self.owner,
            attempts=attempts,
            error=error,
            next_attempt_at=outcome.at if isinstance(outcome, Retry) else done,
            release=retry,
        )
        if retry:
            self._metrics.notifications.labels("retried").inc()
            log.warning("page attempt failed, will retry", **_about(item), attempts=attempts, error=error[:300])
            return
        await self._give_up(replace(item, attempts=attempts, last_error=error), error=error)

    async def _give_up(self, item: StoredPage, *, error: str) -> None:
        dlq_id = await self._dead_letter(item, error)
        await self._pages.mark_failed(page_id=item.page.page_id, error=error, dlq_id=dlq_id, now=self._now())
        self._metrics.notifications.labels("deadlettered").inc()
        log.error(
            "page failed, dead-lettered", **_about(item), attempts=item.attempts, error=error[:300], dlq_id=dlq_id
        )

    async def refresh_gauges(self) -> None:
        """Stored pages by status."""
        for status, n in (await self._pages.count_by_status()).items():
            self._metrics.pages.labels(status).set(n)


def _about(item: StoredPage) -> dict[str, str]:
    page = item.page
    return {"page_id": page.page_id, "kind": page.kind, "queue": page.queue, "complaint_id": page.complaint_id}
