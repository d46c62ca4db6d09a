"""The plan side of escalation's writes: made at routing, moved by actions and follow-up facts, counted, published."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tousu_escalation import events
from tousu_escalation.adapters.cases import CaseRepository
from tousu_escalation.domain import clocks as clk
from tousu_escalation.domain import planning
from tousu_escalation.domain.case import Case
from tousu_escalation.domain.clock_policy import ClockPolicy
from tousu_escalation.domain.plan import PlanChange
from tousu_escalation.domain.plan_rules import PlanRules
from tousu_escalation.metrics import EscalationMetrics
from tousu_shared.calendar import CHINA
from tousu_shared.events import (
    ComplaintActionRecorded,
    ComplaintClosed,
    ComplaintFeedbackReceived,
    ComplaintPlanUpdated,
    FollowupSurveyScheduled,
)
from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.retry import ConcurrentChange

ATTEMPTS = 8
CaseChange = Callable[[Case, datetime], tuple[Case, PlanChange | None]]


def plan_updated(case: Case, change: PlanChange, *, now: datetime) -> Envelope[EventData]:
    """`complaint.plan_updated` for one change (its id: complaint, cycle, revision — a replay repeats it)."""
    data = ComplaintPlanUpdated(
        complaint_id=case.complaint_id,
        customer_key=case.customer_key,
        plan=change.plan,
        change=change.change,
        reason=change.reason,
        occurred_at=now,
    )
    return events.wrap(data, id_parts=(case.complaint_id, change.plan.cycle, change.plan.revision), time=now)


class Planner:
    """Keeps each case's handling plan (domain §9) and the plan metrics; the domain decides, this stores."""

    def __init__(
        self,
        *,
        cases: CaseRepository,
        rules: PlanRules,
        clock_policy: ClockPolicy,
        metrics: EscalationMetrics,
        wake: Callable[[], None],
        now: Callable[[], datetime],
    ) -> None:
        self._cases, self.rules, self._clock_policy = cases, rules, clock_policy
        self._metrics, self._wake, self._now = metrics, wake, now

    # --- used inside the writes of routing, lifecycle and the incident desk -------------------------------------

    def routed(
        self, case: Case, *, pending: list[tuple[ComplaintActionRecorded, str]], now: datetime
    ) -> tuple[Case, list[PlanChange | None]]:
        """The plan of a newly routed case, with the actions that came before the analysis applied to it."""
        case = case.model_copy(update={"plan": planning.new_cycle_plan(case, rules=self.rules, now=now)})
        changes: list[PlanChange | None] = []
        for action, event_id in pending:
            change = planning.after_action(case, action=action, event_id=event_id, rules=self.rules, now=now)
            case = self.applied(case, change)
            changes.append(change)
        return case, changes

    @staticmethod
    def pending(case: Case) -> list[tuple[ComplaintActionRecorded, str]]:
        """The actions a stub kept, each with its event id (the action id for stubs stored before plans)."""
        return [(a, case.pending_event_ids.get(a.action_id, a.action_id)) for a in case.pending_actions]

    def reopened(
        self, before: Case, after: Case, *, event_id: str, at: datetime, reason: str, now: datetime
    ) -> tuple[Case, PlanChange | None]:
        """The new cycle's plan on `after`, and the settlement of the old cycle's (the reopen completes its
        follow-up step: the customer answered)."""
        settled = planning.after_closure(
            before, cycle=before.cycle, withdrawn=False, event_id=event_id, at=at, now=now, token="reopened"
        )
        fresh = after.model_copy(update={"followup_due_at": None})
        plan = planning.new_cycle_plan(fresh, rules=self.rules, now=now, reason=reason)
        return fresh.model_copy(update={"plan": plan}), settled

    def replanned(self, case: Case, *, reason: str, now: datetime) -> tuple[Case, PlanChange | None]:
        """The case with its open steps re-timed and re-owned (incident join, merge)."""
        change = planning.replanned(case, rules=self.rules, reason=reason, now=now)
        return self.applied(case, change), change

    def after_action(
        self, case: Case, *, action: ComplaintActionRecorded, event_id: str, now: datetime
    ) -> tuple[Case, PlanChange | None]:
        """The case after an action's plan effect (its clock effect already applied)."""
        change = planning.after_action(case, action=action, event_id=event_id, rules=self.rules, now=now)
        return self.applied(case, change), change

    @staticmethod
    def applied(case: Case, change: PlanChange | None) -> Case:
        """The case with the changed plan (unchanged without a change)."""
        return case if change is None else case.model_copy(update={"plan": change.plan})

    def envelopes(self, case: Case, changes: list[PlanChange | None], *, now: datetime) -> list[Envelope[EventData]]:
        """`complaint.plan_updated` for each change made."""
        return [plan_updated(case, c, now=now) for c in changes if c is not None]

    def count(self, changes: list[PlanChange | None]) -> None:
        """Steps done or settled by changes that were stored."""
        for change in changes:
            if change is not None and change.settled:
                self._metrics.count_steps(route=change.plan.route, settled=change.settled)

    # --- the follow-up facts that only the plan needs -----------------------------------------------------------

    async def on_feedback(self, *, event_id: str, feedback: ComplaintFeedbackReceived) -> None:
        """The customer's answer completes the follow-up step (a failed contact attempt does not)."""
        if not feedback.reached or feedback.satisfaction is None:
            return

        def change(case: Case, now: datetime) -> tuple[Case, PlanChange | None]:
            done = planning.after_feedback(
                case, cycle=feedback.cycle, event_id=event_id, at=feedback.contacted_at, now=now
            )
            return self.applied(case, done), done

        await self._update(feedback.complaint_id, event_id=event_id, change=change)

    async def on_survey_scheduled(self, *, event_id: str, survey: FollowupSurveyScheduled) -> None:
        """The follow-up schedule times the follow-up step."""
        due = survey.due_by or survey.due_at

        def change(case: Case, now: datetime) -> tuple[Case, PlanChange | None]:
            if case.plan is None or case.plan.cycle != survey.cycle:
                return case, None
            scheduled = case.model_copy(update={"followup_due_at": due})
            when = due.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
            return self.replanned(scheduled, reason=f"follow-up (回访) scheduled: call by {when}", now=now)

        await self._update(survey.complaint_id, event_id=event_id, change=change)

    async def on_closed(self, *, event_id: str, closed: ComplaintClosed) -> None:
        """The cycle is over: the closure completes the follow-up step; the open steps are missed (or cancelled)."""

        def change(case: Case, now: datetime) -> tuple[Case, PlanChange | None]:
            ended = planning.after_closure(
                case,
                cycle=closed.cycle,
                withdrawn=closed.outcome == "withdrawn",
                event_id=event_id,
                at=closed.occurred_at,
                now=now,
            )
            return self.applied(case, ended), ended

        await self._update(closed.complaint_id, event_id=event_id, change=change)

    async def _update(self, complaint_id: str, *, event_id: str, change: CaseChange) -> None:
        for _ in range(ATTEMPTS):
            stored = await self._cases.get(complaint_id)
            if stored is None or stored.case.plan is None or event_id in stored.applied:
                return  # not routed (or routed before plans existed), or a replay
            now = self._now()
            case, made = change(stored.case, now)
            if made is None:
                return
            due = clk.earliest(clocks=case.clocks, policy=self._clock_policy)
            envelopes = self.envelopes(case, [made], now=now)
            if await self._cases.save(
                stored=stored, case=case, next_due_at=due, events=envelopes, now=now, event_id=event_id
            ):
                self._wake()
                self.count([made])
                return
        raise ConcurrentChange(f"complaint {complaint_id} kept changing")

    async def refresh_gauge(self) -> None:
        """`tousu_plan_steps_overdue{route,step}` from the stored plans."""
        self._metrics.set_overdue_steps(await self._cases.count_overdue_steps(now=self._now()))
