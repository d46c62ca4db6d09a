"""The handling plan (domain §9): six steps timed by the complaint's own clocks, completed by actions, re-planned."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.unit.escalation.plan_builders import (
    CLOCKS,
    POLICY,
    RECEIVED,
    ROUTED,
    RULES,
    act,
    analysis_with,
    routed_case,
    with_clock_effect,
)
from tousu_escalation.domain import clocks as clk
from tousu_escalation.domain import plan as pl
from tousu_escalation.domain import planning
from tousu_escalation.domain.case import Case
from tousu_escalation.domain.incidents import IncidentView, join_routing
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.events import ComplaintActionRecorded, HandlingPlan

pytestmark = pytest.mark.unit
CST = timezone(timedelta(hours=8))
HOUR = timedelta(hours=1)
DUE = regulatory_due_at(started_at=RECEIVED)  # 24:00 of Tue 17 Nov, China time
FIRST_CONTACT = datetime(2026, 11, 3, 9, 30, tzinfo=CST)  # one working day after Mon 09:30


def share(fraction: float, *, start: datetime = RECEIVED, due: datetime = DUE) -> datetime:
    return start + (due - start) * fraction


def plan(case: Case) -> HandlingPlan:
    assert case.plan is not None
    return case.plan


def run(case: Case, *actions: tuple[ComplaintActionRecorded, str]) -> Case:
    """Apply actions as lifecycle does: clocks first, then the plan."""
    for action, event_id in actions:
        case = with_clock_effect(case, action)
        change = planning.after_action(case, action=action, event_id=event_id, rules=RULES, now=action.occurred_at)
        if change is not None:
            case = case.model_copy(update={"plan": change.plan})
    return case


def test_a_plan_has_the_six_steps_timed_by_the_complaints_own_clocks_and_owned_by_its_queue() -> None:
    p = plan(routed_case())
    assert [s.step for s in p.steps] == [1, 2, 3, 4, 5, 6]
    assert [s.key for s in p.steps] == ["acknowledge", "clarify", "investigate", "propose", "carry_out", "follow_up"]
    assert {s.queue for s in p.steps} == {"frontline"} and (p.route, p.queue) == ("standard", "frontline")
    assert [s.due_at for s in p.steps[:5]] == [FIRST_CONTACT, share(0.2), share(0.5), share(0.75), DUE]
    assert p.steps[5].due_at == datetime(2026, 11, 25, tzinfo=CST), "decision deadline + 5 working days"
    assert p.steps[5].due_from.startswith("followup (provisional")
    assert all(s.is_open and s.done_by is None for s in p.steps)
    assert (p.cycle, p.revision, p.rules_version) == (1, 1, RULES.version)


@pytest.mark.parametrize(
    ("signals", "queue", "first_step_due"),
    [
        (("self_harm",), "crisis_team", ROUTED + HOUR),  # 1 h response target: sooner than first contact
        (("media_exposed",), "opinion_desk", ROUTED + HOUR),  # red public opinion: 1 h
        ((), "frontline", FIRST_CONTACT),
        (("agent_involved",), "agent_response", FIRST_CONTACT),  # 2 working days: first contact is sooner
        (("regulator_transfer",), "regulatory_liaison", FIRST_CONTACT),
    ],
)
def test_step_one_is_due_at_first_contact_or_the_routes_response_target_if_sooner(
    signals: tuple[str, ...], queue: str, first_step_due: datetime
) -> None:
    p = plan(routed_case(analysis_with(*signals)))
    assert p.queue == queue and p.steps[0].queue == queue
    assert p.steps[0].due_at == first_step_due


def test_actions_complete_the_steps_in_order_each_with_the_event_that_did_it() -> None:
    case = run(
        routed_case(),
        (act("acknowledged", at=RECEIVED + HOUR), "ev-ack"),
        (act("contacted", at=RECEIVED + 2 * HOUR, note="客户要求退还年费"), "ev-call"),
        (act("note", at=RECEIVED + 30 * HOUR, note="调取通话录音与合同"), "ev-note"),
        (act("resolution_proposed", at=RECEIVED + 100 * HOUR), "ev-offer"),
        (
            act(
                "resolved", at=RECEIVED + 120 * HOUR, decision="退还", remedy="退年费", root_cause="x", remediation="y"
            ),
            "ev-done",
        ),
    )
    change = planning.after_feedback(case, cycle=1, event_id="ev-answer", at=RECEIVED + 150 * HOUR, now=ROUTED)
    assert change is not None and change.reason == "step 6 done by feedback (on time)"
    p = change.plan
    assert [(s.done_by, s.done_with) for s in p.steps] == [
        ("ev-ack", "acknowledged"),
        ("ev-call", "contacted+note"),
        ("ev-note", "note"),
        ("ev-offer", "resolution_proposed"),
        ("ev-done", "resolved"),
        ("ev-answer", "feedback"),
    ]
    assert {s.outcome for s in p.steps} == {"on_time"} and pl.adherent(p)
    assert p.revision == 7, "one revision per change"


def test_a_contact_with_a_note_as_the_first_action_completes_step_one_only() -> None:
    p = plan(run(routed_case(), (act("contacted", at=RECEIVED + HOUR, note="了解诉求"), "ev-1")))
    assert (p.steps[0].done_with, p.steps[1].done_by) == ("contacted", None)


def test_a_note_before_any_contact_clarifies_and_a_second_note_investigates() -> None:
    p = plan(
        run(
            routed_case(),
            (act("note", at=RECEIVED + HOUR, note="诉求：退年费"), "ev-1"),
            (act("note", at=RECEIVED + 2 * HOUR, note="已调取合同"), "ev-2"),
        )
    )
    assert [s.done_by for s in p.steps[:3]] == [None, "ev-1", "ev-2"]


def test_actions_that_complete_no_open_step_change_nothing() -> None:
    case = run(routed_case(), (act("acknowledged", at=RECEIVED + HOUR), "ev-1"))
    again = act("acknowledged", at=RECEIVED + 2 * HOUR)
    assert planning.after_action(case, action=again, event_id="ev-2", rules=RULES, now=ROUTED) is None
    paused = act("clock_paused", at=RECEIVED + 2 * HOUR, reason="appraisal")
    assert (
        planning.after_action(with_clock_effect(case, paused), action=paused, event_id="ev-3", rules=RULES, now=ROUTED)
        is None
    )


def test_an_action_of_an_earlier_cycle_changes_nothing() -> None:
    case = routed_case()
    case = case.model_copy(update={"cycle": 2, "plan": plan(case).model_copy(update={"cycle": 2})})
    old = act("acknowledged", at=RECEIVED + HOUR, cycle=1)
    assert planning.after_action(case, action=old, event_id="ev-1", rules=RULES, now=ROUTED) is None


def test_a_step_done_after_its_due_is_late_and_an_open_step_past_due_is_overdue() -> None:
    late = FIRST_CONTACT + HOUR
    case = run(routed_case(), (act("contacted", at=late), "ev-late"))
    p = plan(case)
    assert (p.steps[0].outcome, p.steps[0].done_at) == ("late", late)
    assert [s.step for s in pl.overdue_steps(p, now=share(0.5) + HOUR)] == [2, 3]
    assert pl.overdue_steps(p, now=late) == [] and not pl.adherent(p)


def test_an_extension_replans_the_open_steps_and_says_why() -> None:
    case = run(routed_case(), (act("acknowledged", at=RECEIVED + HOUR), "ev-ack"))
    before = plan(case)
    case = run(case, (act("extension_requested", at=RECEIVED + 48 * HOUR, reason="需要第三方鉴定"), "ev-ext"))
    after = plan(case)
    due_30 = regulatory_due_at(started_at=RECEIVED, extensions=1)
    assert [s.due_at for s in after.steps[1:5]] == [
        share(0.2, due=due_30),
        share(0.5, due=due_30),
        share(0.75, due=due_30),
        due_30,
    ]
    assert after.steps[0] == before.steps[0], "a done step keeps its time and outcome"
    replan = after.replans[-1]
    assert replan.reason.startswith("extension 1 (decision deadline 2026-12-03 00:00): 需要第三方鉴定")
    assert replan.steps == [2, 3, 4, 5, 6]


def test_a_resumed_pause_moves_the_open_steps_by_the_paused_time() -> None:
    case = run(
        routed_case(),
        (act("clock_paused", at=RECEIVED + 24 * HOUR, reason="appraisal"), "ev-p"),
        (act("clock_resumed", at=RECEIVED + 72 * HOUR), "ev-r"),
    )
    p = plan(case)
    moved = regulatory_due_at(started_at=RECEIVED, paused=48 * HOUR)
    assert p.steps[4].due_at == moved > DUE
    assert p.steps[1].due_at == share(0.2, start=RECEIVED + 48 * HOUR, due=moved)
    assert p.replans[-1].reason.startswith("regulatory clock resumed")


def test_the_scheduled_survey_times_the_follow_up_step() -> None:
    case = routed_case()
    due_by = datetime(2026, 11, 20, 18, tzinfo=CST)
    scheduled = case.model_copy(update={"followup_due_at": due_by})
    change = planning.replanned(scheduled, rules=RULES, reason="follow-up (回访) scheduled", now=ROUTED)
    assert change is not None
    assert (change.plan.steps[5].due_at, change.plan.steps[5].due_from) == (due_by, "followup")
    assert change.plan.replans[-1].steps == [6]


def test_a_withdrawal_cancels_the_open_steps_which_do_not_count_against_adherence() -> None:
    case = run(
        routed_case(),
        (act("acknowledged", at=RECEIVED + HOUR), "ev-ack"),
        (act("withdrawn", at=RECEIVED + 2 * HOUR), "ev-w"),
    )
    p = plan(case)
    assert [s.outcome for s in p.steps] == ["on_time", *["cancelled"] * 5]
    assert pl.adherent(p)


def test_closure_completes_the_follow_up_and_settles_skipped_steps_as_missed() -> None:
    case = run(
        routed_case(),
        (act("acknowledged", at=RECEIVED + HOUR), "ev-ack"),
        (act("resolved", at=RECEIVED + 5 * HOUR, decision="d", remedy="r", root_cause="c", remediation="m"), "ev-res"),
    )
    change = planning.after_closure(
        case, cycle=1, withdrawn=False, event_id="ev-close", at=RECEIVED + 80 * HOUR, now=ROUTED
    )
    assert change is not None
    p = change.plan
    assert [s.outcome for s in p.steps] == ["on_time", "missed", "missed", "missed", "on_time", "on_time"]
    assert p.steps[5].done_with == "closed"
    assert change.settled == ((6, "on_time"), (2, "missed"), (3, "missed"), (4, "missed"))
    assert not pl.adherent(p)
    assert planning.replanned(case.model_copy(update={"plan": p}), rules=RULES, reason="late", now=ROUTED) is None


def test_a_reopen_plans_the_new_cycle_and_says_why() -> None:
    case = routed_case()
    reopened_at = RECEIVED + 200 * HOUR
    routing = case.routing.model_copy(update={"routed_at": reopened_at}) if case.routing else None
    clocks = [clk.start_clock(kind=k, started_at=reopened_at, policy=CLOCKS) for k in ("regulatory", "first_contact")]
    response = clk.start_clock(kind="response", started_at=reopened_at, policy=CLOCKS, due_at=reopened_at + 24 * HOUR)
    cycle2 = case.model_copy(update={"cycle": 2, "routing": routing, "clocks": [*clocks, response]})
    p = planning.new_cycle_plan(cycle2, rules=RULES, now=reopened_at, reason="reopened (unsatisfied): cycle 2")
    assert (p.cycle, p.revision) == (2, 1)
    assert p.replans[0].reason == "reopened (unsatisfied): cycle 2" and p.replans[0].steps == [1, 2, 3, 4, 5, 6]
    assert p.steps[4].due_at == regulatory_due_at(started_at=reopened_at)


def test_an_incident_join_moves_the_open_steps_to_the_incident_queue() -> None:
    case = run(routed_case(), (act("acknowledged", at=RECEIVED + HOUR), "ev-ack"))
    incident = IncidentView(
        incident_id="INC-1",
        kind="group",
        queue="group_taskforce",
        key="m",
        customers=[f"c{i}" for i in range(6)],
        complaint_ids=["C-1"],
        major=False,
        opening_count=6,
        opened_at=ROUTED,
    )
    assert case.routing is not None
    joined = case.model_copy(
        update={
            "routing": join_routing(routing=case.routing, incident=incident, policy=POLICY, now=ROUTED, reroute=True)
        }
    )
    change = planning.replanned(joined, rules=RULES, reason="joined incident INC-1 (group)", now=ROUTED)
    assert change is not None
    p = change.plan
    assert [s.queue for s in p.steps] == ["frontline", *["group_taskforce"] * 5]
    assert (p.route, p.replans[-1].steps) == ("group", [2, 3, 4, 5, 6])
    assert "communication.one_owner" in {g.id for g in p.guidance}


def test_a_merge_with_new_facts_restarts_the_decision_period_of_the_open_steps() -> None:
    case = routed_case()
    repeat_at = RECEIVED + 96 * HOUR
    regulatory = case.clock("regulatory")
    assert regulatory is not None
    restarted = case.with_clock(clk.merge(regulatory, received_at=repeat_at, new_facts=True, policy=CLOCKS))
    change = planning.replanned(restarted, rules=RULES, reason="merged C-2 (new facts)", now=repeat_at)
    assert change is not None
    assert change.plan.steps[4].due_at == regulatory_due_at(started_at=repeat_at)
    assert change.plan.replans[-1].steps == [2, 3, 4, 5, 6]
