"""Incident clustering: distinct customers, same matter, thresholds, growth, and the incident's queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.escalation.escalation_builders import analyzed
from tousu_escalation.domain import incidents as inc
from tousu_escalation.domain.policy import Policy, load_policy
from tousu_escalation.domain.routing import Routing
from tousu_shared.events.analysis import Matter

pytestmark = pytest.mark.unit
T0 = datetime(2026, 11, 2, 2, tzinfo=UTC)
RULES = inc.IncidentRules()
MATTER = "m:banking|信用卡|fees"


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def neighbours(customers: list[str], key: str = MATTER) -> list[inc.Neighbour]:
    return [
        inc.Neighbour(complaint_id=f"C-{i}", customer_key=c, keys=[key], received_at=T0 - timedelta(days=i))
        for i, c in enumerate(customers)
    ]


def routing(route: str = "standard", queue: str = "frontline") -> Routing:
    return Routing(route=route, tier="L1", queue=queue, response_due_at=T0, policy_version="t", routed_at=T0)


def view(customers: int = 5, major: bool = False) -> inc.IncidentView:
    return inc.IncidentView(
        incident_id="INC-1",
        kind="group",
        queue="group_taskforce",
        key=MATTER,
        customers=[f"k{i}" for i in range(customers)],
        complaint_ids=[f"C-{i}" for i in range(customers)],
        major=major,
        opening_count=5,
        opened_at=T0,
    )


def test_cluster_keys_are_product_type_and_cause_plus_signature_bands() -> None:
    matter = Matter(product_line="banking", product_type="信用卡", cause="fees", signature=["ab", "cd"])
    assert inc.cluster_keys(matter) == [MATTER, "s:ab", "s:cd"]
    assert inc.cluster_keys(Matter(product_line="banking", cause="fees")) == []


def test_a_customer_complaining_many_times_is_one_customer_of_the_cluster() -> None:
    cluster = inc.biggest_cluster(
        keys=[MATTER],
        customer_key="k1",
        complaint_id="C-new",
        received_at=T0,
        neighbours=neighbours(["k1", "k2", "k2", "k3"]),
    )
    assert cluster.customers == 3
    assert cluster.key == MATTER
    assert "C-new" in cluster.complaint_ids


def test_five_distinct_customers_open_a_group_incident_four_do_not() -> None:
    four = inc.biggest_cluster(
        keys=[MATTER], customer_key="k4", complaint_id="C-x", received_at=T0, neighbours=neighbours(["k1", "k2", "k3"])
    )
    five = inc.biggest_cluster(
        keys=[MATTER],
        customer_key="k5",
        complaint_id="C-y",
        received_at=T0,
        neighbours=neighbours(["k1", "k2", "k3", "k4"]),
    )
    assert inc.incident_kind(routing=routing(), cluster=four, rules=RULES) is None
    assert inc.incident_kind(routing=routing(), cluster=five, rules=RULES) == "group"
    assert inc.incident_kind(routing=routing("public_opinion", "opinion_desk"), cluster=four, rules=RULES) == (
        "public_opinion"
    )


def test_the_twentieth_customer_makes_the_incident_major_once() -> None:
    assert inc.becomes_major(before=19, after=20, rules=RULES)
    assert not inc.becomes_major(before=20, after=21, rules=RULES)
    assert not inc.becomes_major(before=18, after=19, rules=RULES)


def test_growth_is_members_per_day_since_opening() -> None:
    assert inc.growth_per_day(members=11, opening_count=5, opened_at=T0, now=T0 + timedelta(days=3)) == 2.0
    assert inc.growth_per_day(members=7, opening_count=5, opened_at=T0, now=T0 + timedelta(hours=2)) == 2.0


def test_incident_ids_are_stable_for_a_redelivered_founder() -> None:
    assert inc.incident_id(key=MATTER, founder="C-5") == inc.incident_id(key=MATTER, founder="C-5")
    assert inc.incident_id(key=MATTER, founder="C-5") != inc.incident_id(key=MATTER, founder="C-6")


def test_a_member_is_rerouted_to_the_incident_queue(policy: Policy) -> None:
    moved = inc.join_routing(routing=routing(), incident=view(), policy=policy, now=T0, reroute=True)
    assert (moved.route, moved.queue, moved.incident_id, moved.reroute_of) == (
        "group",
        "group_taskforce",
        "INC-1",
        "standard",
    )
    assert "standard" in moved.flags


def test_safety_outranks_the_incident_queue(policy: Policy) -> None:
    kept = inc.join_routing(routing=routing("safety", "crisis_team"), incident=view(), policy=policy, now=T0)
    assert (kept.queue, kept.incident_id) == ("crisis_team", "INC-1")


def test_the_window_is_seven_days_and_late_arrivals_count() -> None:
    spread = [
        inc.Neighbour(complaint_id=f"C-{i}", customer_key=f"k{i}", keys=[MATTER], received_at=T0 + timedelta(days=d))
        for i, d in enumerate([-8, -3, 2, 4])  # -8 is outside any 7-day window holding T0 and +4
    ]
    cluster = inc.biggest_cluster(
        keys=[MATTER], customer_key="k9", complaint_id="C-9", received_at=T0, neighbours=spread
    )
    assert cluster.customers == 4
    assert cluster.complaint_ids == ["C-1", "C-2", "C-3", "C-9"]


def opinion(latest: datetime = T0) -> inc.IncidentView:
    return view(customers=1).model_copy(
        update={"incident_id": "INC-PO", "kind": "public_opinion", "queue": "opinion_desk", "last_member_at": latest}
    )


def decide(incidents: list[inc.IncidentView], route: str, *, at: datetime, customers: int = 1) -> inc.Decision:
    cluster = inc.Cluster(key=MATTER, customers=customers)
    return inc.decide(
        incidents=incidents, routing=routing(route), cluster=cluster, keys=[MATTER, "s:ab"], received_at=at, rules=RULES
    )


def test_a_plain_complaint_does_not_join_a_public_opinion_incident_of_its_matter() -> None:
    later = T0 + timedelta(days=1)
    assert not inc.joins(opinion(), route="standard", keys=[MATTER], received_at=later, rules=RULES)
    assert decide([opinion()], "standard", at=later) == inc.Decision()


def test_a_public_opinion_complaint_joins_the_public_opinion_incident_of_its_matter_in_the_window() -> None:
    assert decide([opinion()], "public_opinion", at=T0 + timedelta(days=6)).join == opinion()
    assert not inc.joins(
        opinion(), route="public_opinion", keys=["m:banking|信用卡|other"], received_at=T0, rules=RULES
    )


def test_a_stale_incident_takes_no_member_and_is_closed() -> None:
    wave = view().model_copy(update={"last_member_at": T0})
    late = T0 + RULES.window + timedelta(minutes=1)
    assert inc.is_stale(wave, at=late, rules=RULES)
    assert not inc.joins(wave, route="group", keys=[MATTER], received_at=late, rules=RULES)
    decision = decide([wave, opinion()], "public_opinion", at=late)
    assert decision.join is None
    assert decision.open == "public_opinion"  # opens a fresh one instead
    assert decision.close == [wave, opinion()]


def test_a_group_wave_member_joins_and_moves_the_window() -> None:
    wave = view().model_copy(update={"last_member_at": T0})
    at = T0 + timedelta(days=6)
    decision = decide([wave], "standard", at=at)
    assert decision.join == wave and decision.close == []
    member = analyzed("C-new", "k-new", received_at=at)
    bigger = inc.grown(wave, analysis=member, rules=RULES)
    assert (len(bigger.customers), bigger.complaint_ids[-1], bigger.latest_at) == (6, "C-new", at)
    # the window slides with the wave: 6 days after this member it still joins, 13 days after the opening
    assert inc.joins(bigger, route="standard", keys=[MATTER], received_at=at + timedelta(days=6), rules=RULES)


def test_a_wave_and_a_public_opinion_incident_coexist_each_complaint_picks_its_own() -> None:
    wave = view().model_copy(update={"last_member_at": T0})
    at = T0 + timedelta(hours=3)
    assert decide([opinion(), wave], "public_opinion", at=at).join == opinion()
    assert decide([opinion(), wave], "standard", at=at).join == wave
    assert inc.incident_to_join([opinion(), wave], route=None, keys=[MATTER], received_at=at, rules=RULES) == wave


def test_routing_counts_the_wave_a_complaint_joins() -> None:
    wave = view(customers=7)
    single = inc.Cluster(key=MATTER, customers=2)
    assert inc.cluster_customers(cluster=single, wave=wave, customer_key="k-new") == 8
    assert inc.cluster_customers(cluster=single, wave=None, customer_key="k-new") == 2
