"""Pure routing (分流, domain §5): one primary route by precedence, every applicable flag, queue, target."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from tousu_escalation.domain.policy import Condition, Policy, RouteRule, Target
from tousu_shared.calendar import add_working_days
from tousu_shared.events import ComplaintAnalyzed

AddWorkingDays = Callable[[datetime, int], datetime]


class RoutingContext(BaseModel):
    """Facts the escalation service knows beyond the analysis: clusters, incidents, re-routes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cluster_customers_7d: int = Field(
        default=1, ge=1, description="Distinct customers (this one included) with the same matter in 7 days."
    )
    incident_id: str | None = Field(default=None, description="Incident the complaint joins, if any.")
    min_tier: str | None = Field(default=None, description="Tier floor for a re-route (one tier up on reopen).")
    reroute_of: str | None = Field(default=None, description="Previous route when this is a re-route.")


class Routing(BaseModel):
    """The routing decision; fields map 1:1 onto `ComplaintRouted` (plus ids and cycle)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    route: str
    tier: str | None = None
    level: str | None = None
    queue: str
    flags: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)
    response_due_at: datetime
    incident_id: str | None = None
    reroute_of: str | None = None
    policy_version: str
    routed_at: datetime


def head_count(analysis: ComplaintAnalyzed) -> int:
    """People in the complaint: the channel's count, or more when the text of a collective complaint says so."""
    return max(analysis.complainant_count, analysis.participants_estimate or 0)


def _holds(condition: Condition, analysis: ComplaintAnalyzed, context: RoutingContext) -> bool:
    signals = {s.name for s in analysis.signals}
    checks = [
        not condition.signals_any or bool(signals & set(condition.signals_any)),
        set(condition.signals_all) <= signals,
        not condition.repeat_bands or analysis.repeat_risk.band in condition.repeat_bands,
        condition.min_complainants is None or head_count(analysis) >= condition.min_complainants,
        condition.min_cluster_customers is None or context.cluster_customers_7d >= condition.min_cluster_customers,
    ]
    return all(checks)


def _explain(condition: Condition, analysis: ComplaintAnalyzed, context: RoutingContext) -> str:
    parts = []
    signals = {s.name for s in analysis.signals}
    named = sorted(signals & set(condition.signals_any + condition.signals_all))
    if named:
        parts.append("signals " + ", ".join(named))
    if condition.repeat_bands:
        parts.append(f"repeat risk {analysis.repeat_risk.band} ({analysis.repeat_risk.score:.2f})")
    if condition.min_complainants is not None:
        parts.append(f"{head_count(analysis)} complainants ≥ {condition.min_complainants}")
    if condition.min_cluster_customers is not None:
        parts.append(
            f"{context.cluster_customers_7d} customers, same matter, 7 days ≥ {condition.min_cluster_customers}"
        )
    return "; ".join(parts)


def match_rule(
    rule: RouteRule, analysis: ComplaintAnalyzed, context: RoutingContext
) -> tuple[str | None, Target, str] | None:
    """(level, target, reason) when the route applies, else None."""
    for level in rule.levels:
        for condition in level.when:
            if _holds(condition, analysis, context):
                return level.level, level.target, _explain(condition, analysis, context)
    for condition in rule.when:
        if _holds(condition, analysis, context) and rule.target is not None:
            return None, rule.target, _explain(condition, analysis, context)
    return None


def standard_tier(
    *, score: int, policy: Policy, min_tier: str | None = None, assessed: str | None = None
) -> tuple[str, str]:
    """(tier, queue): the analysis' tier when the policy knows it, else by overall score; never below `min_tier`."""
    tiers = policy.standard.tiers
    names = [t.tier for t in tiers]
    by_score = max(i for i, t in enumerate(tiers) if score >= t.min_score)
    index = names.index(assessed) if assessed in names else by_score
    if min_tier in names:
        index = max(index, names.index(min_tier))
    return tiers[index].tier, tiers[index].queue


def due_at(target: Target, *, now: datetime, add_days: AddWorkingDays) -> datetime:
    """When the response target falls due."""
    if target.hours is not None:
        return now + timedelta(hours=target.hours)
    return add_days(now, target.working_days or 1)


def _flags(
    primary: str, applied: list[tuple[str, str | None]], analysis: ComplaintAnalyzed, policy: Policy
) -> list[str]:
    flags = [name for name, _ in applied if name != primary]
    if any(level == "major" for _, level in applied):
        flags.append(policy.major_flag)
    flags += sorted({s.name for s in analysis.signals} - set(flags))
    return flags


def route(
    *,
    analysis: ComplaintAnalyzed,
    context: RoutingContext,
    policy: Policy,
    now: datetime,
    add_days: AddWorkingDays = add_working_days,
) -> Routing:
    """Primary route by precedence, with every other applicable route and signal kept as flags."""
    applied: list[tuple[str, str | None]] = []
    chosen: tuple[RouteRule, str | None, Target] | None = None
    reasons: list[str] = []
    for rule in policy.routes:
        hit = match_rule(rule, analysis, context)
        if hit is None:
            continue
        level, target, reason = hit
        applied.append((rule.name, level))
        reasons.append(f"{rule.name}{f' ({level})' if level else ''}: {reason}")
        chosen = chosen or (rule, level, target)
    if chosen is None:
        return _standard(analysis, context, policy, now, add_days, reasons)
    rule, level, target = chosen
    reasons.append(f"queue {rule.queue}, first response within {target.describe()}")
    return Routing(
        route=rule.name,
        tier=context.min_tier,
        level=level,
        queue=rule.queue,
        flags=_flags(rule.name, applied, analysis, policy),
        reasons=reasons,
        response_due_at=due_at(target, now=now, add_days=add_days),
        incident_id=context.incident_id,
        reroute_of=context.reroute_of,
        policy_version=policy.version,
        routed_at=now,
    )


def _standard(
    analysis: ComplaintAnalyzed,
    context: RoutingContext,
    policy: Policy,
    now: datetime,
    add_days: AddWorkingDays,
    reasons: list[str],
) -> Routing:
    assessed = analysis.tier.tier if analysis.tier else None
    tier, queue = standard_tier(
        score=analysis.overall_score, policy=policy, min_tier=context.min_tier, assessed=assessed
    )
    target = policy.standard.target
    basis = (
        f"analysis tier {assessed}, {analysis.tier.points:g} points"
        if analysis.tier and assessed == tier
        else f"overall score {analysis.overall_score}"
    )
    reasons = [
        *reasons,
        f"standard {tier}: {basis}",
        f"queue {queue}, first response within {target.describe()}",
    ]
    return Routing(
        route=policy.standard.name,
        tier=tier,
        queue=queue,
        flags=sorted({s.name for s in analysis.signals}),
        reasons=reasons,
        response_due_at=due_at(target, now=now, add_days=add_days),
        incident_id=context.incident_id,
        reroute_of=context.reroute_of,
        policy_version=policy.version,
        routed_at=now,
    )
