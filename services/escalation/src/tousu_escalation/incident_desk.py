"""Opens and grows incidents (one write each, with the event), and re-routes their members."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from tousu_escalation import events
from tousu_escalation.adapters.cases import CaseRepository, Stored
from tousu_escalation.adapters.incidents import IncidentRepository, StoredIncident
from tousu_escalation.domain.case import Case
from tousu_escalation.domain.incidents import (
    Cluster,
    IncidentKind,
    IncidentRules,
    IncidentView,
    Wave,
    absorbed,
    becomes_major,
    decide,
    founded,
    grown,
    join_routing,
    opened,
    outranks,
    plan_wave,
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
            found = await self.find_opinion(keys=keys)
        raise ConcurrentChange(f"incident of complaint {analysis.complaint_id} kept changing")

    async def find_opinion(self, *, keys: list[str]) -> list[StoredIncident]:
        """The open public-opinion incidents of these keys (group waves are `settle_wave`'s)."""
        return [s for s in await self._incidents.find_open(keys=keys) if s.view.kind == "public_opinion"]

    async def settle_wave(self, *, wave: Wave, analysis: ComplaintAnalyzed, now: datetime) -> IncidentView:
        """The group incident of the wave, grown (or opened) to hold every member of the wave; order-free.

        The incidents found are those of the wave's key holding any of its members, open or closed: a late
        member of a wave joins its incident whatever its status. Incidents opened on partial views of one
        wave (concurrent instances) are folded into the oldest. Each step is revision-checked and retried.
        """
        for _ in range(ATTEMPTS):
            found = await self._incidents.find_wave(key=wave.key, complaint_ids=wave.complaint_ids)
            plan = plan_wave(wave, incidents=[s.view for s in found])
            if plan.target is None:
                view = founded(wave, analysis=analysis, policy=self._policy, rules=self._rules, now=now)
                if await self._open_wave(view, analysis=analysis, now=now):
                    return view
                continue
            by_id = {s.view.incident_id: s for s in found}
            target = by_id[plan.target.incident_id]
            bigger = absorbed(target.view, wave=wave, merged=plan.merged, rules=self._rules)
            if _grew(target.view, bigger) and not await self._grow(target, bigger, analysis=analysis, now=now):
                continue
            for view in plan.merged:
                await self._close(by_id[view.incident_id], merged_into=bigger, analysis=analysis, now=now)
            return bigger
        raise ConcurrentChange(f"wave of complaint {analysis.complaint_id} kept changing")

    async def _open_wave(self, view: IncidentView, *, analysis: ComplaintAnalyzed, now: datetime) -> bool:
        """Insert the wave's incident: open when it is the key's latest wave by `received_at`, else closed."""
        cid, ck = analysis.complaint_id, analysis.customer_key
        current = await self._incidents.open_group(key=view.key)
        status: Literal["open", "closed"] = "open"
        if current is not None and set(current.view.complaint_ids) & set(view.complaint_ids):
            return False  # it became this wave's incident meanwhile: grow it instead
        if current is not None and current.view.latest_at > view.latest_at:
            status = "closed"  # a late, older wave of the key: its incident is over already
        elif current is not None:
            await self._close(current, analysis=analysis, now=now)
        event = events.incident(
            view,
            opened=True,
            complaint_id=cid,
            customer_key=ck,
            now=now,
            status=status,
            tag=None if status == "open" else f"opened:{cid}",  # born closed: not the id of a later close
        )
        pages = self._page(view, event=event, kind="incident_opened", complaint_id=cid, customer_key=ck, now=now)
        if not await self._incidents.open(view=view, event=event, now=now, pages=pages, status=status):
            return False
        self._wake()
        if status == "open":
            self._metrics.incidents_open.labels(view.kind).inc()
        return True

    async def _grow(
        self, stored: StoredIncident, bigger: IncidentView, *, analysis: ComplaintAnalyzed, now: datetime
    ) -> bool:
        view, cid, ck = stored.view, analysis.complaint_id, analysis.customer_key
        status: Literal["open", "closed"] = "closed" if stored.status == "closed" else "open"
        event = events.incident(
            bigger,
            opened=False,
            complaint_id=cid,
            customer_key=ck,
            now=now,
            status=status,
            tag=f"{cid}:{len(bigger.complaint_ids)}",
        )
        major = becomes_major(before=len(view.customers), after=len(bigger.customers), rules=self._rules)
        kind: PageKind = "incident_major"
        pages = self._page(bigger, event=event, kind=kind, complaint_id=cid, customer_key=ck, now=now) if major else []
        if not await self._incidents.join(stored=stored, view=bigger, event=event, now=now, pages=pages):
            return False
        self._wake()
        return True

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

    async def _close(
        self,
        stored: StoredIncident,
        *,
        analysis: ComplaintAnalyzed,
        now: datetime,
        merged_into: IncidentView | None = None,
    ) -> None:
        """A stale wave takes no more members: closed, with `incident.updated` (status closed).

        With `merged_into`: an incident opened on a part of a wave whose members are now in that one (folded).
        """
        event = events.incident(
            stored.view,
            opened=False,
            complaint_id=analysis.complaint_id,
            customer_key=analysis.customer_key,
            now=now,
            status="closed",
            tag=f"merged:{merged_into.incident_id}" if merged_into else None,
        )
        into = merged_into.incident_id if merged_into else None
        if await self._incidents.close(stored=stored, event=event, now=now, merged_into=into):
            self._wake()
            if stored.status == "open":
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

    async def reroute_members(self, *, view: IncidentView, now: datetime, skip: str | None = None) -> int:
        """Members not yet routed into the incident (at its level) move to its queue (one re-route event each).

        Revision-checked: a member changed meanwhile (e.g. by the clock scanner) is re-read and retried.
        """
        others = [c for c in view.complaint_ids if c != skip]
        moved_total = 0
        for _ in range(ATTEMPTS):
            members = await self._cases.many(others) if others else []
            held = await self._held_elsewhere(members, view=view)
            changes = self._reroutes([m for m in members if m.case.complaint_id not in held], view=view, now=now)
            if not changes:
                return moved_total
            moved = await self._cases.reroute(changes=changes, now=now)
            moved_total += moved
            self._wake()
            if moved == len(changes):
                break
        self._metrics.routed.labels(view.kind, "none").inc(moved_total)
        return moved_total

    async def _held_elsewhere(self, members: list[Stored], *, view: IncidentView) -> set[str]:
        """Members in a group incident of a key sorting before this one's stay there.

        A complaint can be in waves of several keys (its matter, its text bands): it ends in the first
        key's incident (the matter's), whatever the order the waves were recognised in.
        """
        held: set[str] = set()
        seen: dict[str, StoredIncident | None] = {}
        for stored in members:
            other = stored.case.routing.incident_id if stored.case.routing else None
            if other is None or other == view.incident_id:
                continue
            if other not in seen:
                seen[other] = await self._incidents.get(other)
            found = seen[other]
            if found and found.view.kind == "group" and found.status != "merged" and found.view.key < view.key:
                held.add(stored.case.complaint_id)
        return held

    def _reroutes(self, members: list[Stored], *, view: IncidentView, now: datetime) -> list[Change]:
        changes: list[Change] = []
        for stored in members:
            case = stored.case
            if case.routing is None or not case.may_join(view.incident_id, major=view.major):
                continue  # routed into this incident (at this level) before: once per member, incident and level
            if self._keeps_own(case.routing.route, incident_id=case.routing.incident_id, view=view):
                continue
            routing = join_routing(routing=case.routing, incident=view, policy=self._policy, now=now, reroute=True)
            why = (
                f"joined incident {view.incident_id} ({view.kind}, {len(view.customers)} customers): owner {view.queue}"
            )
            rerouted = case.model_copy(update={"routing": routing}).joined(view.incident_id, major=view.major)
            moved, _ = self._planner.replanned(rerouted, reason=why, now=now)
            changes.append((stored, moved, [events.routed(moved, cause=f"incident:{view.incident_id}")]))
        return changes

    def _keeps_own(self, route: str, *, incident_id: str | None, view: IncidentView) -> bool:
        """A member whose own route outranks the incident's and has its own incident stays there."""
        own = incident_id is not None and incident_id != view.incident_id
        return own and outranks(route=route, incident_route=view.kind, policy=self._policy)


def _grew(view: IncidentView, bigger: IncidentView) -> bool:
    """Whether the wave added a member (or made it major): only then is the incident written, with its event."""
    return set(bigger.complaint_ids) != set(view.complaint_ids) or bigger.major != view.major
