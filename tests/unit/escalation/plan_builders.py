"""Builders of routed cases for the handling-plan tests: real routing policy, real clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.unit.escalation.escalation_builders import action, analyzed
from tousu_escalation.domain.case import Case, apply_action, cycle_clocks
from tousu_escalation.domain.clock_policy import load_clock_policy
from tousu_escalation.domain.plan_rules import load_plan_rules
from tousu_escalation.domain.planning import new_cycle_plan
from tousu_escalation.domain.policy import load_policy
from tousu_escalation.domain.routing import RoutingContext, route
from tousu_shared.events import ComplaintActionRecorded, ComplaintAnalyzed, ProfileLabel

RECEIVED = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)  # Monday 09:30 in Beijing, no holiday near
ROUTED = RECEIVED + timedelta(minutes=5)
POLICY = load_policy()
CLOCKS = load_clock_policy()
RULES = load_plan_rules()


def analysis_with(
    *signals: str, profiles: dict[str, float] | None = None, band: str = "low", complainants: int = 1, **extra: Any
) -> ComplaintAnalyzed:
    """An analysis with these signals and profile labels (label → confidence)."""
    base = analyzed("C-1", "cust-1", received_at=RECEIVED, signals=signals, repeat_band=band, **extra)
    labels = [ProfileLabel(label=k, confidence=v) for k, v in (profiles or {"rational": 0.8}).items()]
    return base.model_copy(update={"profile": labels, "complainant_count": complainants})


def routed_case(analysis: ComplaintAnalyzed | None = None, *, customers_7d: int = 1) -> Case:
    """A case routed by the packaged policy at ROUTED, its cycle clocks started, its plan made."""
    a = analysis or analysis_with()
    routing = route(analysis=a, context=RoutingContext(cluster_customers_7d=customers_7d), policy=POLICY, now=ROUTED)
    clocks = cycle_clocks(started_at=a.received_at, routing=routing, policy=POLICY, clock_policy=CLOCKS)
    case = Case(
        complaint_id=a.complaint_id,
        customer_key=a.customer_key,
        analysis=a,
        routing=routing,
        clocks=clocks,
        received_at=a.received_at,
    )
    return case.model_copy(update={"plan": new_cycle_plan(case, rules=RULES, now=ROUTED)})


def act(kind: str, *, at: datetime, **extra: Any) -> ComplaintActionRecorded:
    """A handler action on C-1."""
    return action("C-1", "cust-1", kind, at=at, **extra)


def with_clock_effect(case: Case, a: ComplaintActionRecorded) -> Case:
    """The case after the action's effect on the clocks (what lifecycle applies before the plan)."""
    return apply_action(case, action=a, policy=CLOCKS)
