"""Facts gathered once per complaint and shared by the dimensions and the profile."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from tousu_analysis.domain.history import HistoryItem
from tousu_analysis.domain.rules import Rules
from tousu_analysis.domain.templates import SimilarTemplates
from tousu_analysis.domain.text import TextView
from tousu_shared.events import ComplaintReceived, Evidence, RepeatRisk, Signal


@dataclass(frozen=True)
class Facts:
    """Everything the dimension scores and profile rules look at."""

    complaint: ComplaintReceived
    view: TextView
    signals: dict[str, Signal]
    emotion: float
    demand_types: dict[str, Evidence]
    legal_basis: list[Evidence]
    delay_cues: list[Evidence]
    cause: str
    repeat: RepeatRisk
    linked: list[HistoryItem]
    prior_count: int
    similar: SimilarTemplates
    now: datetime
    extra: dict[str, float] = field(default_factory=dict)


def text_spans(view: TextView, pattern: re.Pattern[str], *, limit: int = 5) -> list[Evidence]:
    """Text evidence for every non-negated match of a compiled pattern group."""
    spans = []
    for m in pattern.finditer(view.norm):
        if not view.context(m.start(), m.end()).negated:
            spans.append(Evidence(kind="text", start=m.start(), end=m.end(), text=view.original[m.start() : m.end()]))
    return spans[:limit]


def emotion_intensity(*, view: TextView, signals: dict[str, Signal], rules: Rules) -> float:
    """Emotion 0..1: high-emotion evidence, milder emotive words (jieba tokens), exclamation marks."""
    cfg = rules.emotion
    strong = len(signals["high_emotion"].evidence) if "high_emotion" in signals else 0
    mild_words = set(rules.text.normalise_term(t) for t in cfg.mild_terms)
    tokens = rules.segmenter.tokens(view.norm)
    mild = sum(1 for word, start, end in tokens if word in mild_words and not view.context(start, end).negated)
    bangs = view.norm.count("!")
    score = strong * cfg.per_signal_match + mild * cfg.per_mild_term + bangs * cfg.per_exclamation
    if "self_harm" in signals:
        score += cfg.per_signal_match
    return round(min(1.0, score), 3)


def demand_types(*, complaint: ComplaintReceived, view: TextView, rules: Rules) -> dict[str, Evidence]:
    """Demand types named in `demands` (field evidence) or, failing that, in the text."""
    found: dict[str, Evidence] = {}
    demands = rules.text.normalise_term(complaint.demands or "")
    for name in rules.demands:
        pattern = rules.pattern(f"demand:{name}")
        hit = pattern.search(demands)
        if hit:
            found[name] = Evidence(
                kind="field", field="demands", text=(complaint.demands or "")[hit.start() : hit.end()]
            )
            continue
        spans = text_spans(view, pattern, limit=1)
        if spans:
            found[name] = spans[0]
    return found
