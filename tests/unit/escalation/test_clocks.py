"""Clock policy as data: 15 days counted as the Civil Code counts, extensions to 30/60, pause/resume, restart,
warnings and breaches."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.unit.escalation.escalation_builders import action
from tousu_escalation.domain import clocks as clk
from tousu_escalation.domain.case import Case, apply_action, next_tier
from tousu_escalation.domain.clock_policy import ClockPolicy, ClockPolicyError, load_clock_policy, parse_clock_policy
from tousu_escalation.domain.policy import Policy, load_policy
from tousu_shared.deadlines import REGULATORY, regulatory_due_at

pytestmark = pytest.mark.unit
T0 = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)  # Monday 10:00 in Beijing, three days before National Day
CST = timezone(timedelta(hours=8))
DAY = timedelta(days=1)
DUE = datetime(2026, 10, 14, tzinfo=CST)  # days 29 Sep .. 13 Oct (Tue, a working day), to 24:00
SPAN = DUE - T0
DUE_30 = datetime(2026, 10, 29, tzinfo=CST)  # 30 days: last day Wed 28 Oct
DUE_60 = datetime(2026, 11, 28, tzinfo=CST)  # 60 days: last day Fri 27 Nov


@pytest.fixture(scope="module")
def policy() -> ClockPolicy:
    return load_clock_policy()


@pytest.fixture(scope="module")
def routing_policy() -> Policy:
    return load_policy()


def regulatory(policy: ClockPolicy, start: datetime = T0) -> clk.Clock:
    return clk.start_clock(kind="regulatory", started_at=start, policy=policy)


def test_regulatory_clock_counts_15_days_from_the_next_day_to_24_00_china_time(policy: ClockPolicy) -> None:
    clock = regulatory(policy)
    assert (clock.counting, clock.due_at) == ("civil_code", DUE)
    assert clock.due_at == regulatory_due_at(started_at=T0), "the same deadline intake shows"


def test_a_regulatory_clock_ending_in_national_day_moves_to_the_first_working_day(policy: ClockPolicy) -> None:
    start = datetime(2026, 9, 16, 10, tzinfo=CST)  # last day Thu 1 Oct, a holiday until Wed 7 Oct
    assert regulatory(policy, start).due_at == datetime(2026, 10, 9, tzinfo=CST)


def test_the_regulatory_counting_defaults_to_civil_code_and_an_institution_can_switch_it(policy: ClockPolicy) -> None:
    text = (
        "version: x\nwarnings: [0.5]\nclocks:\n  regulatory: {days: 15}\n  first_contact: {basis: working, days: 1}\n"
    )
    implicit = parse_clock_policy(text=text)
    assert (implicit.counting("regulatory"), implicit.counting("first_contact")) == ("civil_code", "elapsed")
    elapsed = parse_clock_policy(text=text.replace("{days: 15}", "{days: 15, counting: elapsed}"))
    assert regulatory(elapsed).due_at == T0 + 15 * DAY
    with pytest.raises(ClockPolicyError, match="no `counting`"):
        parse_clock_policy(
            text="version: x\nwarnings: [0.5]\nclocks: {response: {from_route: true, counting: elapsed}}\n"
        )


def test_the_default_regulatory_clock_has_the_legal_terms_intake_counts_by(policy: ClockPolicy) -> None:
    assert policy.regulatory_terms() == REGULATORY


def test_a_clock_stored_before_the_counting_rule_keeps_wall_time(policy: ClockPolicy) -> None:
    stored = regulatory(policy).model_dump(exclude={"counting"}) | {"due_at": T0 + 15 * DAY}
    old = clk.Clock.model_validate(stored)
    assert old.counting == "elapsed"
    resumed = clk.resume(clk.pause(old, at=T0, state="mediation", policy=policy), at=T0 + DAY, policy=policy)
    assert resumed.due_at == T0 + 16 * DAY


def test_first_contact_clock_is_one_working_day_across_national_day(policy: ClockPolicy) -> None:
    start = datetime(2026, 9, 30, 10, tzinfo=CST)
    clock = clk.start_clock(kind="first_contact", started_at=start, policy=policy)
    assert clock.due_at == datetime(2026, 10, 8, 10, tzinfo=CST)
    # warnings count working time: 50 % is the evening before the holiday, not its middle
    assert clk.threshold_at(clock, 0.5, policy=policy) == datetime(2026, 9, 30, 22, tzinfo=CST)
    assert clk.next_due_at(clock, policy=policy) == datetime(2026, 9, 30, 22, tzinfo=CST)


def test_warnings_fire_once_each_in_order_then_the_breach(policy: ClockPolicy) -> None:
    clock = regulatory(policy)
    clock, alerts = clk.advance(clock, now=T0 + 0.45 * SPAN, policy=policy)
    assert alerts == []
    clock, alerts = clk.advance(clock, now=T0 + 0.8 * SPAN, policy=policy)
    assert [a.threshold for a in alerts if isinstance(a, clk.Warned)] == [0.5, 0.75]
    clock, alerts = clk.advance(clock, now=T0 + 0.8 * SPAN, policy=policy)
    assert alerts == []
    assert clk.next_due_at(clock, policy=policy) == T0 + 0.9 * SPAN
    clock, alerts = clk.advance(clock, now=DUE, policy=policy)
    assert alerts == [clk.Breached(kind="regulatory", level=1, due_at=DUE, overdue_seconds=0)]


def test_a_breached_clock_keeps_escalating_every_24_hours_with_rising_level(policy: ClockPolicy) -> None:
    clock, _ = clk.advance(regulatory(policy), now=DUE, policy=policy)
    assert clk.next_due_at(clock, policy=policy) == DUE + DAY
    clock, alerts = clk.advance(clock, now=DUE + DAY + timedelta(hours=1), policy=policy)
    assert [a.level for a in alerts if isinstance(a, clk.Breached)] == [2]
    assert policy.breach.queue(level=2, current="frontline") == "management"
    assert policy.breach.queue(level=1, current="frontline") == "frontline"
    assert policy.breach.queue(level=9, current="frontline") == "compliance_officer"


def test_a_late_scan_sends_the_breach_not_stale_warnings(policy: ClockPolicy) -> None:
    clock, alerts = clk.advance(regulatory(policy), now=DUE + DAY, policy=policy)
    assert [type(a) for a in alerts] == [clk.Breached]
    assert clk.overdue(clocks=[clock])


def test_first_extension_needs_a_reason_and_reaches_30_days(policy: ClockPolicy) -> None:
    with pytest.raises(clk.ClockRefused, match="reason"):
        clk.extend(regulatory(policy), policy=policy, reason=None, approver=None)
    extended = clk.extend(regulatory(policy), policy=policy, reason="complex", approver=None)
    assert extended.due_at == DUE_30
    assert extended.extensions == 1


def test_second_extension_needs_the_senior_approver_and_reaches_60_days(policy: ClockPolicy) -> None:
    once = clk.extend(regulatory(policy), policy=policy, reason="complex", approver=None)
    with pytest.raises(clk.ClockRefused, match="approver"):
        clk.extend(once, policy=policy, reason="very complex", approver=None)
    twice = clk.extend(once, policy=policy, reason="very complex", approver="vp-1")
    assert twice.due_at == DUE_60


def test_a_third_extension_is_refused(policy: ClockPolicy) -> None:
    clock = regulatory(policy)
    for approver in (None, "vp-1"):
        clock = clk.extend(clock, policy=policy, reason="complex", approver=approver)
    with pytest.raises(clk.ClockRefused, match="extension 3 refused"):
        clk.extend(clock, policy=policy, reason="again", approver="ceo")


def test_an_extension_granted_inside_national_day_counts_30_days_from_receipt(policy: ClockPolicy) -> None:
    start = datetime(2026, 9, 16, 10, tzinfo=CST)  # due moved past the holiday to the end of Thu 8 Oct
    extended = clk.extend(regulatory(policy, start), policy=policy, reason="鉴定", approver=None)
    assert extended.due_at == datetime(2026, 10, 17, tzinfo=CST)  # last day Fri 16 Oct


def test_an_extension_resets_the_warnings_for_the_new_deadline(policy: ClockPolicy) -> None:
    clock, _ = clk.advance(regulatory(policy), now=T0 + 0.8 * SPAN, policy=policy)
    extended = clk.extend(clock, policy=policy, reason="complex", approver=None)
    assert extended.warned == []
    assert clk.next_due_at(extended, policy=policy) == T0 + (DUE_30 - T0) / 2


def test_pause_for_appraisal_excludes_the_paused_time(policy: ClockPolicy) -> None:
    paused = clk.pause(regulatory(policy), at=T0 + 5 * DAY, state="appraisal", policy=policy)
    assert clk.next_due_at(paused, policy=policy) is None
    _, alerts = clk.advance(paused, now=T0 + 30 * DAY, policy=policy)
    assert alerts == []
    resumed = clk.resume(paused, at=T0 + 15 * DAY, policy=policy)
    assert resumed.due_at == DUE + 10 * DAY, "24:00 on Fri 23 Oct: ten more days"
    counted_from = T0 + 10 * DAY  # warnings count the running time only
    assert clk.threshold_at(resumed, 0.5, policy=policy) == counted_from + (resumed.due_at - counted_from) / 2
    # an extension counts the paused time too, then the rest-day rule: Sat 7 Nov → Mon 9 Nov
    extended = clk.extend(resumed, policy=policy, reason="r", approver=None)
    assert extended.due_at == datetime(2026, 11, 10, tzinfo=CST)


def test_a_pause_across_midnight_adds_its_duration_and_the_period_still_ends_at_24_00(policy: ClockPolicy) -> None:
    night = datetime(2026, 10, 5, 23, tzinfo=CST)
    paused = clk.pause(regulatory(policy), at=night, state="mediation", policy=policy)
    resumed = clk.resume(paused, at=night + timedelta(hours=2), policy=policy)
    assert resumed.due_at == DUE + DAY == regulatory_due_at(started_at=T0, paused=timedelta(hours=2))


def test_pause_only_for_the_states_the_policy_names(policy: ClockPolicy) -> None:
    with pytest.raises(clk.ClockRefused):
        clk.pause(regulatory(policy), at=T0, state="holiday", policy=policy)
    first = clk.start_clock(kind="first_contact", started_at=T0, policy=policy)
    with pytest.raises(clk.ClockRefused):
        clk.pause(first, at=T0, state="mediation", policy=policy)
    with pytest.raises(clk.ClockRefused):
        clk.resume(regulatory(policy), at=T0, policy=policy)


def test_new_facts_on_the_same_matter_restart_the_clock_from_their_receipt(policy: ClockPolicy) -> None:
    extended = clk.extend(regulatory(policy), policy=policy, reason="complex", approver=None)
    later = T0 + 10 * DAY  # Thu 8 Oct 10:00: days 9 .. 23 Oct (Fri), to 24:00
    restarted = clk.merge(extended, received_at=later, new_facts=True, policy=policy)
    assert (restarted.started_at, restarted.extensions) == (later, 0)
    assert restarted.due_at == datetime(2026, 10, 24, tzinfo=CST)
    assert clk.merge(extended, received_at=later, new_facts=False, policy=policy) == extended


def test_a_repeat_sharing_text_signature_brings_no_new_facts() -> None:
    assert not clk.has_new_facts(open_signature=["b1", "b2"], new_signature=["b2", "b9"])
    assert clk.has_new_facts(open_signature=["b1"], new_signature=["b7"])


def test_contact_stops_the_first_contact_and_response_clocks_only(policy: ClockPolicy) -> None:
    clocks = [clk.start_clock(kind=k, started_at=T0, policy=policy) for k in ("regulatory", "first_contact")]
    clocks.append(clk.start_clock(kind="response", started_at=T0, policy=policy, due_at=T0 + DAY, basis="working"))
    case = Case(complaint_id="C-1", customer_key="k", clocks=clocks)
    after = apply_action(case, action=action("C-1", "k", "contacted", at=T0 + timedelta(hours=2)), policy=policy)
    assert {c.kind: c.status for c in after.clocks} == {
        "regulatory": "running",
        "first_contact": "stopped",
        "response": "stopped",
    }
    resolved = apply_action(after, action=action("C-1", "k", "resolved", at=T0 + DAY), policy=policy)
    assert resolved.status == "resolved"
    assert clk.earliest(clocks=resolved.clocks, policy=policy) is None


def test_an_extension_action_moves_the_regulatory_clock_and_a_third_is_refused(policy: ClockPolicy) -> None:
    case = Case(complaint_id="C-1", customer_key="k", clocks=[regulatory(policy)])
    # the action's due_at is intake's count; the clock policy's own count decides (here: an old 30 x 24 h)
    first = action("C-1", "k", "extension_requested", at=T0 + DAY, reason="complex", due_at=T0 + 30 * DAY)
    once = apply_action(case, action=first, policy=policy)
    assert once.clocks[0].due_at == DUE_30
    second = action("C-1", "k", "extension_requested", at=T0 + 2 * DAY, reason="more", approver="vp")
    case = apply_action(once, action=second, policy=policy)
    assert case.clocks[0].due_at == DUE_60
    with pytest.raises(clk.ClockRefused):
        apply_action(case, action=second, policy=policy)


def test_reopen_goes_one_tier_up_and_a_management_hint_goes_to_l3(routing_policy: Policy) -> None:
    assert next_tier(current="L1", hint=None, policy=routing_policy) == "L2"
    assert next_tier(current="L2", hint=None, policy=routing_policy) == "L3"
    assert next_tier(current="L3", hint=None, policy=routing_policy) == "L3"
    assert next_tier(current=None, hint=None, policy=routing_policy) == "L2"
    assert next_tier(current="L1", hint="management", policy=routing_policy) == "L3"


def test_the_clock_policy_is_validated_at_load() -> None:
    with pytest.raises(ClockPolicyError, match="ascending fractions"):
        parse_clock_policy(text="version: x\nwarnings: [0.9, 0.5]\nclocks: {}\n")
    with pytest.raises(ClockPolicyError, match="exactly one"):
        parse_clock_policy(text="version: x\nwarnings: [0.5]\nclocks: {regulatory: {basis: calendar}}\n")


def test_appraisal_time_between_pause_and_resume_actions_moves_the_regulatory_due_date(policy: ClockPolicy) -> None:
    case = Case(complaint_id="C-1", customer_key="k", clocks=[regulatory(policy)])
    paused = apply_action(
        case, action=action("C-1", "k", "clock_paused", at=T0 + 2 * DAY, reason="appraisal"), policy=policy
    )
    assert paused.clocks[0].status == "paused"
    again = apply_action(
        paused, action=action("C-1", "k", "clock_paused", at=T0 + 3 * DAY, reason="appraisal"), policy=policy
    )
    assert again == paused, "a redelivered pause changes nothing"
    resumed = apply_action(paused, action=action("C-1", "k", "clock_resumed", at=T0 + 6 * DAY), policy=policy)
    assert resumed.clocks[0].status == "running"
    # 15 days plus the 4 days of appraisal: Sat 17 Oct, a rest day → 24:00 on Mon 19 Oct
    assert resumed.clocks[0].due_at == datetime(2026, 10, 20, tzinfo=CST)
