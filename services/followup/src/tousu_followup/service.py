"""Orchestration: idempotency (event id kept with the effect) → domain transition → one write with events."""

from __future__ import annotations

from collections.abc import Callable

from tousu_followup import events
from tousu_followup.domain import lifecycle as lc
from tousu_followup.domain.model import Case, Context, Decision, Resolution
from tousu_followup.domain.rules import FollowupRules
from tousu_followup.metrics import FollowupMetrics
from tousu_followup.observe import count_decision
from tousu_followup.ports import CaseStore, Clock, Publisher, Stored
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintAnalyzed,
    ComplaintFeedbackReceived,
    ComplaintReceived,
    ComplaintRouted,
)
from tousu_shared.logging import get_logger
from tousu_shared.retry import ConcurrentChange, PermanentError

log = get_logger("tousu.followup.service")
ATTEMPTS = 8
Step = Callable[[Stored], Decision]


class FollowupService:
    """Applies intake, analysis and escalation events to follow-up cases, each exactly once."""

    def __init__(
        self,
        *,
        cases: CaseStore,
        rules: FollowupRules,
        metrics: FollowupMetrics,
        publisher: Publisher,
        clock: Clock,
    ) -> None:
        self._cases, self._rules, self._metrics = cases, rules, metrics
        self._publisher, self._now = publisher, clock

    async def on_received(self, *, received: ComplaintReceived) -> None:
        """Remember the labels and the masked contact data (the contact centre's worklist)."""
        c, rep = received.customer, received.representative
        contact = {
            "name_masked": c.name_masked,
            "phone_masked": c.phone_masked,
            "age_band": c.age_band,
            "vulnerable": c.vulnerable,
            "representative": rep.model_dump(exclude={"phone_key"}) if rep else None,
        }
        fields = {
            "context.channel": received.channel,
            "context.product_line": received.product.line,
            "contact": contact,
        }
        await self._cases.merge_context(
            complaint_id=received.complaint_id, customer_key=received.customer_key, fields=fields
        )

    async def on_analyzed(self, *, analysis: ComplaintAnalyzed) -> None:
        """Severity and repeat risk of the newest analysed cycle (complexity inputs)."""
        fields = {
            "context.severity": analysis.severity,
            "context.repeat_band": analysis.repeat_risk.band,
            "context.analysis_cycle": analysis.cycle,
        }
        await self._cases.merge_context(
            complaint_id=analysis.complaint_id,
            customer_key=analysis.customer_key,
            fields=fields,
            newer_than=("context.analysis_cycle", analysis.cycle),
        )

    async def on_routed(self, *, routed: ComplaintRouted) -> None:
        """Route, tier and queue of the newest routing (complexity input and report labels)."""
        fields = {
            "context.route": routed.route,
            "context.tier": routed.tier,
            "context.queue": routed.queue,
            "context.routed_at": routed.routed_at,
        }
        await self._cases.merge_context(
            complaint_id=routed.complaint_id,
            customer_key=routed.customer_key,
            fields=fields,
            newer_than=("context.routed_at", routed.routed_at),
        )

    async def on_action(self, *, event_id: str, action: ComplaintActionRecorded) -> None:
        """Resolved → schedule; withdrawn → close; review_requested → reopen; others may complete 溯源整改."""
        if action.type == "extension_requested":
            await self._cases.merge_context(
                complaint_id=action.complaint_id, customer_key=action.customer_key, fields={"context.extended": True}
            )
            return
        step = self._action_step(action)
        if step is not None:
            await self._apply(
                event_id=event_id, complaint_id=action.complaint_id, customer_key=action.customer_key, step=step
            )

    def _action_step(self, action: ComplaintActionRecorded) -> Step | None:
        rules, now = self._rules, self._now()
        if action.type == "resolved":
            resolution = Resolution(
                cycle=action.cycle,
                decided_at=action.occurred_at,
                decision=action.decision,
                remedy=action.remedy,
                root_cause=action.root_cause,
                remediation=action.remediation,
            )
            return lambda s: lc.resolve(s.case, resolution=resolution, context=s.context, rules=rules, now=now)
        if action.type == "withdrawn":
            return lambda s: lc.withdraw(s.case, now=now)
        if action.type == "review_requested":
            return lambda s: lc.request_review(s.case, at=action.occurred_at, rules=rules, now=now)
        if (action.root_cause or "").strip() and (action.remediation or "").strip():
            root_cause, remediation = str(action.root_cause), str(action.remediation)
            return lambda s: lc.trace(
                s.case, cycle=action.cycle, root_cause=root_cause, remediation=remediation, now=now
            )
        return None

    async def on_feedback(self, *, event_id: str, feedback: ComplaintFeedbackReceived) -> None:
        """An answer or a failed attempt; feedback that can never apply is dead-lettered."""
        fb = lc.Feedback(
            feedback_id=feedback.feedback_id,
            cycle=feedback.cycle,
            reached=feedback.reached,
            contacted_at=feedback.contacted_at,
            satisfaction=feedback.satisfaction,
            score=feedback.score,
        )
        rules, now = self._rules, self._now()

        def step(stored: Stored) -> Decision:
            try:
                return lc.record_feedback(stored.case, feedback=fb, rules=rules, now=now)
            except lc.InvalidFeedback as exc:
                raise PermanentError(str(exc)) from exc

        await self._apply(
            event_id=event_id, complaint_id=feedback.complaint_id, customer_key=feedback.customer_key, step=step
        )

    async def _apply(self, *, event_id: str, complaint_id: str, customer_key: str, step: Step) -> None:
        for _ in range(ATTEMPTS):
            stored = await self._cases.get(complaint_id) or fresh(complaint_id, customer_key)
            if event_id in stored.applied:
                return  # a redelivery: its effect is already stored
            decision = step(stored)
            if decision.ignored:
                log.info("event changes nothing", complaint_id=complaint_id, why=decision.ignored)
                return
            if await self.commit(stored, decision=decision, cause=event_id, event_id=event_id):
                return
        raise ConcurrentChange(f"follow-up case {complaint_id} kept changing")

    async def commit(
        self,
        stored: Stored,
        *,
        decision: Decision,
        cause: str,
        event_id: str | None = None,
        release_claim: bool = False,
    ) -> bool:
        """Store a decision and its events in one write; count and notify the publisher once it is stored."""
        now = self._now()
        envelopes = events.envelopes(decision.case, facts=decision.facts, cause=cause, now=now)
        due = lc.next_due_at(decision.case, rules=self._rules)
        saved = await self._cases.save(
            stored=stored,
            case=decision.case,
            next_due_at=due,
            events=envelopes,
            now=now,
            event_id=event_id,
            release_claim=release_claim,
        )
        if saved:
            count_decision(self._metrics, before=stored.case, decision=decision, context=stored.context)
            if envelopes:
                self._publisher.notify()
        return saved


def fresh(complaint_id: str, customer_key: str) -> Stored:
    """A case follow-up has not heard of yet."""
    return Stored(case=Case(complaint_id=complaint_id, customer_key=customer_key), context=Context())
