"""`complaint.deadline_set` tells every move of the regulatory deadline (start, extension, pause, resume, restart,
reopen) and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.escalation.escalation_builders import action, analyzed
from tousu_escalation.domain import clocks as clk
from tousu_escalation.domain.case import Case, apply_action, cycle_clocks
from tousu_escalation.domain.clock_policy import ClockPolicy, load_clock_policy
from tousu_escalation.domain.deadline import deadline_change, deadline_set
from tousu_escalation.domain.policy import Policy, load_policy
from tousu_escalation.domain.routing import RoutingContext, route
from tousu_shared.calendar import add_working_days

pytestmark = pytest.mark.unit
T0 = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def policy() -> ClockPolicy:
    return load_clock_policy()


@pytest.fixture(scope="module")
def routing_policy() -> Policy:
    return load_policy()


@pytest.fixture
def routed(policy: ClockPolicy, routing_policy: Policy) -> Case:
    analysis = analyzed("C-1", "k-1", received_at=T0)
    routing = route(
        analysis=analysis,
        context=RoutingContext(cluster_customers_7d=1),
        policy=routing_policy,
        now=T0 + HOUR,
        add_days=add_working_days,
    )
    clocks = cycle_clocks(started_at=T0, routing=routing, policy=routing_policy, clock_policy=policy)
    return Case(complaint_id="C-1", customer_key="k-1", analysis=analysis, routing=routing, clocks=clocks)


def act(case: Case, kind: str, policy: ClockPolicy, **extra: str) -> Case:
    return apply_action(case, action=action("C-1", "k-1", kind, at=T0 + 2 * HOUR, **extra), policy=policy)


def test_routing_starts_the_deadline_with_the_policys_count(routed: Case, policy: ClockPolicy) -> None:
    stub = Case(complaint_id="C-1", customer_key="k-1")
    told = deadline_set(before=stub, after=routed, policy=policy, now=T0 + HOUR)
    assert told is not None
    clock = routed.clock("regulatory")
    assert clock is not None
    assert (told.change, told.due_at, told.started_at, told.days, told.extensions) == (
        "started",
        clock.due_at,
        T0,
        15,
        0,
    )
    assert (told.counting, told.basis, told.policy_version, told.set_at) == (
        "civil_code",
        "calendar",
        policy.version,
        T0 + HOUR,
    )
    assert deadline_change(before=None, after=routed) == "started"


def test_extension_pause_and_resume_each_tell_the_new_deadline(routed: Case, policy: ClockPolicy) -> None:
    extended = act(routed, "extension_requested", policy, reason="complex")
    told = deadline_set(before=routed, after=extended, policy=policy, now=T0 + 2 * HOUR)
    assert told is not None and (told.change, told.days, told.extensions) == ("extended", 30, 1)
    paused = act(extended, "clock_paused", policy, reason="appraisal")
    told = deadline_set(before=extended, after=paused, policy=policy, now=T0 + 3 * HOUR)
    assert told is not None and (told.change, told.paused, told.paused_at) == ("paused", True, T0 + 2 * HOUR)
    resumed = apply_action(paused, action=action("C-1", "k-1", "clock_resumed", at=T0 + 30 * HOUR), policy=policy)
    told = deadline_set(before=paused, after=resumed, policy=policy, now=T0 + 30 * HOUR)
    assert told is not None and (told.change, told.paused, told.paused_seconds) == ("resumed", False, 28 * 3600)
    assert told.due_at > extended.clocks[0].due_at


def test_new_facts_restart_it_and_name_the_merged_complaint(routed: Case, policy: ClockPolicy) -> None:
    regulatory = routed.clock("regulatory")
    assert regulatory is not None
    later = T0 + timedelta(days=5)
    restarted = routed.with_clock(clk.merge(regulatory, received_at=later, new_facts=True, policy=policy))
    told = deadline_set(before=routed, after=restarted, policy=policy, now=later, restarted_by="C-2")
    assert told is not None and (told.change, told.started_at, told.restarted_by) == ("restarted", later, "C-2")
    same = routed.with_clock(clk.merge(regulatory, received_at=later, new_facts=False, policy=policy))
    assert deadline_change(before=routed, after=same) is None


def test_a_reopen_tells_the_new_cycles_deadline(routed: Case, policy: ClockPolicy, routing_policy: Policy) -> None:
    assert routed.routing is not None
    reopen = T0 + timedelta(days=20)
    clocks = cycle_clocks(started_at=reopen, routing=routed.routing, policy=routing_policy, clock_policy=policy)
    reopened = routed.model_copy(update={"cycle": 2, "clocks": clocks})
    told = deadline_set(before=routed, after=reopened, policy=policy, now=reopen)
    assert told is not None and (told.change, told.cycle, told.started_at) == ("reopened", 2, reopen)


def test_stops_warnings_notes_and_merged_complaints_tell_nothing(routed: Case, policy: ClockPolicy) -> None:
    assert deadline_change(before=routed, after=act(routed, "note", policy)) is None
    resolved = act(routed, "resolved", policy)
    assert deadline_change(before=routed, after=resolved) is None
    advanced = [clk.advance(c, now=T0 + timedelta(days=10), policy=policy)[0] for c in routed.clocks]
    assert deadline_change(before=routed, after=routed.model_copy(update={"clocks": advanced})) is None
    merged = routed.model_copy(update={"clocks": [c for c in routed.clocks if c.kind != "regulatory"]})
    assert deadline_change(before=None, after=merged) is None
