"""Orchestration of `complaint.analyzed`: cluster lookup → route → incident → clocks → one write with events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tousu_escalation import events
from tousu_escalation.adapters.cases import CaseRepository, Stored
from tousu_escalation.adapters.incidents import IncidentRepository
from tousu_escalation.domain import clocks as clk
from tousu_escalation.domain.case import Case, apply_action, cycle_clocks, matter_key
from tousu_escalation.domain.clock_policy import ClockPolicy
from tousu_escalation.domain.incidents import (
    Cluster,
    IncidentRules,
    IncidentView,
    biggest_cluster,
    cluster_customers,
    cluster_keys,
    incident_to_join,
    join_routing,
)
from tousu_escalation.domain.pages import Page, PageRules
from tousu_escalation.domain.policy import Policy
from tousu_escalation.domain.routing import Routing, RoutingContext, route
from tousu_escalation.incident_desk import ATTEMPTS, IncidentDesk, Placement
from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.planner import Planner
from tousu_shared.calendar import add_working_days
from tousu_shared.events import ComplaintAnalyzed, Envelope, EventData
from tousu_shared.logging import get_logger
from tousu_shared.retry import ConcurrentChange

log = get_logger("tousu.escalation.service")


class Policies:
    """The routing and clock policies with their parameters (loaded and validated once, in bootstrap)."""

    def __init__(
        self, *, policy: Policy, clock_policy: ClockPolicy, rules: IncidentRules, urgent_queues: list[str]
    ) -> None:
        self.policy, self.clock_policy, self.rules = policy, clock_policy, rules
        self.urgent_queues = frozenset(urgent_queues)

    def add_days(self, start: datetime, days: int) -> datetime:
        """Working days in the clock policy's local time."""
        return add_working_days(start, days, tz=self.clock_policy.tz)


