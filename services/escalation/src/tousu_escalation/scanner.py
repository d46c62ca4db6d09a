"""The one clock-scanning loop: claim a due case atomically, raise its warnings/breaches, store them with events.

A breach's page is stored in the same write (the page sender delivers it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from tousu_escalation import events
from tousu_escalation.adapters.cases import CaseRepository, Stored
from tousu_escalation.adapters.incidents import IncidentRepository
from tousu_escalation.domain import clocks as clk
from tousu_escalation.domain.case import Case
from tousu_escalation.domain.clock_policy import ClockPolicy
from tousu_escalation.domain.pages import Page, PageRules
from tousu_escalation.metrics import EscalationMetrics
from tousu_shared.events import Envelope, EventData
from tousu_shared.scanner import DueScanner


class ClockScanner(DueScanner[Stored]):
    """Safe with several instances: a claim (lease) plus a revision check mean a timer fires once."""

    def __init__(
        self,
        *,
        cases: CaseRepository,
        incidents: IncidentRepository,
        policy: ClockPolicy,
        metrics: EscalationMetrics,
        paging: PageRules,
        wake: Callable[[], None],
        now: Callable[[], datetime],
        interval_s: float,
        batch: int,
        lease_s: float,
        gauge_interval_s: float,
        plan_gauge: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(
            name="clock",
            now=now,
            interval_s=interval_s,
            batch=batch,
            lease_s=lease_s,
            gauge_interval_s=gauge_interval_s,
        )
        self._cases, self._incidents, self._policy = cases, incidents, policy
        self._metrics, self._paging, self._wake = metrics, paging, wake
        self._plan_gauge = plan_gauge

    async def claim(self, *, now: datetime, owner: str, lease: timedelta) -> Stored | None:
        """Claim one case whose clock is due."""
        return await self._cases.claim_due(now=now, owner=owner, lease=lease)

    async def fire(self, stored: Stored, *, now: datetime) -> None:
        """Advance the case's clocks: store warnings/breaches with their events, page on breaches."""
        advanced = [clk.advance(c, now=now, policy=self._policy) for c in stored.case.clocks]
        case = stored.case.model_copy(update={"clocks": [c for c, _ in advanced]})
        alerts = [a for _, found in advanced for a in found]
        envelopes = [events.alert(case, alert=a, now=now, policy=self._policy) for a in alerts]
        pages = [
            page
            for alert, envelope in zip(alerts, envelopes, strict=True)
            if isinstance(alert, clk.Breached)
            for page in self._page(case, breach=envelope, now=now)
        ]
        due = clk.earliest(clocks=case.clocks, policy=self._policy)
        if not await self._cases.save(
            stored=stored, case=case, next_due_at=due, events=envelopes, now=now, release_claim=True, pages=pages
        ):
            await self._cases.release(complaint_id=case.complaint_id, owner=self.owner)  # changed meanwhile
            return
        if envelopes:
            self._wake()
        for alert in alerts:
            self._count(alert, case_route=case.routing.route if case.routing else "none")

    def _count(self, alert: clk.Alert, *, case_route: str) -> None:
        if isinstance(alert, clk.Breached):
            self._metrics.breached.labels(case_route).inc()
        else:
            self._metrics.warnings.labels(alert.kind).inc()

    def _page(self, case: Case, *, breach: Envelope[EventData], now: datetime) -> list[Page]:
        """The page of a breach, to the queue the breach escalates to."""
        return self._paging.page(
            kind="sla_breached",
            queue=getattr(breach.data, "queue", None),
            complaint_id=case.complaint_id,
            customer_key=case.customer_key,
            body=breach.data.model_dump_json(),
            cause=breach.id,
            now=now,
        )

    async def refresh_gauges(self) -> None:
        """Overdue complaints, overdue plan steps and open incidents."""
        self._metrics.overdue.set(await self._cases.count_overdue())
        if self._plan_gauge is not None:
            await self._plan_gauge()
        counts = await self._incidents.count_open()
        for kind in ("group", "public_opinion"):
            self._metrics.incidents_open.labels(kind).set(counts.get(kind, 0))
