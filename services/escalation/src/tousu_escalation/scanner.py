"""The one clock-scanning loop: claim a due case atomically, raise its warnings/breaches, store them with events."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from tousu_escalation import events
from tousu_escalation.adapters.cases import CaseRepository, Stored
from tousu_escalation.adapters.incidents import IncidentRepository
from tousu_escalation.domain import clocks as clk
from tousu_escalation.domain.clock_policy import ClockPolicy
from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.notifier import Notification, Notifier
from tousu_shared.logging import get_logger
from tousu_shared.retry import Backoff

log = get_logger("tousu.escalation.scanner")


class ClockScanner:
    """Safe with several instances: a claim (lease) plus a revision check mean a timer fires once."""

    def __init__(
        self,
        *,
        cases: CaseRepository,
        incidents: IncidentRepository,
        policy: ClockPolicy,
        metrics: EscalationMetrics,
        notifier: Notifier,
        wake: Callable[[], None],
        now: Callable[[], datetime],
        interval_s: float,
        batch: int,
        lease_s: float,
        gauge_interval_s: float,
    ) -> None:
        self._cases, self._incidents, self._policy = cases, incidents, policy
        self._metrics, self._notifier, self._wake, self._now = metrics, notifier, wake, now
        self._interval, self._batch, self._lease = interval_s, batch, timedelta(seconds=lease_s)
        self._gauge_interval, self._gauges_at = gauge_interval_s, 0.0
        self.owner = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"

    async def run(self) -> None:
        """Scan until cancelled; errors back off and lose nothing (the clocks are data)."""
        failures = 0
        while True:
            try:
                fired = await self.scan_once()
                failures = 0
            except Exception as exc:
                failures += 1
                log.warning("clock scan failed", error=f"{type(exc).__name__}: {exc}"[:300], failures=failures)
                await asyncio.sleep(Backoff(self._interval, 30.0).delay(min(failures, 8)))
                continue
            if fired < self._batch:
                await asyncio.sleep(self._interval)

    async def scan_once(self) -> int:
        """Handle up to `batch` due cases; return how many were claimed."""
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
        advanced = [clk.advance(c, now=now, policy=self._policy) for c in stored.case.clocks]
        case = stored.case.model_copy(update={"clocks": [c for c, _ in advanced]})
        alerts = [a for _, found in advanced for a in found]
        envelopes = [events.alert(case, alert=a, now=now, policy=self._policy) for a in alerts]
        due = clk.earliest(clocks=case.clocks, policy=self._policy)
        if not await self._cases.save(
            stored=stored, case=case, next_due_at=due, events=envelopes, now=now, release_claim=True
        ):
            await self._cases.release(complaint_id=case.complaint_id, owner=self.owner)  # changed meanwhile
            return
        if envelopes:
            self._wake()
        for alert, envelope in zip(alerts, envelopes, strict=True):
            self._count(alert, case_route=case.routing.route if case.routing else "none")
            if isinstance(alert, clk.Breached):
                self._page(
                    envelope.data.model_dump_json().encode(),
                    case_id=case.complaint_id,
                    customer_key=case.customer_key,
                    queue=getattr(envelope.data, "queue", None),
                )

    def _count(self, alert: clk.Alert, *, case_route: str) -> None:
        if isinstance(alert, clk.Breached):
            self._metrics.breached.labels(case_route).inc()
        else:
            self._metrics.warnings.labels(alert.kind).inc()

    def _page(self, body: bytes, *, case_id: str, customer_key: str, queue: str | None) -> None:
        if queue:
            self._notifier.submit(
                Notification(
                    kind="sla_breached", queue=queue, complaint_id=case_id, customer_key=customer_key, body=body
                )
            )

    async def _refresh_gauges(self) -> None:
        if time.monotonic() - self._gauges_at < self._gauge_interval:
            return
        self._gauges_at = time.monotonic()
        self._metrics.overdue.set(await self._cases.count_overdue())
        counts = await self._incidents.count_open()
        for kind in ("group", "public_opinion"):
            self._metrics.incidents_open.labels(kind).set(counts.get(kind, 0))
