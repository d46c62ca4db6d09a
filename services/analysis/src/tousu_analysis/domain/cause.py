"""Cause category by weighted evidence over the whole text (domain §2): each cue adds weight, the largest total wins."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tousu_analysis.domain.cause_rules import CauseCue
from tousu_analysis.domain.rules import Rules
from tousu_analysis.domain.text import TextView, in_a_report
from tousu_shared.events import Evidence
from tousu_shared.events.analysis import CauseAssessment

MAX_EVIDENCE = 8


@dataclass(frozen=True)
class CueFound:
    """One cue of the rules with the matches found in the text and in the demands."""

    cue: CauseCue
    evidence: tuple[Evidence, ...]
    strength: float  # matches after the repeat factor: 1, 1.5, 2 ... (demands count at demands_factor)

    def weight(self, category: str) -> float:
        """What this cue adds to `category`."""
        return round(self.cue.weights.get(category, 0.0) * self.strength, 2)


def _strength(text_hits: int, demand_hits: int, rules: Rules) -> float:
    """The first match counts 1, each further one `repeat_factor`, up to `max_matches`; demands at a discount."""
    cfg = rules.matter.causes
    hits = min(text_hits, cfg.max_matches)
    text = 1 + cfg.repeat_factor * (hits - 1) if hits else 0.0
    demands = cfg.demands_factor if demand_hits else 0.0
    return text + demands if text else demands


def _specific_matches(text: str, rules: Rules) -> list[list[re.Match[str]]]:
    """Matches per cue, each stretch of text counted once: the longest (most specific) match claims it."""
    candidates = [
        (index, m)
        for index, (_, pattern) in enumerate(rules.cause_cues)
        for m in pattern.finditer(text)
        if m.end() > m.start()
    ]
    candidates.sort(key=lambda c: (c[1].start() - c[1].end(), c[0]))
    claimed = [False] * (len(text) + 1)
    kept: list[list[re.Match[str]]] = [[] for _ in rules.cause_cues]
    for index, m in candidates:
        if any(claimed[m.start() : m.end()]):
            continue
        claimed[m.start() : m.end()] = [True] * (m.end() - m.start())
        kept[index].append(m)
    return [sorted(ms, key=lambda m: m.start()) for ms in kept]


def find_cues(*, view: TextView, demands: str, demands_original: str, rules: Rules) -> list[CueFound]:
    """Every cue with at least one match in the normalised text or the demands field.

    A match inside what a news report or hearsay says (看到新闻报道说…, 听说…) is not evidence of this
    complaint's cause and is left out.
    """
    in_text = [[m for m in ms if not in_a_report(view, m.start())] for ms in _specific_matches(view.norm, rules)]
    in_demands = _specific_matches(demands, rules)
    found = []
    for (cue, _), spans, asked in zip(rules.cause_cues, in_text, in_demands, strict=True):
        if not spans and not asked:
            continue
        evidence = [
            Evidence(kind="text", start=m.start(), end=m.end(), text=view.original[m.start() : m.end()])
            for m in spans[:3]
        ]
        evidence += [
            Evidence(kind="field", field="demands", text=demands_original[m.start() : m.end()]) for m in asked[:1]
        ]
        found.append(CueFound(cue=cue, evidence=tuple(evidence), strength=_strength(len(spans), len(asked), rules)))
    return found


def set_aside(*, view: TextView, rules: Rules) -> list[str]:
    """One reason per cue match left out because it sits inside a news report or hearsay."""
    return [
        f"set aside (in a report): cue {cue.name} ({view.original[m.start() : m.end()]})"
        for (cue, _), matches in zip(rules.cause_cues, _specific_matches(view.norm, rules), strict=True)
        for m in matches
        if in_a_report(view, m.start())
    ]


def totals(found: list[CueFound], rules: Rules) -> dict[str, float]:
    """Total weight per category (categories no cue weighs are left out)."""
    scores: dict[str, float] = {}
    for hit in found:
        for category in hit.cue.weights:
            scores[category] = round(scores.get(category, 0.0) + hit.weight(category), 2)
    return scores


def _winner(scores: dict[str, float], rules: Rules) -> str:
    cfg = rules.matter.causes
    order = cfg.categories
    best = max(order, key=lambda name: (scores.get(name, 0.0), -order.index(name)))
    return best if scores.get(best, 0.0) >= cfg.min_score else cfg.default


def _reason(hit: CueFound) -> str:
    parts = ", ".join(f"{c} {w:+g}" for c in hit.cue.weights if (w := hit.weight(c)))
    shown = "、".join(dict.fromkeys(e.text or "" for e in hit.evidence))
    return f"cue {hit.cue.name} ×{hit.strength:g} ({shown}): {parts}"


def assess_cause(*, view: TextView, demands: str, demands_original: str, rules: Rules) -> CauseAssessment:
    """The winning category, every category's total and one reason per cue found (pure)."""
    found = find_cues(view=view, demands=demands, demands_original=demands_original, rules=rules)
    scores = totals(found, rules)
    category = _winner(scores, rules)
    cfg = rules.matter.causes
    reasons = [_reason(hit) for hit in found] + set_aside(view=view, rules=rules)
    if category == cfg.default and scores.get(category, 0.0) < cfg.min_score:
        reasons.append(f"no category reached {cfg.min_score:g}: default {category}")
    else:
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        runner = next(((c, s) for c, s in ranked if c != category), None)
        beat = f" over {runner[0]} {runner[1]:g}" if runner else ""
        reasons.append(f"{category} wins with {scores[category]:g}{beat}")
    evidence = [e for hit in found if hit.weight(category) > 0 for e in hit.evidence]
    return CauseAssessment(
        category=category,
        score=scores.get(category, 0.0),
        scores=scores,
        cues=[hit.cue.name for hit in found],
        reasons=reasons,
        evidence=evidence[:MAX_EVIDENCE],
    )


def inherited(assessment: CauseAssessment, *, category: str, complaint_id: str) -> CauseAssessment:
    """The assessment of a follow-up that takes the cause of the matter it follows up."""
    reason = f"no cue decided the cause: inherits {category} from earlier complaint {complaint_id} (same matter)"
    return assessment.model_copy(update={"category": category, "reasons": [*assessment.reasons, reason]})
