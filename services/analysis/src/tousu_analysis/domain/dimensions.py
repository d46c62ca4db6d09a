"""The five-dimension case analysis (五维度, domain §2): scores 0–100 with level, signals, reasons, evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tousu_analysis.domain.facts import Facts
from tousu_analysis.domain.rules import Rules, Thresholds
from tousu_shared.events import Dimensions, DimensionScore, Evidence
from tousu_shared.events.base import Level


@dataclass
class _Tally:
    """Points collected for one dimension."""

    points: float = 0.0
    signals: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def add(self, points: float, reason: str, evidence: list[Evidence] | None = None) -> None:
        """Add points with a reason (zero points are ignored)."""
        if points <= 0:
            return
        self.points += points
        self.reasons.append(f"{reason} (+{points:g})")
        self.evidence.extend(evidence or [])


def level_of(score: int, thresholds: Thresholds) -> Level:
    """low / medium / high / critical from the rules thresholds."""
    if score >= thresholds.critical:
        return "critical"
    if score >= thresholds.high:
        return "high"
    return "medium" if score >= thresholds.medium else "low"


def _finish(tally: _Tally, rules: Rules) -> DimensionScore:
    score = max(0, min(100, round(tally.points)))
    return DimensionScore(
        score=score,
        level=level_of(score, rules.dimensions.levels),
        signals=tally.signals,
        reasons=tally.reasons,
        evidence=tally.evidence[:8],
    )


def _signal_points(tally: _Tally, facts: Facts, table: dict[str, Any]) -> None:
    for name, points in table.get("signals", {}).items():
        if name in facts.signals:
            tally.signals.append(name)
            tally.add(float(points), f"signal {name}", facts.signals[name].evidence[:2])


def subject(facts: Facts, rules: Rules) -> DimensionScore:
    """投诉主体: who complains, in what state, with what motive."""
    cfg, tally = rules.dimensions.subject, _Tally()
    _signal_points(tally, facts, cfg)
    rep = facts.complaint.representative
    kind = rep.kind if rep else "self"
    tally.add(float(cfg["representation"].get(kind, 0)), f"represented by {kind}")
    tally.add(round(cfg["emotion_intensity"] * facts.emotion, 1), f"emotion intensity {facts.emotion:.2f}")
    tally.add(round(cfg["repeat_risk"] * facts.repeat.score, 1), f"repeat risk {facts.repeat.score:.2f}")
    return _finish(tally, rules)


def _amount_points(amount: float | None, steps: list[list[float]]) -> float:
    if amount is None:
        return 0.0
    return max((float(points) for limit, points in steps if amount >= limit), default=0.0)


def substance(facts: Facts, rules: Rules) -> DimensionScore:
    """投诉内容: the dispute, its amount, demands and the basis cited."""
    cfg, tally = rules.dimensions.substance, _Tally()
    _signal_points(tally, facts, cfg)
    amount = facts.complaint.amount_in_dispute
    tally.add(_amount_points(amount, cfg["amount_steps"]), f"amount in dispute {amount or 0:g} CNY")
    if facts.demand_types:
        name = max(facts.demand_types, key=lambda d: rules.demands[d].points)
        tally.add(float(rules.demands[name].points), f"demand: {name}", [facts.demand_types[name]])
    if facts.legal_basis:
        tally.add(float(cfg["legal_basis"]), "legal or contractual basis cited", facts.legal_basis[:2])
    tally.add(float(cfg["causes"].get(facts.cause, 0)), f"cause {facts.cause}")
    return _finish(tally, rules)


def environment(facts: Facts, rules: Rules) -> DimensionScore:
    """投诉环境: regulator, media, collective action, litigation, petition, clusters."""
    cfg, tally = rules.dimensions.environment, _Tally()
    _signal_points(tally, facts, cfg)
    others = facts.similar.near_identical_customers + facts.similar.matter_customers_7d
    tally.add(min(cfg["cap_similar"], cfg["per_similar_customer"] * others), f"{others} similar complaints of others")
    people = facts.complaint.complainant_count - 1
    tally.add(min(30, cfg["per_complainant"] * people), f"{people + 1} complainants")
    return _finish(tally, rules)


def process(facts: Facts, rules: Rules) -> DimensionScore:
    """处理过程: prior contacts, same-matter decisions, deadline elapsed, handling delays."""
    cfg, tally = rules.dimensions.process, _Tally()
    tally.add(min(40, cfg["per_prior_contact"] * facts.prior_count), f"{facts.prior_count} earlier complaints")
    history = [Evidence(kind="history", fact=f"earlier same-matter complaint {i.complaint_id}") for i in facts.linked]
    tally.add(cfg["per_same_matter"] * len(facts.linked), f"{len(facts.linked)} same-matter", history[:3])
    total = (facts.complaint.due_at - facts.complaint.received_at).total_seconds()
    elapsed = (facts.now - facts.complaint.received_at).total_seconds()
    share = max(0.0, min(1.0, elapsed / total)) if total > 0 else 0.0
    tally.add(round(cfg["deadline_elapsed"] * share, 1), f"{share:.0%} of the deadline elapsed")
    delays = len(facts.delay_cues)
    tally.add(min(cfg["cap_delay_cues"], cfg["per_delay_cue"] * delays), "handling delays described", facts.delay_cues)
    return _finish(tally, rules)


def feedback(facts: Facts, rules: Rules) -> DimensionScore:
    """反馈改进: earlier satisfaction, reopens, refused decisions, unremediated causes, systemic clusters."""
    cfg, tally = rules.dimensions.feedback, _Tally()
    linked = facts.linked
    unsatisfied = sum(i.unsatisfied_followups for i in linked)
    tally.add(cfg["per_unsatisfied"] * unsatisfied, f"{unsatisfied} unsatisfied follow-ups")
    reopens = sum(i.reopens for i in linked)
    tally.add(cfg["per_reopen"] * reopens, f"{reopens} reopens")
    refused = sum(i.decisions_not_accepted for i in linked)
    tally.add(cfg["per_decision_not_accepted"] * refused, f"{refused} decisions not accepted")
    unremediated = sum(1 for i in linked if i.remediated is False)
    tally.add(cfg["unremediated"] * unremediated, f"{unremediated} root causes not remediated")
    cluster = facts.similar.matter_customers_7d + facts.similar.near_identical_customers
    tally.add(min(cfg["cap_similar"], cfg["per_similar_customer"] * cluster), f"systemic: {cluster} other customers")
    return _finish(tally, rules)


def score_dimensions(facts: Facts, rules: Rules) -> Dimensions:
    """All five dimensions."""
    return Dimensions(
        subject=subject(facts, rules),
        substance=substance(facts, rules),
        environment=environment(facts, rules),
        process=process(facts, rules),
        feedback=feedback(facts, rules),
    )


def overall_score(dimensions: Dimensions, *, signals: set[str], rules: Rules) -> int:
    """Blend of the worst dimension and the weighted mean, raised to any signal's floor."""
    weights = rules.dimensions.overall_weights
    scores: dict[str, int] = {name: getattr(dimensions, name).score for name in weights}
    mean = sum(scores[name] * weight for name, weight in weights.items())
    share = rules.dimensions.overall_max_share
    total = share * max(scores.values(), default=0) + (1 - share) * mean
    floors = [f for name, f in rules.dimensions.overall_floors.items() if name in signals]
    return max(0, min(100, round(max([total, *floors]))))
