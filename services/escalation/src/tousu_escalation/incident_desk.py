"""Opens and grows incidents (one write each, with the event), and re-routes their members."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tousu_escalation import events
from tousu_escalation.adapters.cases import CaseRepository, Envelopes, Stored
from tousu_escalation.adapters.incidents import IncidentRepository, StoredIncident
from tousu_escalation.domain.case import Case
from tousu_escalation.domain.incidents import (
    Cluster,
    IncidentKind,
    IncidentRules,
    IncidentView,
    becomes_major,
    incident_id,
    join_routing,
)
from tousu_escalation.domain.policy import Policy
from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.notifier import Notification, Notifier
from tousu_shared.events import ComplaintAnalyzed

ATTEMPTS = 8  # optimistic-concurrency retries before the event is retried by the consumer
Change = tuple[Stored, Case, Envelopes]


class ConcurrentChange(RuntimeError):
    """Another writer kept changing the same document; the consumer retries the event."""


@dataclass(frozen=True)
class Placement:
    """The incident a complaint belongs to, and whether members still need re-routing."""

    view: IncidentView
    reroute_members: bool


class IncidentDesk:
    """Incident side effects of routing: open, join, re-route members, page on opening and major."""

    def __init__(
        self,
        *,
        incidents: IncidentRepository,
        cases: CaseRepository,
        policy: Policy,
        rules: IncidentRules,
        notifier: Notifier,
        metrics: EscalationMetrics,
        wake: Callable[[], None],
    ) -> None:
        self._incidents, self._cases, self._policy, self._rules = incidents, cases, policy, rules
        self._notifier, self._metrics, self._wake = notifier, metrics, wake

    async def place(
        self,
        *,
        analysis: ComplaintAnalyzed,
        kind: IncidentKind | None,
        cluster: Cluster,
        keys: list[str],
        existing: StoredIncident | None,
        now: datetime,
    ) -> Placement | None:
        """Join the open incident of the matter, or open one of `kind`; None when neither applies."""
        for _ in range(ATTEMPTS):
            if existing is not None:
                placement = await self._join(existing, analysis=analysis, now=now)
            elif kind is None:
                return None
            else:
                placement = await self._open(kind, analysis=analysis, cluster=cluster, keys=keys, now=now)
            if placement is not None:
                return placement
            existing = await self._incidents.find_open(keys=keys)
        raise ConcurrentChange(f"incident of complaint {analysis.complaint_id} kept changing")

    async def _open(
        self, kind: IncidentKind, *, analysis: ComplaintAnalyzed, cluster: Cluster, keys: list[str], now: datetime
    ) -> Placement | None:
        cid, ck = analysis.complaint_id, analysis.customer_key
        key = (cluster.key if kind == "group" else None) or (keys[0] if keys else f"c:{cid}")
        members = (cluster.complaint_ids, cluster.customer_keys) if kind == "group" else ([cid], [ck])
        view = IncidentView(
            incident_id=incident_id(key=key, founder=cid),
            kind=kind,
            queue=self._queue(kind),
            key=key,
            customers=members[1],
            complaint_ids=members[0],
            major=len(members[1]) >= self._rules.major_threshold,
            opening_count=len(members[1]),
            opened_at=now,
            product_type=analysis.matter.product_type,
            cause=analysis.matter.cause,
        )
        event = events.incident(view, opened=True, complaint_id=cid, customer_key=ck, now=now)
        if not await self._incidents.open(view=view, event=event, now=now):
            return None  # a twin exists (or this is a replay): join it instead
        self._after_change(
            view,
            event_body=event.data.model_dump_json().encode(),
            kind="incident_opened",
            complaint_id=cid,
            customer_key=ck,
        )
        return Placement(view=view, reroute_members=True)

    async def _join(self, stored: StoredIncident, *, analysis: ComplaintAnalyzed, now: datetime) -> Placement | None:
        view, cid, ck = stored.view, analysis.complaint_id, analysis.customer_key
        if cid in view.complaint_ids:
            return Placement(view=view, reroute_members=True)  # a replay: finish what it may have left undone
        customers = sorted({*view.customers, ck})
        major = view.major or len(customers) >= self._rules.major_threshold
        grown = view.model_copy(
            update={"customers": customers, "complaint_ids": [*view.complaint_ids, cid], "major": major}
        )
        event = events.incident(grown, opened=False, complaint_id=cid, customer_key=ck, now=now)
        if not await self._incidents.join(stored=stored, view=grown, event=event, now=now):
            return None
        self._wake()
        if becomes_major(before=len(view.customers), after=len(customers), rules=self._rules):
            self._after_change(
                grown,
                event_body=event.data.model_dump_json().encode(),
                kind="incident_major",
                complaint_id=cid,
                customer_key=ck,
            )
        return Placement(view=grown, reroute_members=False)

    def _queue(self, kind: IncidentKind) -> str:
        return next(r.queue for r in self._policy.routes if r.name == kind)

    def _after_change(
        self, view: IncidentView, *, event_body: bytes, kind: str, complaint_id: str, customer_key: str
    ) -> None:
        self._wake()
        if kind == "incident_opened":
            self._metrics.incidents_open.labels(view.kind).inc()
        self._notifier.submit(
            Notification(
                kind=kind, queue=view.queue, complaint_id=complaint_id, customer_key=customer_key, body=event_body
            )
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
            if case.routing is None or case.routing.incident_id == view.incident_id:
                continue
            routing = join_routing(routing=case.routing, incident=view, policy=self._policy, now=now, reroute=True)
            moved = case.model_copy(update={"routing": routing})
            changes.append((stored, moved, [events.routed(moved, cause=f"incident:{view.incident_id}")]))
        return changes
