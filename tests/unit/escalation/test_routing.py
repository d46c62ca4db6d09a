"""Routing by precedence (domain §5): every route, its conflicts, flags, queues and targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import yaml

from tousu_escalation.domain.policy import PolicyError, load_policy, parse_policy
from tousu_escalation.domain.routing import RoutingContext, route
from tousu_shared.calendar import add_working_days
from tousu_shared.deadlines import regulatory_due_at
from tousu_shared.events import (
    ComplaintAnalyzed,
    ComplaintRouted,
    Dimensions,
    DimensionScore,
    Matter,
    RepeatRisk,
    Signal,
)
from tousu_shared.events.analysis import TierAssessment

pytestmark = pytest.mark.unit

NOW = datetime(2026, 9, 29, 10, 0, tzinfo=UTC)  # a Tuesday before the National Day holiday
POLICY = load_policy()


def analysis(*signals: str, band: str = "low", score: int = 10, complainants: int = 1) -> ComplaintAnalyzed:
    dim = DimensionScore(score=score, level="low")
    return ComplaintAnalyzed(
        complaint_id="C-1",
        customer_key="cust-a",
        channel="hotline",
        received_at=NOW,
        due_at=regulatory_due_at(started_at=NOW),
        complainant_count=complainants,
        dimensions=Dimensions(subject=dim, substance=dim, environment=dim, process=dim, feedback=dim),
        overall_score=score,
        signals=[Signal(name=s) for s in signals],
        repeat_risk=RepeatRisk(score={"low": 0.1, "medium": 0.5, "high": 0.8}[band], band=band),
        cause_category="其他",
        matter=Matter(product_line="banking", cause="其他"),
        severity="low",
        rules_version="t",
        analyzer_version="t",
        analyzed_at=NOW,
    )


def routed(a: ComplaintAnalyzed, **context: Any) -> Any:
    return route(analysis=a, context=RoutingContext(**context), policy=POLICY, now=NOW)


@pytest.mark.parametrize(
    ("signals", "expected", "queue"),
    [
        (("self_harm",), "safety", "crisis_team"),
        (("media_exposed",), "public_opinion", "opinion_desk"),
        (("petition",), "petition", "petition_office"),
        (("regulator_transfer",), "regulator", "regulatory_liaison"),
        (("legal_action",), "legal", "legal_compliance"),
        (("extortion_pattern",), "legal", "legal_compliance"),
        (("agent_involved",), "professional_agent", "agent_response"),
    ],
)
def test_each_signal_route_goes_to_its_queue(signals: tuple[str, ...], expected: str, queue: str) -> None:
    result = routed(analysis(*signals))
    assert (result.route, result.queue) == (expected, queue)


def test_self_harm_beats_everything_and_is_answered_within_an_hour() -> None:
    result = routed(analysis("self_harm", "media_exposed", "petition", "legal_action", band="high"))
    assert result.route == "safety"
    assert result.response_due_at == NOW + timedelta(hours=1)
    assert {"public_opinion", "petition", "legal", "entangled"} <= set(result.flags)


def test_regulator_transfer_with_media_exposure_is_public_opinion_with_regulator_flag() -> None:
    result = routed(analysis("regulator_transfer", "media_exposed"))
    assert (result.route, result.level) == ("public_opinion", "red")
    assert "regulator" in result.flags
    assert "regulator_transfer" in result.flags


def test_media_threat_with_high_emotion_is_orange_public_opinion() -> None:
    result = routed(analysis("media_threat", "high_emotion"))
    assert (result.route, result.level) == ("public_opinion", "orange")
    assert result.response_due_at == NOW + timedelta(hours=24)


def test_calm_media_threat_stays_standard_but_flagged() -> None:
    result = routed(analysis("media_threat"))
    assert result.route == "standard"
    assert "media_threat" in result.flags


def test_five_complainants_make_a_group_and_twenty_a_major_incident() -> None:
    assert routed(analysis(complainants=5)).route == "group"
    major = routed(analysis("regulator_transfer", complainants=48), incident_id="INC-1")
    assert (major.route, major.level, major.incident_id) == ("group", "major", "INC-1")
    assert {"major_incident", "regulator"} <= set(major.flags)


def test_cluster_of_five_customers_with_the_same_matter_is_a_group() -> None:
    assert routed(analysis(), cluster_customers_7d=4).route == "standard"
    assert routed(analysis(), cluster_customers_7d=5).route == "group"


def test_group_beats_petition_and_petition_beats_regulator() -> None:
    assert routed(analysis("petition", complainants=6)).route == "group"
    assert routed(analysis("petition", "regulator_transfer")).route == "petition"


def test_legal_beats_agent_and_agent_beats_entangled() -> None:
    assert routed(analysis("legal_action", "agent_involved")).route == "legal"
    assert routed(analysis("agent_involved", band="high")).route == "professional_agent"


def test_high_repeat_risk_is_entangled_and_medium_is_not() -> None:
    assert routed(analysis(band="high")).route == "entangled"
    assert routed(analysis(band="medium")).route == "standard"


@pytest.mark.parametrize(
    ("score", "tier", "queue"), [(5, "L1", "frontline"), (30, "L2", "specialist"), (70, "L3", "management")]
)
def test_standard_tier_follows_the_overall_score(score: int, tier: str, queue: str) -> None:
    result = routed(analysis(score=score))
    assert (result.route, result.tier, result.queue) == ("standard", tier, queue)


def test_standard_tier_is_the_analysis_tier_when_it_names_one() -> None:
    assessed = analysis(score=5).model_copy(
        update={"tier": TierAssessment(tier="L3", points=52, reasons=["signal vulnerable (+5)"])}
    )
    result = routed(assessed)
    assert (result.tier, result.queue) == ("L3", "management")
    assert any("analysis tier L3, 52 points" in r for r in result.reasons)


def test_an_unknown_analysis_tier_falls_back_to_the_overall_score() -> None:
    assessed = analysis(score=30).model_copy(update={"tier": TierAssessment(tier="L9", points=99)})
    assert routed(assessed).tier == "L2"


def test_reopen_hint_routes_one_tier_up_from_the_analysis_tier() -> None:
    assessed = analysis(score=5).model_copy(update={"tier": TierAssessment(tier="L2", points=21)})
    assert routed(assessed, min_tier="L3").tier == "L3"


def test_reopen_hint_routes_one_tier_up() -> None:
    result = routed(analysis(score=5), min_tier="L2", reroute_of="standard")
    assert (result.tier, result.reroute_of) == ("L2", "standard")


def test_working_day_target_skips_the_national_day_holiday() -> None:
    assert add_working_days(datetime(2026, 9, 30, 10, tzinfo=UTC), 1).date().isoformat() == "2026-10-08"
    # Saturday 10 October 2026 is an adjusted workday.
    assert add_working_days(datetime(2026, 10, 9, 10, tzinfo=UTC), 1).date().isoformat() == "2026-10-10"
    result = routed(analysis("regulator_transfer"))
    assert result.response_due_at == NOW + timedelta(days=1)


def test_routing_counts_working_days_in_china_time_by_default() -> None:
    # 17:00 UTC on Wed 30 Sep is 01:00 on Thu 1 Oct in China: the holiday has begun, so one working day
    # later is 01:00 on Thu 8 Oct China time (a count by the UTC date would say 17:00 UTC on 8 Oct).
    night = datetime(2026, 9, 30, 17, tzinfo=UTC)
    result = route(analysis=analysis("regulator_transfer"), context=RoutingContext(), policy=POLICY, now=night)
    assert result.response_due_at == datetime(2026, 10, 7, 17, tzinfo=UTC)


def test_reasons_name_the_route_and_its_evidence() -> None:
    result = routed(analysis("petition"))
    assert any("petition" in r and "signals petition" in r for r in result.reasons)


def test_routing_maps_onto_the_routed_event() -> None:
    result = routed(analysis("legal_action"))
    event = ComplaintRouted(complaint_id="C-1", customer_key="cust-a", **result.model_dump())
    assert event.route == "legal"


def test_policy_with_an_empty_condition_is_refused() -> None:
    data = yaml.safe_load(yaml.safe_dump(POLICY.model_dump(exclude_none=True)))
    data["routes"][0]["when"] = [{}]
    with pytest.raises(PolicyError, match="empty condition"):
        parse_policy(text=yaml.safe_dump(data))


def test_policy_with_two_targets_is_refused() -> None:
    data = yaml.safe_load(yaml.safe_dump(POLICY.model_dump(exclude_none=True)))
    data["routes"][0]["target"] = {"hours": 1, "working_days": 1}
    with pytest.raises(PolicyError, match="exactly one"):
        parse_policy(text=yaml.safe_dump(data))
