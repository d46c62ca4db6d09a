"""缠诉 repeat risk (domain §3) from this customer's own history, with factor contributions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tousu_analysis.domain.history import CustomerHistory, HistoryItem
from tousu_analysis.domain.matter import jaccard_from_bands
from tousu_analysis.domain.rules import RepeatLevel, Rules
from tousu_shared.events import RepeatRisk, RiskFactor


@dataclass(frozen=True)
class RepeatInput:
    """The current complaint as repeat risk sees it."""

    item: HistoryItem
    follows_up: bool
    persistence: bool


def same_matter(*, earlier: HistoryItem, current: RepeatInput, rules: Rules) -> bool:
    """Same product, and same cause, same contract, a stated follow-up or near-identical text."""
    now = current.item
    if earlier.product_line != now.product_line:
        return False
    if earlier.product_type and now.product_type and earlier.product_type != now.product_type:
        return False
    if earlier.contract_key and earlier.contract_key == now.contract_key:
        return True
    default = rules.matter.causes.default
    if current.follows_up or default in (earlier.cause, now.cause) or earlier.cause == now.cause:
        return True
    rows = rules.templates.num_perm // rules.templates.bands
    similarity = jaccard_from_bands(earlier.signature, now.signature, rows=rows)
    return similarity >= rules.matter.same_matter_similarity


def linked_items(*, history: CustomerHistory, current: RepeatInput, rules: Rules) -> list[HistoryItem]:
    """Earlier same-matter complaints within the longest window, oldest first."""
    now = current.item.received_at
    since = now - timedelta(days=max(rules.matter.repeat_windows))
    earlier = [
        item
        for item in history.items
        if item.complaint_id != current.item.complaint_id and since <= item.received_at < now
    ]
    linked = [item for item in earlier if same_matter(earlier=item, current=current, rules=rules)]
    return sorted(linked, key=lambda item: (item.received_at, item.complaint_id))


def _level(count: int, levels: list[RepeatLevel]) -> RepeatLevel:
    return max((lv for lv in levels if lv.count <= count), key=lambda lv: lv.count)


def _factor(name: str, value: float, weight: float, reason: str) -> RiskFactor:
    return RiskFactor(factor=name, value=round(value, 3), contribution=round(weight, 3), reason=reason)


def _count_factors(linked: list[HistoryItem], current: RepeatInput, rules: Rules) -> list[RiskFactor]:
    w = rules.repeat.factors
    now = current.item.received_at
    short, mid, _ = rules.matter.repeat_windows
    in_short = sum(1 for i in linked if now - i.received_at <= timedelta(days=short))
    in_mid = sum(1 for i in linked if now - i.received_at <= timedelta(days=mid))
    span = (now - linked[0].received_at).days if linked else 0
    span_weight = (w["span_30d"] if span >= short else 0.0) + (w["span_90d"] if span >= mid else 0.0)
    return [
        _factor(f"same_matter_{short}d", in_short, w["same_matter_30d"] * in_short, "earlier raises, short window"),
        _factor(f"same_matter_{mid}d", in_mid, w["same_matter_90d"] * in_mid, "earlier raises, medium window"),
        _factor("span_days", span, span_weight, "days between the first raise and this one"),
    ]


def _channel_factors(linked: list[HistoryItem], current: RepeatInput, rules: Rules) -> list[RiskFactor]:
    w = rules.repeat.factors
    sequence = [*linked, current.item]
    channels = len({i.channel for i in sequence})
    earlier_rank = max((i.ladder_rank for i in linked), default=current.item.ladder_rank)
    escalated = bool(linked) and current.item.ladder_rank > earlier_rank
    return [
        _factor("distinct_channels", channels, w["distinct_channels"] * (channels - 1), "channels used"),
        _factor("channel_escalated", float(escalated), w["channel_escalated"] * escalated, "moved up the ladder"),
        _factor("ladder_rank", current.item.ladder_rank, 0.0, "escalation-ladder rank reached now"),
    ]


def _emotion_factors(linked: list[HistoryItem], current: RepeatInput, rules: Rules) -> list[RiskFactor]:
    w = rules.repeat.factors
    emotion = current.item.emotion_intensity
    mean = sum(i.emotion_intensity for i in linked) / len(linked) if linked else emotion
    rising = emotion - mean if linked and emotion > mean else 0.0
    return [
        _factor("emotion_trend", rising, w["emotion_rising"] * min(1.0, rising * 2), "emotion rising"),
        _factor("emotion_now", emotion, w["current_emotion"] * emotion, "emotion of this text"),
    ]


def _outcome_factors(linked: list[HistoryItem], current: RepeatInput, rules: Rules) -> list[RiskFactor]:
    w = rules.repeat.factors
    unsatisfied = sum(i.unsatisfied_followups for i in linked)
    reopens = sum(i.reopens for i in linked)
    refused = sum(i.decisions_not_accepted for i in linked)
    third = current.item.third_party or any(i.third_party for i in linked)
    return [
        _factor("unsatisfied_followups", unsatisfied, w["unsatisfied_followups"] * unsatisfied, "unsatisfied"),
        _factor("reopens", reopens, w["reopens"] * reopens, "reopened earlier complaints"),
        _factor("decisions_not_accepted", refused, w["decisions_not_accepted"] * refused, "reviews asked"),
        _factor("third_party", float(third), w["third_party"] * third, "a professional agent involved"),
        _factor(
            "persistence_text",
            float(current.persistence),
            w["persistence_text"] * current.persistence,
            "says it will keep complaining",
        ),
    ]


def repeat_risk(*, history: CustomerHistory, current: RepeatInput, rules: Rules) -> RepeatRisk:
    """Score 0..1 and band: the raise count sets floor and ceiling, the other factors the place."""
    linked = linked_items(history=history, current=current, rules=rules)
    raises = len(linked) + sum(i.reopens for i in linked)
    level = _level(raises, rules.repeat.levels)
    head = _factor("same_matter_raises", raises, level.base, "earlier same-matter complaints and reopens")
    factors = [head]
    for part in (_count_factors, _channel_factors, _emotion_factors, _outcome_factors):
        factors += part(linked, current, rules)
    score = round(min(level.cap, sum(f.contribution for f in factors)), 3)
    bands = rules.repeat.bands
    band = "high" if score >= bands["high"] else "medium" if score >= bands["medium"] else "low"
    active = [f for f in factors if f.contribution or f.factor == "ladder_rank"]
    return RepeatRisk(score=score, band=band, factors=active, same_matter_count=len(linked))
