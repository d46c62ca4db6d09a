"""The standard-route tier (domain §5, L1/L2/L3): points from the five dimensions, amount, vulnerability, complexity."""

from __future__ import annotations

from dataclasses import dataclass, field

from tousu_analysis.domain.amounts import stated_amounts
from tousu_analysis.domain.facts import Facts
from tousu_analysis.domain.rules import Rules
from tousu_shared.events import Dimensions, Evidence
from tousu_shared.events.analysis import CauseAssessment, TierAssessment

DIMENSIONS = ("subject", "substance", "environment", "process", "feedback")
MAX_EVIDENCE = 8


@dataclass
class _Points:
    """Contributions collected so far, each with its reason."""

    total: float = 0.0
    reasons: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    def add(self, points: float, reason: str, evidence: list[Evidence] | None = None) -> None:
        """Add a non-zero contribution with its reason."""
        if not points:
            return
        self.total += points
        self.reasons.append(f"{reason} ({points:+g})")
        self.evidence.extend(evidence or [])


def _five_dimensions(acc: _Points, dimensions: Dimensions, overall: int, rules: Rules) -> None:
    cfg = rules.tier
    scores = ", ".join(f"{name} {getattr(dimensions, name).score}" for name in DIMENSIONS)
    acc.add(round(overall * cfg.overall_share, 1), f"five dimensions: overall {overall} ({scores})")
    for name in DIMENSIONS:
        level = getattr(dimensions, name).level
        acc.add(cfg.dimension_levels.get(level, 0.0), f"{name} dimension {level}")


def _amount(acc: _Points, facts: Facts, rules: Rules) -> None:
    """The declared amount beyond what substance counts; without one, the largest amount the text states
    in a sentence about a loss or a sum owed back (亏, 扣, 没收到, 退还, 赔 ...: `stated_amount_cues`)."""
    amount = facts.complaint.amount_in_dispute
    if amount is not None:
        reached = [(limit, points) for limit, points in rules.tier.amount_steps if amount >= limit]
        if reached:
            limit, points = max(reached)
            acc.add(points, f"amount in dispute {amount:g} CNY ≥ {limit:g}")
        return
    view = facts.view
    cues = rules.tier_stated_amount_cues
    disputed = [
        a
        for a in stated_amounts(view.norm)
        if cues.search(view.norm, view.sentence_start(a.start), view.sentence_end(a.start))
    ]
    if not disputed:
        return
    stated = max(disputed, key=lambda a: a.value)
    reached = [(limit, points) for limit, points in rules.tier.stated_amount_steps if stated.value >= limit]
    if reached:
        limit, points = max(reached)
        text = facts.view.original[stated.start : stated.end]
        span = Evidence(kind="text", start=stated.start, end=stated.end, text=text)
        acc.add(points, f"amount stated in the text {stated.value:g} CNY ({text.strip()}) ≥ {limit:g}", [span])


def _signals(acc: _Points, facts: Facts, rules: Rules) -> None:
    for name, points in rules.tier.signals.items():
        if name in facts.signals:
            acc.add(points, f"signal {name}", facts.signals[name].evidence[:1])


def _cues(acc: _Points, facts: Facts, cause: CauseAssessment, rules: Rules) -> list[tuple[str, str]]:
    """Add the points of every tier cue found; return the floors those cues set."""
    floors = []
    for cue, pattern, also in rules.tier_cues:
        if cue.needs_signals and not set(cue.needs_signals) <= set(facts.signals):
            continue
        hit = pattern.search(facts.view.norm)
        if hit and (also is None or also.search(facts.view.norm)):
            text = facts.view.original[hit.start() : hit.end()]
            span = Evidence(kind="text", start=hit.start(), end=hit.end(), text=text)
            acc.add(cue.points, f"{cue.name}: {span.text}", [span])
            if cue.floor:
                floors.append((f"{cue.name} ({span.text})", cue.floor))
    for name, points in rules.tier.cause_cues.items():
        if name in cause.cues:
            acc.add(points, f"cause evidence {name}")
    return floors


def _same_matter(acc: _Points, facts: Facts, rules: Rules) -> None:
    cfg = rules.tier
    points = min(cfg.cap_same_matter, cfg.per_same_matter * len(facts.linked))
    acc.add(points, f"{len(facts.linked)} earlier same-matter complaints still being raised")


def _tier_of(points: float, floors: list[tuple[str, str]], rules: Rules) -> tuple[str, list[str]]:
    """The highest level whose threshold is reached, raised to any floor that applies."""
    levels = rules.tier.levels
    index = max(i for i, level in enumerate(levels) if points >= level.min_points)
    names = [level.tier for level in levels]
    notes = []
    for why, tier in floors:
        if names.index(tier) > index:
            index = names.index(tier)
            notes.append(f"floor {tier}: {why}")
        else:
            notes.append(f"floor {tier} (already reached): {why}")
    return names[index], notes


def assess_tier(
    *, facts: Facts, dimensions: Dimensions, overall: int, cause: CauseAssessment, rules: Rules
) -> TierAssessment:
    """The tier with every contribution as a reason (pure; escalation uses it for standard-route cases)."""
    acc = _Points()
    _five_dimensions(acc, dimensions, overall, rules)
    _amount(acc, facts, rules)
    _signals(acc, facts, rules)
    cue_floors = _cues(acc, facts, cause, rules)
    _same_matter(acc, facts, rules)
    floors = [(f"signal {s}", t) for s, t in rules.tier.floors.items() if s in facts.signals]
    floors += [(f"cause evidence {c}", t) for c, t in rules.tier.cause_floors.items() if c in cause.cues]
    floors += cue_floors
    floors += [
        (f"{m.name}: signal {' + '.join(m.signals)} with cause evidence {found[0]}", m.floor)
        for m in rules.tier.combinations
        if set(m.signals) <= set(facts.signals) and (found := [c for c in m.cause_cues if c in cause.cues])
    ]
    points = round(acc.total, 1)
    tier, notes = _tier_of(points, floors, rules)
    thresholds = ", ".join(f"{level.tier} ≥ {level.min_points:g}" for level in rules.tier.levels)
    reasons = [*acc.reasons, *notes, f"{tier}: {points:g} points ({thresholds})"]
    return TierAssessment(tier=tier, points=points, reasons=reasons, evidence=acc.evidence[:MAX_EVIDENCE])
