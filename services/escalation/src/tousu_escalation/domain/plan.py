"""The handling plan (domain §9), pure: make it from the complaint's clocks, complete steps, re-plan, settle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from tousu_escalation.domain.plan_rules import PlanRules, StepDue, StepRule
from tousu_shared.calendar import CHINA, add_working_days
from tousu_shared.events.plan import HandlingPlan, PlanChangeKind, PlanGuidance, PlanStep, Replan, StepOutcome


@dataclass(frozen=True)
class PlanClocks:
    """The complaint's own clocks of the cycle that time the steps."""

    first_contact_due: datetime
    response_due: datetime
    decision_start: datetime  # receipt (or reopen, or new facts), moved on by the paused time
    decision_due: datetime  # the regulatory decision deadline, extensions included
    followup_due: datetime | None = None  # end of the scheduled survey's window; None before it is scheduled


@dataclass(frozen=True)
class Owner:
    """Who handles the cycle, and the guidance chosen for it."""

    route: str
    queue: str
    profiles: list[str]
    guidance: list[PlanGuidance]


@dataclass(frozen=True)
class PlanChange:
    """A changed plan, what kind of change, why, and the steps it settled (for the metrics)."""

    plan: HandlingPlan
    change: PlanChangeKind
    reason: str
    settled: tuple[tuple[int, StepOutcome], ...] = ()


def due_at(due: StepDue, *, clocks: PlanClocks, rules: PlanRules, tz: tzinfo = CHINA) -> datetime:
    """When a step with this `due` rule falls due."""
    if due.clocks:
        by_clock = {"first_contact": clocks.first_contact_due, "response": clocks.response_due}
        return min(by_clock[c] for c in due.clocks)
    if due.regulatory_share is not None:
        return clocks.decision_start + (clocks.decision_due - clocks.decision_start) * due.regulatory_share
    if clocks.followup_due is not None:
        return clocks.followup_due
    return add_working_days(clocks.decision_due, rules.followup_provisional_working_days, tz=tz)


def _due_from(rule: StepRule, clocks: PlanClocks, rules: PlanRules) -> str:
    described = rule.due.describe()
    if rule.due.followup and clocks.followup_due is None:
        days = rules.followup_provisional_working_days
        return f"{described} (provisional: decision deadline + {days} working days, until the survey is scheduled)"
    return described


def _step(rule: StepRule, *, clocks: PlanClocks, owner: Owner, rules: PlanRules, tz: tzinfo) -> PlanStep:
    return PlanStep(
        step=rule.step,
        key=rule.key,
        name=rule.name,
        due_at=due_at(rule.due, clocks=clocks, rules=rules, tz=tz),
        due_from=_due_from(rule, clocks, rules),
        queue=rule.queue or owner.queue,
        completed_by=list(rule.done_by),
    )


def make_plan(
    *, rules: PlanRules, clocks: PlanClocks, owner: Owner, cycle: int, now: datetime, tz: tzinfo = CHINA
) -> HandlingPlan:
    """A new plan for a cycle: every step open, timed by the cycle's clocks, owned by the route's queue."""
    return HandlingPlan(
        cycle=cycle,
        revision=1,
        route=owner.route,
        queue=owner.queue,
        profiles=owner.profiles,
        steps=[_step(r, clocks=clocks, owner=owner, rules=rules, tz=tz) for r in rules.steps],
        guidance=owner.guidance,
        rules_version=rules.version,
        planned_at=now,
        updated_at=now,
    )


def replan(plan: HandlingPlan, *, fresh: HandlingPlan, reason: str, now: datetime) -> PlanChange | None:
    """Open steps take the due times and owners of `fresh`; done steps stay. None when no step is open."""
    if not any(s.is_open for s in plan.steps):
        return None
    new = {s.step: s for s in fresh.steps}
    steps, changed = [], []
    for old in plan.steps:
        target = new.get(old.step)
        if not old.is_open or target is None:
            steps.append(old)
            continue
        if (old.due_at, old.queue) != (target.due_at, target.queue):
            changed.append(old.step)
        steps.append(
            old.model_copy(update={"due_at": target.due_at, "due_from": target.due_from, "queue": target.queue})
        )
    updated = _revised(
        plan,
        now=now,
        steps=steps,
        route=fresh.route,
        queue=fresh.queue,
        profiles=fresh.profiles,
        guidance=fresh.guidance,
        replans=[*plan.replans, Replan(reason=reason, at=now, steps=changed)],
    )
    return PlanChange(plan=updated, change="replanned", reason=reason)


def _revised(plan: HandlingPlan, *, now: datetime, **update: object) -> HandlingPlan:
    return plan.model_copy(update={**update, "revision": plan.revision + 1, "updated_at": now})


def complete(
    plan: HandlingPlan, *, tokens: frozenset[str], event_id: str, at: datetime, now: datetime
) -> PlanChange | None:
    """The lowest-numbered open step that one of `tokens` completes is done (on time or late); None if none."""
    step = next((s for s in plan.steps if s.is_open and tokens & set(s.completed_by)), None)
    if step is None:
        return None
    token = next(t for t in step.completed_by if t in tokens)
    outcome: StepOutcome = "on_time" if at <= step.due_at else "late"
    done = step.model_copy(update={"done_by": event_id, "done_with": token, "done_at": at, "outcome": outcome})
    steps = [done if s.step == step.step else s for s in plan.steps]
    reason = f"step {step.step} done by {token} ({outcome.replace('_', ' ')})"
    return PlanChange(
        plan=_revised(plan, now=now, steps=steps), change="step_done", reason=reason, settled=((step.step, outcome),)
    )


def settle(plan: HandlingPlan, *, reason: str, cancelled: bool, now: datetime) -> PlanChange | None:
    """The cycle is over: every open step is missed (or cancelled, for a withdrawal). None if none was open."""
    outcome: StepOutcome = "cancelled" if cancelled else "missed"
    open_steps = [s.step for s in plan.steps if s.is_open]
    if not open_steps:
        return None
    steps = [s.model_copy(update={"outcome": outcome}) if s.is_open else s for s in plan.steps]
    return PlanChange(
        plan=_revised(plan, now=now, steps=steps),
        change="settled",
        reason=reason,
        settled=tuple((n, outcome) for n in open_steps),
    )


def then(first: PlanChange | None, second: PlanChange | None) -> PlanChange | None:
    """Two changes made one after the other, as one (the later plan, both reasons, every settled step)."""
    if first is None or second is None:
        return first or second
    return PlanChange(
        plan=second.plan.model_copy(update={"revision": first.plan.revision}),  # one published change: +1
        change=second.change,
        reason=f"{first.reason}; {second.reason}",
        settled=first.settled + second.settled,
    )


def overdue_steps(plan: HandlingPlan, *, now: datetime) -> list[PlanStep]:
    """Open steps past their due time."""
    return [s for s in plan.steps if s.is_open and s.due_at < now]


def next_open_due(plan: HandlingPlan | None) -> datetime | None:
    """The earliest due time of an open step (None when every step is done or settled)."""
    return min((s.due_at for s in plan.steps if s.is_open), default=None) if plan else None


def adherent(plan: HandlingPlan) -> bool:
    """Every step done on time (cancelled steps of a withdrawal do not count against it)."""
    return all(s.outcome in ("on_time", "cancelled") for s in plan.steps)
