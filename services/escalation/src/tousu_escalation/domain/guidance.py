"""Method guidance chosen by the analysis and the routing (domain §9): each item with the reason that selected it."""

from __future__ import annotations

from dataclasses import dataclass

from tousu_escalation.domain.plan_rules import Condition, PlanRules
from tousu_escalation.domain.routing import Routing
from tousu_shared.events import ComplaintAnalyzed
from tousu_shared.events.plan import PlanGuidance


@dataclass(frozen=True)
class Facts:
    """What guidance conditions look at: the route, its level and flags, the confident profiles, the signals."""

    route: str
    level: str | None
    flags: frozenset[str]
    profiles: dict[str, float]
    signals: frozenset[str]


def facts_of(*, analysis: ComplaintAnalyzed, routing: Routing, rules: PlanRules) -> Facts:
    """The facts of one complaint; profile labels below the rules' minimum confidence do not count."""
    profiles: dict[str, float] = {}
    for label in analysis.profile:
        if label.confidence >= rules.min_profile_confidence:
            profiles[label.label] = max(label.confidence, profiles.get(label.label, 0.0))
    return Facts(
        route=routing.route,
        level=routing.level,
        flags=frozenset(routing.flags),
        profiles=profiles,
        signals=frozenset(s.name for s in analysis.signals),
    )


def _explain(condition: Condition, facts: Facts) -> str | None:
    """Why the condition holds, or None when it does not."""
    if condition.always:
        return "every complaint"
    parts: list[str] = []
    checks: list[tuple[list[str], set[str] | frozenset[str] | dict[str, float], str]] = [
        (condition.routes, {facts.route}, "route"),
        (condition.levels, {facts.level} if facts.level else set(), "route level"),
        (condition.flags, facts.flags, "flag"),
        (condition.profiles, facts.profiles, "profile"),
        (condition.signals, facts.signals, "signal"),
    ]
    for wanted, present, what in checks:
        if not wanted:
            continue
        hits = [w for w in wanted if w in present]
        if not hits:
            return None
        parts += [_named(what, hit, facts) for hit in hits]
    return "; ".join(parts)


def _named(what: str, name: str, facts: Facts) -> str:
    return f"profile {name} ({facts.profiles[name]:.2f})" if what == "profile" else f"{what} {name}"


def choose_guidance(*, facts: Facts, rules: PlanRules) -> list[PlanGuidance]:
    """Every guidance item whose `when` holds, in the rules' order, each with its reasons."""
    chosen: list[PlanGuidance] = []
    for item in rules.guidance:
        reasons = [r for c in item.when if (r := _explain(c, facts)) is not None]
        if reasons:
            chosen.append(
                PlanGuidance(id=item.id, kind=item.kind, text=item.text, reason=" · ".join(dict.fromkeys(reasons)))
            )
    return chosen
