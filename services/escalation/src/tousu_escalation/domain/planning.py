"""A case's plan through its life: made at routing, moved by actions and follow-up facts, re-made per cycle; pure."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from tousu_escalation.domain import plan as pl
from tousu_escalation.domain.case import Case
from tousu_escalation.domain.guidance import choose_guidance, facts_of
from tousu_escalation.domain.plan_rules import PlanRules
from tousu_shared.calendar import CHINA
from tousu_shared.events import ComplaintActionRecorded
from tousu_shared.events.plan import HandlingPlan, Replan

REPLANNING_ACTIONS = frozenset({"extension_requested", "clock_resumed"})


def plan_clocks(case: Case) -> pl.PlanClocks:
    """The cycle's clocks as the plan sees them; a merged complaint (no regulatory clock) uses intake's deadline."""
    assert case.analysis is not None and case.routing is not None
    first = case.clock("first_contact")
    response = case.clock("response")
    regulatory = case.clock("regulatory")
    if regulatory is not None:
        start = regulatory.started_at + timedelta(seconds=regulatory.paused_seconds)
        due = regulatory.due_at
    else:
        start, due = case.analysis.received_at, case.analysis.due_at
    return pl.PlanClocks(
        first_contact_due=first.due_at if first else case.routing.response_due_at,
        response_due=response.due_at if response else case.routing.response_due_at,
        decision_start=start,
        decision_due=due,
        followup_due=case.followup_due_at,
    )


def fresh_plan(case: Case, *, rules: PlanRules, now: datetime, tz: tzinfo = CHINA) -> HandlingPlan:
    """The plan the case's current analysis, routing and clocks give (every step open)."""
    assert case.analysis is not None and case.routing is not None
    facts = facts_of(analysis=case.analysis, routing=case.routing, rules=rules)
    owner = pl.Owner(
        route=case.routing.route,
        queue=case.routing.queue,
        profiles=sorted(facts.profiles, key=lambda p: -facts.profiles[p]),
        guidance=choose_guidance(facts=facts, rules=rules),
    )
    return pl.make_plan(rules=rules, clocks=plan_clocks(case), owner=owner, cycle=case.cycle, now=now, tz=tz)


def new_cycle_plan(case: Case, *, rules: PlanRules, now: datetime, reason: str | None = None) -> HandlingPlan:
    """The plan of a new cycle (routing, or a reopen: then `reason` says why it was re-planned)."""
    plan = fresh_plan(case, rules=rules, now=now)
    if reason is None:
        return plan
    return plan.model_copy(update={"replans": [Replan(reason=reason, at=now, steps=[s.step for s in plan.steps])]})


def replanned(case: Case, *, rules: PlanRules, reason: str, now: datetime) -> pl.PlanChange | None:
    """The open steps re-timed and re-owned from the case's current clocks and routing."""
    if case.plan is None or case.routing is None or case.analysis is None:
        return None
    return pl.replan(case.plan, fresh=fresh_plan(case, rules=rules, now=now), reason=reason, now=now)


def tokens(action: ComplaintActionRecorded) -> frozenset[str]:
    """What an action can complete: its type, and `contacted+note` for a contact with a note."""
    found: set[str] = {action.type}
    if action.type == "contacted" and (action.note or "").strip():
        found.add("contacted+note")
    return frozenset(found)


def _replan_reason(action: ComplaintActionRecorded, case: Case) -> str:
    if action.type == "extension_requested":
        regulatory = case.clock("regulatory")
        extensions = regulatory.extensions if regulatory else 0
        return f"extension {extensions} (decision deadline {_day(case)}): {action.reason or 'no reason given'}"
    return f"regulatory clock resumed: the paused time moves the decision deadline to {_day(case)}"


def _day(case: Case) -> str:
    regulatory = case.clock("regulatory")
    return regulatory.due_at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if regulatory else "unchanged"


def after_action(
    case: Case, *, action: ComplaintActionRecorded, event_id: str, rules: PlanRules, now: datetime
) -> pl.PlanChange | None:
    """The plan after an action (its clock effects already applied to `case`): re-plan, step done, or cancelled."""
    if case.plan is None or action.cycle != case.plan.cycle:
        return None
    change = None
    if action.type in REPLANNING_ACTIONS:
        change = replanned(case, rules=rules, reason=_replan_reason(action, case), now=now)
    current = change.plan if change else case.plan
    done = pl.complete(current, tokens=tokens(action), event_id=event_id, at=action.occurred_at, now=now)
    change = pl.then(change, done)
    if action.type == "withdrawn":
        current = change.plan if change else case.plan
        change = pl.then(change, pl.settle(current, reason="withdrawn: open steps cancelled", cancelled=True, now=now))
    return change


def after_feedback(case: Case, *, cycle: int, event_id: str, at: datetime, now: datetime) -> pl.PlanChange | None:
    """The customer's follow-up answer completes the follow-up step."""
    if case.plan is None or cycle != case.plan.cycle:
        return None
    return pl.complete(case.plan, tokens=frozenset({"feedback"}), event_id=event_id, at=at, now=now)


def after_closure(
    case: Case, *, cycle: int, withdrawn: bool, event_id: str, at: datetime, now: datetime, token: str = "closed"
) -> pl.PlanChange | None:
    """The cycle ends (closed, or reopened: `token`): the closure completes the follow-up step, the rest is settled."""
    if case.plan is None or cycle != case.plan.cycle:
        return None
    change = None
    if not withdrawn:
        change = pl.complete(case.plan, tokens=frozenset({token}), event_id=event_id, at=at, now=now)
    current = change.plan if change else case.plan
    what = "withdrawn" if withdrawn else token
    ended = pl.settle(current, reason=f"cycle {cycle} {what}: open steps settled", cancelled=withdrawn, now=now)
    return pl.then(change, ended)
