"""The one deadline-scanning loop: claim a case past its no-response deadline, close it, release the claim."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from tousu_followup.adapters.cases import CaseRepository, Stored
from tousu_followup.domain import lifecycle as lc
from tousu_followup.domain.rules import FollowupRules
from tousu_followup.metrics import FollowupMetrics
from tousu_followup.service import FollowupService
from tousu_shared.logging import get_logger
from tousu_shared.retry import Backoff

log = get_logger("tousu.followup.scanner")


class DeadlineScanner:
    """Safe with several instances: a claim (lease) plus a revision check mean a deadline fires once."""

    def __init__(
        self,
        *,
        cases: CaseRepository,
        service: FollowupService,
        rules: FollowupRules,
        metrics: FollowupMetrics,
        now: Callable[[], datetime],
        interval_s: float,
        batch: int,
        lease_s: float,
        gauge_interval_s: float,
    ) -> None:
        self._cases, self._service, self._rules, self._metrics, self._now = cases, service, rules, metrics, now
        self._interval, self._batch, self._lease = interval_s, batch, timedelta(seconds=lease_s)
        self._gauge_interval, self._gauges_at = gauge_interval_s, 0.0
        self.owner = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"

    async def run(self) -> None:
        """Scan until cancelled; errors back off and lose nothing (deadlines are data)."""
        failures = 0
        while True:
            try:
                claimed = await self.scan_once()
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("deadline scan failed", error=f"{type(exc).__name__}: {exc}"[:300], failures=failures)
                await asyncio.sleep(Backoff(self._interval, 30.0).delay(min(failures, 8)))
                continue
            if claimed < self._batch:
                await asyncio.sleep(self._interval)

    async def scan_once(self) -> int:
        """Handle up to `batch` cases past their deadline; return how many were claimed."""
        claimed = 0
        while claimed < self._batch:
            now = self._now()
            stored = await self._cases.claim_due(now=now, owner=self.owner, lease=self._lease)
            if stored is None:
                break
            claimed += 1
            await self._fire(stored, now=now)
        await self._refresh_gauges()
        return claimed

    async def _fire(self, stored: Stored, *, now: datetime) -> None:
        decision = lc.expire(stored.case, rules=self._rules, now=now)
        cause = f"deadline:{stored.case.cycle}:{stored.rev}"
        if not await self._service.commit(stored, decision=decision, cause=cause, release_claim=True):
            await self._cases.release(complaint_id=stored.case.complaint_id, owner=self.owner)  # changed meanwhile

    async def _refresh_gauges(self) -> None:
        if time.monotonic() - self._gauges_at < self._gauge_interval:
            return
        self._gauges_at = time.monotonic()
        now = self._now()
        self._metrics.due.set(await self._cases.count_due(now=now))
        self._metrics.overdue.set(await self._cases.count_overdue(now=now))
