"""Opens and grows incidents (one write each, with the event), and re-routes their members."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tousu_escalation import events
from tousu_escalation.adapters.cases import CaseRepository, Stored
from tousu_escalation.adapters.incidents import IncidentRepository, StoredIncident
from tousu_escalation.domain.case import Case
from tousu_escalation.domain.incidents import (
    Cluster,
    IncidentKind,
    IncidentRules,
    IncidentView,
    becomes_major,
    decide,
    grown,
    join_routing,
    opened,
)
from tousu_escalation.domain.pages import Page, PageKind, PageRules
from tousu_escalation.domain.policy import Policy
from tousu_escalation.domain.routing import Routing
from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.planner import Planner
from tousu_shared.cases import Envelopes
from tousu_shared.events import ComplaintAnalyzed, Envelope, EventData
from tousu_shared.retry import ConcurrentChange

ATTEMPTS = 8  # optimistic-concurrency retries before the event is retried by the consumer
Change = tuple[Stored, Case, Envelopes]


@dataclass(frozen=True)
class Placement:
    """The incident a complaint belongs to, and whether members still need re-routing."""

    view: IncidentView
    reroute_members: bool


class IncidentDesk:
    """Incident side effects of routing: open, join, re-route members, page on opening and major (stored)."""

    def __init__(
        self,
        *,
        incidents: IncidentRepository,
        cases: CaseRepository,
        policy: Policy,
        rules: IncidentRules,
        paging: PageRules,
        metrics: EscalationMetrics,
        wake: Callable[[], None],
        planner: Planner,
    ) -> None:
        self._incidents, self._cases, self._policy, self._rules = incidents, cases, policy, rules
        self._paging, self._metrics, self._wake, self._planner = paging, metrics, wake, planner

    async def place(
        self,
        *,
        analysis: ComplaintAnalyzed,
        routing: Routing,
        cluster: Cluster,
        keys: list[str],
        found: list[StoredIncident],
        now: datetime,
    ) -> Placement | None:
        """Join the wave the complaint belongs to, or open an incident; None when neither applies.

        The decision is the pure `decide` (the one `tousu evaluate` replays); stale incidents are closed.
        """
        for _ in range(ATTEMPTS):
            decision = decide(
                incidents=[s.view for s in found],
                routing=routing,
                cluster=cluster,
                keys=keys,
                received_at=analysis.received_at,
                rules=self._rules,
            )
            by_id = {s.view.incident_id: s for s in found}
            for view in decision.close:
                await self._close(by_id[view.incident_id], analysis=analysis, now=now)
            if decision.join is not None:
                placement = await self._join(by_id[decision.join.incident_id], analysis=analysis, now=now)
            elif decision.open is None:
                return None
            else:
                placement = await self._open(decision.open, analysis=analysis, cluster=cluster, keys=keys, now=now)
            if placement is not None:
                return placement
            found = await self._incidents.find_open(keys=keys)
        raise ConcurrentChange(f"incident of complaint {analysis.complaint_id} kept changing")

    async def _open(
        self, kind: IncidentKind, *, analysis: ComplaintAnalyzed, cluster: Cluster, keys: list[str], now: datetime
    ) -> Placement | None:
        cid, ck = analysis.complaint_id, analysis.customer_key
        view = opened(
            kind, analysis=analysis, cluster=cluster, keys=keys, policy=self._policy, rules=self._rules, now=now
        )
        event = events.incident(view, opened=True, complaint_id=cid, customer_key=ck, now=now)
        pages = self._page(view, event=event, kind="incident_opened", complaint_id=cid, customer_key=ck, now=now)
        if not await self._incidents.open(view=view, event=event, now=now, pages=pages):
            return None  # a twin exists (or this is a replay): join it instead
        self._wake()
        self._metrics.incidents_open.labels(view.kind).inc()
        return Placement(view=view, reroute_members=True)

    async def _join(self, stored: StoredIncident, *, analysis: ComplaintAnalyzed, now: datetime) -> Placement | None:
        view, cid, ck = stored.view, analysis.complaint_id, analysis.customer_key
        if cid in view.complaint_ids:
            return Placement(view=view, reroute_members=True)  # a replay: finish what it may have left undone
        bigger = grown(view, analysis=analysis, rules=self._rules)
        event = events.incident(bigger, opened=False, complaint_id=cid, customer_key=ck, now=now)
        major = becomes_major(before=len(view.customers), after=len(bigger.customers), rules=self._rules)
        pages = (
            self._page(bigger, event=event, kind="incident_major", complaint_id=cid, customer_key=ck, now=now)
            if major
            else []
        )
        if not await self._incidents.join(stored=stored, view=bigger, event=event, now=now, pages=pages):
            return None
        self._wake()
        return Placement(view=bigger, reroute_members=False)

    async def _close(self, stored: StoredIncident, *, analysis: ComplaintAnalyzed, now: datetime) -> None:
        """A stale wave takes no more members: closed, with `incident.updated` (status closed)."""
        event = events.incident(
            stored.view,
            opened=False,
            complaint_id=analysis.complaint_id,
            customer_key=analysis.customer_key,
            now=now,
            status="closed",
        )
        if await self._incidents.close(stored=stored, event=event, now=now):
            self._wake()
            self._metrics.incidents_open.labels(stored.view.kind).dec()

    def _page(
        self,
        view: IncidentView,
        *,
        event: Envelope[EventData],
        kind: PageKind,
        complaint_id: str,
        customer_key: str,
        now: datetime,
    ) -> list[Page]:
        """The page of an incident opened or turned major, stored in the incident's own write."""
        return self._paging.page(
            kind=kind,
            queue=view.queue,
            complaint_id=complaint_id,
            customer_key=customer_key,
            body=event.data.model_dump_json(),
            cause=event.id,
            now=now,
        )

    async def reroute_members(self, *, view: IncidentView, skip: str, now: datetime) -> int:
        """Members routed before the incident existed move to its queue (one re-route event each).

        Revision-checked: a member changed meanwhile (e.g. by the clock scanner) is re-read and retried.
        """
        others = [c for c in view.complaint_ids if c != skip]
        moved_total = 0
        for _ in range(ATTEMPTS):
            changes = self._reroutes(await self._cases.many(others) if others else [], view=view, now=now)
            if not changes:
                return moved_total
            moved = await self._cases.reroute(changes=changes, now=now)
            moved_total += moved
            self._wake()
            if moved == len(changes):
                break
        self._metrics.routed.labels(view.kind, "none").inc(moved_total)
        return moved_total

    def _reroutes(self, members: list[Stored], *, view: IncidentView, now: datetime) -> list[Change]:
        changes: list[Change] = []
        for stored in members:
            case = stored.case
            if not case.may_join(view.incident_id) or case.routing is None:
                continue  # routed into this incident before: at most one routing per member and incident
            routing = join_routing(routing=case.routing, incident=view, policy=self._policy, now=now, reroute=True)
            why = (
                f"joined incident {view.incident_id} ({view.kind}, {len(view.customers)} customers): owner {view.queue}"
            )
            rerouted = case.model_copy(update={"routing": routing}).joined(view.incident_id)
            moved, _ = self._planner.replanned(rerouted, reason=why, now=now)
            changes.append((stored, moved, [events.routed(moved, cause=f"incident:{view.incident_id}")]))
        return changes
