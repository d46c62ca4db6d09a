"""Orchestration of lifecycle inputs: handler actions move or stop clocks; a reopen re-routes one tier up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tousu_escalation import events
from tousu_escalation.adapters.cases import CaseRepository, Stored
from tousu_escalation.domain import clocks as clk
from tousu_escalation.domain.case import Case, apply_action, cycle_clocks, next_tier
from tousu_escalation.domain.plan import PlanChange
from tousu_escalation.domain.routing import RoutingContext, route
from tousu_escalation.incident_desk import ATTEMPTS
from tousu_escalation.metrics import EscalationMetrics
from tousu_escalation.planner import Planner
from tousu_escalation.service import Policies
from tousu_shared.events import ComplaintActionRecorded, ComplaintReopened
from tousu_shared.retry import ConcurrentChange, PermanentError


class CaseNotRouted(RuntimeError):
    """A reopen arrived before the complaint was routed; retried, then dead-lettered."""


class Lifecycle:
    """Applies actions and reopens to a case, idempotently (the event id is stored with the effect)."""

    def __init__(
        self,
        *,
        cases: CaseRepository,
        policies: Policies,
        planner: Planner,
        metrics: EscalationMetrics,
        wake: Callable[[], None],
        now: Callable[[], datetime],
    ) -> None:
        self._cases, self._p, self._metrics, self._wake, self._now = cases, policies, metrics, wake, now
        self._planner = planner

    async def on_action(self, *, event_id: str, action: ComplaintActionRecorded) -> None:
        """Stop, extend or note; an action before the analysis is kept and applied when the analysis comes."""
        for _ in range(ATTEMPTS):
            stored = await self._cases.get(action.complaint_id)
            if stored is None:
                stub = Case(
                    complaint_id=action.complaint_id,
                    customer_key=action.customer_key,
                    pending_actions=[action],
                    pending_event_ids={action.action_id: event_id},
                )
                if await self._cases.insert(case=stub, next_due_at=None, event_id=event_id, events=[], now=self._now()):
                    return
                continue
            if event_id in stored.applied:
                return
            case, change = self._apply(stored.case, action=action, event_id=event_id)
            if await self._save(stored, case=case, event_id=event_id, plan=[change]):
                self._planner.count([change])
                return
        raise ConcurrentChange(f"complaint {action.complaint_id} kept changing")

    def _apply(self, case: Case, *, action: ComplaintActionRecorded, event_id: str) -> tuple[Case, PlanChange | None]:
        if case.routing is None:
            pending = {"pending_actions": [*case.pending_actions, action]}
            ids = {"pending_event_ids": {**case.pending_event_ids, action.action_id: event_id}}
            return case.model_copy(update=pending | ids), None
        if action.cycle < case.cycle:
            return case, None  # an action of an earlier cycle: its clocks and plan are gone
        try:
            moved = apply_action(case, action=action, policy=self._p.clock_policy)
        except clk.ClockRefused as exc:  # intake validates extensions, so this event can never be right
            raise PermanentError(f"{action.type} on {action.complaint_id}: {exc}") from exc
        return self._planner.after_action(moved, action=action, event_id=event_id, now=self._now())

    async def on_reopened(self, *, event_id: str, reopened: ComplaintReopened) -> None:
        """A new resolution cycle: re-route one tier up (or to the hinted tier), new clocks, `complaint.routed`."""
        for _ in range(ATTEMPTS):
            stored = await self._cases.get(reopened.complaint_id)
            if stored is None or stored.case.routing is None or stored.case.analysis is None:
                raise CaseNotRouted(f"complaint {reopened.complaint_id} is not routed yet")
            if event_id in stored.applied or reopened.cycle <= stored.case.cycle:
                return
            case, settled = self._reopen(stored.case, reopened=reopened, event_id=event_id)
            if await self._save(stored, case=case, event_id=event_id, routed=True, plan=[settled]):
                assert case.routing is not None
                self._metrics.count_routed(route=case.routing.route, tier=case.routing.tier)
                self._planner.count([settled])
                return
        raise ConcurrentChange(f"complaint {reopened.complaint_id} kept changing")

    def _reopen(self, case: Case, *, reopened: ComplaintReopened, event_id: str) -> tuple[Case, PlanChange | None]:
        """The new cycle (routing, clocks, plan) and the settlement of the old cycle's plan."""
        assert case.routing is not None and case.analysis is not None
        previous = case.routing
        context = RoutingContext(
            cluster_customers_7d=case.cluster_customers,
            incident_id=previous.incident_id,
            min_tier=next_tier(current=previous.tier, hint=reopened.tier_hint, policy=self._p.policy),
            reroute_of=previous.route,
        )
        now = self._now()
        routing = route(
            analysis=case.analysis, context=context, policy=self._p.policy, now=now, add_days=self._p.add_days
        )
        routing = routing.model_copy(update={"reasons": [*routing.reasons, f"reopened ({reopened.reason})"]})
        clocks = cycle_clocks(
            started_at=reopened.occurred_at,
            routing=routing,
            policy=self._p.policy,
            clock_policy=self._p.clock_policy,
            regulatory=case.merged_into is None,
        )
        after = case.model_copy(
            update={"cycle": reopened.cycle, "status": "open", "routing": routing, "clocks": clocks}
        )
        tier = f" {routing.tier}" if routing.tier else ""
        why = f"reopened ({reopened.reason}): cycle {reopened.cycle}, {routing.route}{tier} to {routing.queue}"
        return self._planner.reopened(case, after, event_id=event_id, at=reopened.occurred_at, reason=why, now=now)

    async def _save(
        self, stored: Stored, *, case: Case, event_id: str, routed: bool = False, plan: list[PlanChange | None]
    ) -> bool:
        now = self._now()
        envelopes = [
            *self._planner.envelopes(case, plan, now=now),
            *([events.routed(case, cause=event_id)] if routed else []),
            *events.deadline(stored.case, case, cause=event_id, now=now, policy=self._p.clock_policy),
        ]
        due = clk.earliest(clocks=case.clocks, policy=self._p.clock_policy)
        saved = await self._cases.save(
            stored=stored, case=case, next_due_at=due, events=envelopes, now=now, event_id=event_id
        )
        if saved and envelopes:
            self._wake()
        return saved
