"""The multi-label complainant profile (投诉人画像, domain §3) from data-driven rules."""

from __future__ import annotations

from tousu_analysis.domain.facts import Facts
from tousu_analysis.domain.rules import ProfileCondition, Rules
from tousu_shared.events import ProfileLabel


def _holds(condition: ProfileCondition, facts: Facts, rules: Rules, index: int) -> bool:
    checks = [
        not condition.signals_any or bool(set(condition.signals_any) & facts.signals.keys()),
        not condition.repeat_bands or facts.repeat.band in condition.repeat_bands,
        not condition.demands_any or bool(set(condition.demands_any) & facts.demand_types.keys()),
        condition.min_emotion is None or facts.emotion >= condition.min_emotion,
        condition.min_complainants is None or facts.complaint.complainant_count >= condition.min_complainants,
        condition.min_matter_customers is None
        or facts.similar.matter_customers_7d + 1 >= condition.min_matter_customers,
        not condition.text_patterns or _text_hit(facts, rules, index),
    ]
    return all(checks)


def _text_hit(facts: Facts, rules: Rules, index: int) -> bool:
    return rules.pattern(f"profile:{index}").search(facts.view.norm) is not None


def build_profile(facts: Facts, rules: Rules) -> list[ProfileLabel]:
    """Every label with its best confidence and reasons; `rational` fills what the others leave."""
    best: dict[str, tuple[float, list[str]]] = {}
    for index, rule in enumerate(rules.profile.rules):
        if not _holds(rule.when, facts, rules, index):
            continue
        confidence, reasons = best.get(rule.label, (0.0, []))
        reason = _describe(rule.when)
        best[rule.label] = (max(confidence, rule.confidence), [*reasons, reason])
    rational = rules.profile.rational
    competing = max((best[label][0] for label in rational.reduced_by if label in best), default=0.0)
    confidence = max(rational.floor, round(rational.base - competing, 3))
    best["rational"] = (confidence, ["wants the problem fixed unless other motives show"])
    labels = [ProfileLabel(label=k, confidence=v[0], reasons=v[1]) for k, v in best.items()]
    return sorted(labels, key=lambda p: (-p.confidence, p.label))


def _describe(condition: ProfileCondition) -> str:
    parts = [f"{k}={v}" for k, v in condition.model_dump(exclude_defaults=True).items()]
    return ", ".join(parts) or "always"


def primary_label(profile: list[ProfileLabel], rules: Rules) -> str:
    """The label reports show first: the first in `primary_order` above the minimum confidence."""
    confidences = {p.label: p.confidence for p in profile}
    for label in rules.profile.primary_order:
        if confidences.get(label, 0.0) >= rules.profile.primary_min:
            return label
    return max(profile, key=lambda p: p.confidence).label if profile else "rational"