class EscalationService:
    """Routes analysed complaints; keeps their clocks; opens and grows incidents."""

    def __init__(
        self,
        *,
        cases: CaseRepository,
        incidents: IncidentRepository,
        desk: IncidentDesk,
        policies: Policies,
        planner: Planner,
        metrics: EscalationMetrics,
        paging: PageRules,
        wake: Callable[[], None],
        now: Callable[[], datetime],
    ) -> None:
        self._cases, self._incidents, self._desk, self._planner = cases, incidents, desk, planner
        self._p, self._metrics, self._paging, self._wake, self._now = policies, metrics, paging, wake, now

    async def on_analyzed(self, *, event_id: str, analysis: ComplaintAnalyzed) -> None:
        """Route a newly analysed complaint (a re-analysis of a routed one changes nothing)."""
        stored = await self._cases.get(analysis.complaint_id)
        if stored is not None and (event_id in stored.applied or stored.case.routing is not None):
            await self._resume_reroute(stored.case)
            return
        now = self._now()
        keys = cluster_keys(analysis.matter)
        cluster = await self._cluster(analysis=analysis, keys=keys)
        found = await self._incidents.find_open(keys=keys)
        wave = incident_to_join(
            [s.view for s in found], route=None, keys=keys, received_at=analysis.received_at, rules=self._p.rules
        )
        routing = self._route(analysis=analysis, cluster=cluster, wave=wave, now=now)
        placement = await self._desk.place(
            analysis=analysis, routing=routing, cluster=cluster, keys=keys, found=found, now=now
        )
        if placement is not None:
            routing = join_routing(routing=routing, incident=placement.view, policy=self._p.policy, now=now)
        case = await self._new_case(analysis=analysis, routing=routing, keys=keys, cluster=cluster, stub=stored)
        case, early = self._planner.routed(case, pending=self._planner.pending(stored.case) if stored else [], now=now)
        if await self._store(stored=stored, case=case, event_id=event_id, now=now):
            self._announce(case)
            self._planner.count(early)
        await self._finish_incident(placement=placement, complaint_id=analysis.complaint_id, now=now)

    async def _cluster(self, *, analysis: ComplaintAnalyzed, keys: list[str]) -> Cluster:
        window = self._p.rules.window
        neighbours = await self._cases.neighbours(
            keys=keys, since=analysis.received_at - window, until=analysis.received_at + window
        )
        return biggest_cluster(
            keys=keys,
            customer_key=analysis.customer_key,
            complaint_id=analysis.complaint_id,
            received_at=analysis.received_at,
            neighbours=neighbours,
            window=window,
        )

    def _route(
        self, *, analysis: ComplaintAnalyzed, cluster: Cluster, wave: IncidentView | None, now: datetime
    ) -> Routing:
        context = RoutingContext(
            cluster_customers_7d=cluster_customers(cluster=cluster, wave=wave, customer_key=analysis.customer_key),
            incident_id=wave.incident_id if wave else None,
        )
        return route(analysis=analysis, context=context, policy=self._p.policy, now=now, add_days=self._p.add_days)

    async def _new_case(
        self, *, analysis: ComplaintAnalyzed, routing: Routing, keys: list[str], cluster: Cluster, stub: Stored | None
    ) -> Case:
        merged_into = await self._merge_into_open(analysis=analysis)
        clocks = cycle_clocks(
            started_at=analysis.received_at,
            routing=routing,
            policy=self._p.policy,
            clock_policy=self._p.clock_policy,
            regulatory=merged_into is None,
        )
        case = Case(
            complaint_id=analysis.complaint_id,
            customer_key=analysis.customer_key,
            cycle=analysis.cycle,
            analysis=analysis,
            routing=routing,
            clocks=clocks,
            cluster_keys=keys,
            cluster_customers=cluster.customers,
            received_at=analysis.received_at,
            merged_into=merged_into,
        ).joined(routing.incident_id)
        for action in stub.case.pending_actions if stub else []:
            try:
                case = apply_action(case, action=action, policy=self._p.clock_policy)
            except clk.ClockRefused as exc:
                log.warning("early action not applicable", complaint_id=case.complaint_id, error=str(exc))
        return case

    async def _merge_into_open(self, *, analysis: ComplaintAnalyzed) -> str | None:
        """Same matter again while open: merged into the open complaint, whose clock restarts on new facts."""
        for _ in range(ATTEMPTS):
            open_ = await self._cases.open_same_matter(
                customer_key=analysis.customer_key, matter_key=matter_key(analysis), exclude=analysis.complaint_id
            )
            if open_ is None or open_.case.analysis is None:
                return None
            if analysis.complaint_id in open_.case.merged:
                return open_.case.complaint_id
            if await self._save_merge(open_, analysis=analysis):
                return open_.case.complaint_id
        raise ConcurrentChange(f"open complaint of {analysis.complaint_id} kept changing")

    async def _save_merge(self, open_: Stored, *, analysis: ComplaintAnalyzed) -> bool:
        case = open_.case
        assert case.analysis is not None
        new_facts = clk.has_new_facts(
            open_signature=case.analysis.matter.signature, new_signature=analysis.matter.signature
        )
        regulatory = case.clock("regulatory")
        if regulatory is not None:
            merged_clock = clk.merge(
                regulatory, received_at=analysis.received_at, new_facts=new_facts, policy=self._p.clock_policy
            )
            case = case.with_clock(merged_clock)
        case = case.model_copy(update={"merged": [*case.merged, analysis.complaint_id]})
        due, now = clk.earliest(clocks=case.clocks, policy=self._p.clock_policy), self._now()
        restart = events.deadline(
            open_.case,
            case,
            cause=f"merged:{analysis.complaint_id}",
            now=now,
            policy=self._p.clock_policy,
            restarted_by=analysis.complaint_id,
        )
        facts = "new facts restart the decision period" if new_facts else "no new facts"
        case, replan = self._planner.replanned(case, reason=f"merged {analysis.complaint_id} ({facts})", now=now)
        changed = [*restart, *self._planner.envelopes(case, [replan], now=now)]
        saved = await self._cases.save(stored=open_, case=case, next_due_at=due, events=changed, now=now)
        if saved and changed:
            self._wake()
        return saved

    async def _store(self, *, stored: Stored | None, case: Case, event_id: str, now: datetime) -> bool:
        due = clk.earliest(clocks=case.clocks, policy=self._p.clock_policy)
        before = stored.case if stored else None
        routed = events.routed(case, cause=event_id)
        envelopes = [routed, *events.deadline(before, case, cause=event_id, now=now, policy=self._p.clock_policy)]
        pages = self._page(case, routed=routed, now=now)
        if stored is None:
            return await self._cases.insert(
                case=case, next_due_at=due, event_id=event_id, events=envelopes, now=now, pages=pages
            )
        if await self._cases.save(
            stored=stored, case=case, next_due_at=due, events=envelopes, now=now, event_id=event_id, pages=pages
        ):
            return True
        raise ConcurrentChange(f"early actions for {case.complaint_id} changed while routing")

    def _page(self, case: Case, *, routed: Envelope[EventData], now: datetime) -> list[Page]:
        """A routing to an urgent queue pages it: the page is stored in the routing's own write."""
        assert case.routing is not None
        if case.routing.queue not in self._p.urgent_queues:
            return []
        return self._paging.page(
            kind="routed",
            queue=case.routing.queue,
            complaint_id=case.complaint_id,
            customer_key=case.customer_key,
            body=routed.data.model_dump_json(),
            cause=routed.id,
            now=now,
        )

    def _announce(self, case: Case) -> None:
        assert case.routing is not None
        self._wake()
        self._metrics.count_routed(route=case.routing.route, tier=case.routing.tier)

    async def _finish_incident(self, *, placement: Placement | None, complaint_id: str, now: datetime) -> None:
        if placement is not None and placement.reroute_members:
            await self._desk.reroute_members(view=placement.view, skip=complaint_id, now=now)

    async def _resume_reroute(self, case: Case) -> None:
        """A replay of a routed complaint finishes re-routing its incident's members (no-op when done)."""
        incident_id = case.routing.incident_id if case.routing else None
        stored = await self._incidents.get(incident_id) if incident_id else None
        if stored is not None:
            await self._desk.reroute_members(view=stored.view, skip=case.complaint_id, now=self._now())
