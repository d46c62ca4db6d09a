"""Signals of domain §4, each with evidence: text spans into `content`, intake fields, history facts."""

from __future__ import annotations

import re

from tousu_analysis.domain.lexicon import Match
from tousu_analysis.domain.rules import ContextPolicy, Rules, SignalRule, Triggers
from tousu_analysis.domain.templates import SimilarTemplates
from tousu_analysis.domain.text import TextView, normalise
from tousu_shared.events import ComplaintReceived, Evidence, Signal
from tousu_shared.events.analysis import SuppressedEvidence

MAX_TEXT_EVIDENCE = 5
MAX_SUPPRESSED = 20
_FIRST_INT = re.compile(r"\d+")


def detect_signals(
    *, complaint: ComplaintReceived, view: TextView, similar: SimilarTemplates, rules: Rules
) -> list[Signal]:
    """Every signal that fired (after context filtering and suppression), in rules-file order."""
    fired: dict[str, Signal] = {}
    for name, rule in rules.signals.items():
        evidence = _field_evidence(complaint, rule.triggers, similar, rules)
        evidence += _text_evidence(view, rule, rules)
        evidence += _demand_evidence(complaint, rule, rules)
        if evidence:
            fired[name] = Signal(name=name, weight=rule.weight, evidence=evidence)
    return [s for n, s in fired.items() if not set(rules.signals[n].suppressed_by) & fired.keys()]


def blocked_by(match: Match, policy: ContextPolicy) -> str | None:
    """Why a lexicon match does not count (negated, quoted, third_party …), or None when it does."""
    ctx = match.context
    checks = (
        ("negated", policy.block_negated and ctx.negated),
        ("quoted", policy.block_quoted and ctx.quoted),
        ("hypothetical", policy.block_hypothetical and ctx.hypothetical),
        ("conditional", policy.block_conditional and ctx.conditional),
        ("reported", policy.block_reported and ctx.reported),
        ("third_party", policy.block_third_party and ctx.third_party),
        ("unrelated_past", policy.block_unrelated_past and ctx.unrelated_past),
        ("declined", policy.block_declined and ctx.declined),
    )
    return next((reason for reason, blocked in checks if blocked), None)


def allowed(match: Match, policy: ContextPolicy) -> bool:
    """Whether a lexicon match counts, given how it is framed and the signal's context policy."""
    return blocked_by(match, policy) is None


def suppressed_matches(*, view: TextView, rules: Rules) -> list[SuppressedEvidence]:
    """Every keyword match the context rules set aside, with the reason, signal by signal (rules order)."""
    found: list[SuppressedEvidence] = []
    for name, rule in rules.signals.items():
        for match in rule.lexicon.find(view, segmenter=rules.segmenter):
            reason = blocked_by(match, rule.context)
            if reason is not None and len(found) < MAX_SUPPRESSED:
                found.append(
                    SuppressedEvidence(signal=name, start=match.start, end=match.end, text=match.text, reason=reason)
                )
    return found


def text_matches(view: TextView, rule: SignalRule, rules: Rules) -> list[Match]:
    """The signal's lexicon matches in the text that survive the context policy."""
    found = rule.lexicon.find(view, segmenter=rules.segmenter)
    return [m for m in found if allowed(m, rule.context)]


def _text_evidence(view: TextView, rule: SignalRule, rules: Rules) -> list[Evidence]:
    matches = text_matches(view, rule, rules)[:MAX_TEXT_EVIDENCE]
    return [Evidence(kind="text", start=m.start, end=m.end, text=m.text) for m in matches]


def _demand_evidence(complaint: ComplaintReceived, rule: SignalRule, rules: Rules) -> list[Evidence]:
    if not rule.triggers.scan_demands or not complaint.demands:
        return []
    view = TextView(complaint.demands, normalise(complaint.demands, rules=rules.text), rules.text)
    matches = [m for m in rule.lexicon.find(view) if allowed(m, rule.context)]
    return [Evidence(kind="field", field="demands", text=m.text) for m in matches[:2]]


def customer_age(age_band: str | None) -> int | None:
    """Lower bound of an age band such as `65+` or `45-64`."""
    found = _FIRST_INT.search(age_band or "")
    return int(found.group()) if found else None


def _field_evidence(
    complaint: ComplaintReceived, triggers: Triggers, similar: SimilarTemplates, rules: Rules
) -> list[Evidence]:
    evidence = _intake_fields(complaint, triggers)
    evidence += _thresholds(complaint, triggers)
    evidence += _cross_customer(complaint, triggers, similar, rules)
    return evidence


def _intake_fields(complaint: ComplaintReceived, triggers: Triggers) -> list[Evidence]:
    evidence: list[Evidence] = []
    if complaint.channel in triggers.channels:
        evidence.append(Evidence(kind="field", field="channel", text=complaint.channel))
    present = {"regulator": complaint.regulator, "media": complaint.media}
    evidence += [Evidence(kind="field", field=f) for f in triggers.fields if present[f] is not None]
    rep = complaint.representative
    if rep is not None and rep.kind in triggers.representative_kinds:
        evidence.append(Evidence(kind="field", field="representative.kind", text=rep.kind))
    return evidence


def _thresholds(complaint: ComplaintReceived, triggers: Triggers) -> list[Evidence]:
    evidence: list[Evidence] = []
    if triggers.min_complainants and complaint.complainant_count >= triggers.min_complainants:
        text = str(complaint.complainant_count)
        evidence.append(Evidence(kind="field", field="complainant_count", text=text))
    age = customer_age(complaint.customer.age_band)
    if triggers.min_age and age is not None and age >= triggers.min_age:
        evidence.append(Evidence(kind="field", field="customer.age_band", text=complaint.customer.age_band))
    if triggers.vulnerable_flag and complaint.customer.vulnerable:
        evidence.append(Evidence(kind="field", field="customer.vulnerable", text="true"))
    amount = complaint.amount_in_dispute
    if triggers.amount_above is not None and amount is not None and amount > triggers.amount_above:
        evidence.append(Evidence(kind="field", field="amount_in_dispute", text=f"{amount:g}"))
    return evidence


def _cross_customer(
    complaint: ComplaintReceived, triggers: Triggers, similar: SimilarTemplates, rules: Rules
) -> list[Evidence]:
    evidence: list[Evidence] = []
    long_enough = len(complaint.content) >= rules.templates.min_chars
    wanted = triggers.template_customers
    if wanted and long_enough and similar.near_identical_customers >= wanted:
        fact = (
            f"text near-identical (Jaccard≈{similar.best_similarity:.2f}) to complaints of "
            f"{similar.near_identical_customers} other customer(s)"
        )
        evidence.append(Evidence(kind="history", fact=fact))
    phones = triggers.shared_phone_customers
    if phones and similar.shared_phone_customers >= phones:
        fact = f"representative phone also acts for {similar.shared_phone_customers} other customer(s)"
        evidence.append(Evidence(kind="history", fact=fact))
    return evidence
