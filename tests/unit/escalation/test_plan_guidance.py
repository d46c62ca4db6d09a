"""Method guidance (domain §9) chosen by the analysis and the route, each item with the reason that selected it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.escalation.plan_builders import analysis_with, routed_case
from tousu_shared.events import HandlingPlan, PlanGuidance

pytestmark = pytest.mark.unit
GENERAL_TABOOS = {
    "taboo.shirking",
    "taboo.overpromising",
    "taboo.arguing",
    "taboo.personal_data",
    "taboo.answer_before_investigation",
}
CORE_FOUR = [
    "method.entangled.one_owner",
    "method.entangled.review_history",
    "method.entangled.final_offer",
    "method.entangled.external_resolution",
]
AGENT_PROTOCOL = [
    "method.agent.verify_authorisation",
    "method.agent.reach_customer",
    "method.agent.same_standard",
    "method.agent.never_auto_reject",
]


def plan_of(*signals: str, **kwargs: Any) -> HandlingPlan:
    case = routed_case(analysis_with(*signals, **kwargs))
    assert case.plan is not None
    return case.plan


def guidance(*signals: str, **kwargs: Any) -> dict[str, PlanGuidance]:
    return {g.id: g for g in plan_of(*signals, **kwargs).guidance}


@pytest.mark.parametrize(
    ("profile", "says"),
    [
        ("rational", "条款"),
        ("emotional", "积极倾听"),
        ("compensation_seeking", "心理极限值"),
        ("entangled", "核心四法"),
        ("agent_driven", "授权委托书"),
        ("group_member", "统一口径"),
        ("vulnerable", "适老化"),
    ],
)
def test_each_profile_gets_its_negotiation_approach_with_the_confidence_as_reason(profile: str, says: str) -> None:
    found = guidance(profiles={profile: 0.8})
    approaches = [g for g in found.values() if g.kind == "approach"]
    assert [g.id for g in approaches] == [f"approach.{profile}"]
    assert says in approaches[0].text
    assert approaches[0].reason == f"profile {profile} (0.80)"


def test_a_profile_below_the_minimum_confidence_selects_nothing() -> None:
    found = guidance(profiles={"rational": 0.7, "entangled": 0.45})
    assert "approach.entangled" not in found and not set(CORE_FOUR) & set(found)
    assert plan_of(profiles={"rational": 0.7, "entangled": 0.45}).profiles == ["rational"]


def test_a_multi_label_profile_gets_every_approach_and_lists_labels_by_confidence() -> None:
    plan = plan_of(profiles={"emotional": 0.6, "vulnerable": 0.9})
    assert plan.profiles == ["vulnerable", "emotional"]
    assert {g.id for g in plan.guidance if g.kind == "approach"} == {"approach.emotional", "approach.vulnerable"}


def test_every_complaint_carries_the_general_taboos() -> None:
    found = guidance()
    assert set(found) >= GENERAL_TABOOS
    assert all(found[t].reason == "every complaint" for t in GENERAL_TABOOS)
    assert "taboo.deleting_posts" not in found and "taboo.paying_under_threat" not in found


def test_an_entangled_complaint_gets_the_core_four_methods_in_order_and_the_pressure_taboo() -> None:
    plan = plan_of(band="high", profiles={"entangled": 0.85})
    assert plan.route == "entangled" and plan.queue == "senior_specialists"
    methods = [g for g in plan.guidance if g.kind == "method"]
    assert [g.id for g in methods] == CORE_FOUR
    assert methods[0].reason == "profile entangled (0.85) · route entangled"
    assert "taboo.paying_under_pressure" in {g.id for g in plan.guidance}


def test_the_professional_agent_route_gets_the_agent_protocol_and_its_taboos() -> None:
    found = guidance("agent_involved", profiles={"agent_driven": 0.9})
    assert [i for i in found if i.startswith("method.agent.")] == AGENT_PROTOCOL
    assert found["method.agent.never_auto_reject"].reason == "route professional_agent"
    assert found["taboo.refusing_agent"].reason == "route professional_agent · profile agent_driven (0.90)"
    assert "taboo.side_payments" in found


@pytest.mark.parametrize(
    ("signals", "kwargs", "route"),
    [
        (("media_exposed",), {}, "public_opinion"),
        ((), {"complainants": 6}, "group"),
        (("petition",), {}, "petition"),
    ],
)
def test_incident_routes_get_one_owner_and_one_statement(
    signals: tuple[str, ...], kwargs: dict[str, int], route: str
) -> None:
    plan = plan_of(*signals, **kwargs)
    assert plan.route == route
    found = {g.id: g for g in plan.guidance}
    assert found["communication.one_owner"].reason == f"route {route}"
    assert "communication.one_statement" in found
    assert "communication.regulator_notice" not in found, "not a major incident"
    assert "taboo.several_spokespeople" in found


def test_a_standard_complaint_gets_no_incident_communication() -> None:
    assert not [g for g in guidance().values() if g.kind == "communication"]


def test_a_major_incident_adds_the_regulator_notice() -> None:
    found = guidance(complainants=25)
    assert found["communication.regulator_notice"].reason == "route level major · flag major_incident"
    wave = guidance(complainants=6)
    assert "communication.regulator_notice" not in wave


def test_public_opinion_forbids_deleting_posts() -> None:
    found = guidance("media_exposed")
    assert found["taboo.deleting_posts"].reason == "route public_opinion · signal media_exposed"


def test_an_extortion_pattern_goes_to_legal_review_and_is_never_paid_under_threat() -> None:
    found = guidance("extortion_pattern", profiles={"compensation_seeking": 0.9})
    assert found["method.legal_review"].reason == "signal extortion_pattern"
    assert found["taboo.paying_under_threat"].reason == "signal extortion_pattern"
    assert "approach.compensation_seeking" in found


def test_a_loud_dispute_without_the_extortion_signal_gets_no_legal_review() -> None:
    found = guidance("media_threat", "high_emotion", profiles={"emotional": 0.8})
    assert "method.legal_review" not in found and "taboo.paying_under_threat" not in found


def test_a_safety_complaint_gets_urgent_human_contact_first() -> None:
    plan = plan_of("self_harm", profiles={"emotional": 0.8})
    assert plan.route == "safety"
    methods = [g for g in plan.guidance if g.kind == "method"]
    assert methods[0].id == "method.safety_contact"
    assert methods[0].reason == "route safety · signal self_harm"
