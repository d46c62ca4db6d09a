"""`analyze`: one complaint + this customer's history + cross-customer facts + rules -> ComplaintAnalyzed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tousu_analysis.domain import matter as matters
from tousu_analysis.domain.cause import assess_cause, inherited
from tousu_analysis.domain.dimensions import level_of, overall_score, score_dimensions
from tousu_analysis.domain.facts import Facts, demand_types, emotion_intensity, text_spans
from tousu_analysis.domain.history import CustomerHistory, HistoryItem, ladder_rank
from tousu_analysis.domain.participants import claimed_participants
from tousu_analysis.domain.profile import build_profile
from tousu_analysis.domain.repeat import RepeatInput, linked_items, repeat_risk
from tousu_analysis.domain.rules import Rules
from tousu_analysis.domain.signals import detect_signals, suppressed_matches
from tousu_analysis.domain.templates import SimilarTemplates
from tousu_analysis.domain.text import TextView, normalise
from tousu_analysis.domain.tier import assess_tier
from tousu_shared.events import ComplaintAnalyzed, ComplaintReceived, Matter, Signal
from tousu_shared.events.analysis import CauseAssessment
from tousu_shared.events.base import Level

_LEVELS: list[Level] = ["low", "medium", "high", "critical"]


@dataclass(frozen=True)
class Prepared:
    """What is known from the complaint alone (the service uses it for its look-ups first)."""

    view: TextView
    product_type: str | None
    cause_assessment: CauseAssessment
    contract_key: str | None
    signature: matters.TextSignature

    @property
    def cause(self) -> str:
        """The cause category from the text alone."""
        return self.cause_assessment.category


def prepare(*, complaint: ComplaintReceived, rules: Rules) -> Prepared:
    """Normalise the text, then derive product type, cause (with its evidence), contract key and signature."""
    view = TextView(complaint.content, normalise(complaint.content, rules=rules.text), rules.text)
    demands = rules.text.normalise_term(complaint.demands or "")
    return Prepared(
        view=view,
        product_type=matters.product_type(declared=complaint.product.type, text=view.norm, rules=rules),
        cause_assessment=assess_cause(
            view=view, demands=demands, demands_original=complaint.demands or "", rules=rules
        ),
        contract_key=matters.contract_key(complaint.product.policy_or_account_masked),
        signature=matters.signature(text=view.norm, rules=rules.templates),
    )


def _current_item(
    complaint: ComplaintReceived, prep: Prepared, names: list[str], emotion: float, rules: Rules
) -> HistoryItem:
    return HistoryItem(
        complaint_id=complaint.complaint_id,
        received_at=complaint.received_at,
        channel=complaint.channel,
        product_line=complaint.product.line,
        product_type=prep.product_type,
        cause=prep.cause,
        contract_key=prep.contract_key,
        signature=list(prep.signature.band_keys),
        emotion_intensity=emotion,
        ladder_rank=ladder_rank(
            channel=complaint.channel,
            signals=names,
            ladder=rules.history.channel_ladder,
            pressure=rules.history.signal_ladder,
        ),
        third_party="agent_involved" in names,
    )


def _severity(overall: int, names: set[str], rules: Rules) -> Level:
    level = level_of(overall, rules.dimensions.levels)
    if names & set(rules.severity.critical_signals):
        return "critical"
    if names & set(rules.severity.high_signals):
        return max(level, "high", key=_LEVELS.index)
    return level


def analyze(
    *,
    complaint: ComplaintReceived,
    history: CustomerHistory,
    similar: SimilarTemplates,
    rules: Rules,
    now: datetime,
    analyzer_version: str,
    prepared: Prepared | None = None,
) -> ComplaintAnalyzed:
    """The five-dimension analysis with signals, repeat risk, profile and matter. Pure.

    `prepared`: the complaint's `prepare` result when the caller already has it (it is pure, so
    passing it changes nothing but the time: the batch path prepares once for its look-ups)."""
    prep = prepared or prepare(complaint=complaint, rules=rules)
    signal_list = detect_signals(complaint=complaint, view=prep.view, similar=similar, rules=rules)
    signals = {s.name: s for s in signal_list}
    emotion = emotion_intensity(view=prep.view, signals=signals, rules=rules)
    current = RepeatInput(
        item=_current_item(complaint, prep, list(signals), emotion, rules),
        follows_up=rules.pattern("follow_up").search(prep.view.norm) is not None,
        persistence=rules.pattern("persistence").search(prep.view.norm) is not None,
    )
    linked = linked_items(history=history, current=current, rules=rules)
    cause = _inherited_cause(prep.cause_assessment, linked, rules)
    facts = _facts(complaint, prep, signals, emotion, cause.category, history, similar, current, linked, rules, now)
    return _assemble(complaint, prep, signal_list, facts, cause, rules, now, analyzer_version)


def _inherited_cause(assessment: CauseAssessment, linked: list[HistoryItem], rules: Rules) -> CauseAssessment:
    """An unclassified follow-up takes the cause of the matter it follows up."""
    default = rules.matter.causes.default
    if assessment.category != default:
        return assessment
    earlier = next((i for i in linked if i.cause != default), None)
    if earlier is None:
        return assessment
    return inherited(assessment, category=earlier.cause, complaint_id=earlier.complaint_id)


def _facts(
    complaint: ComplaintReceived,
    prep: Prepared,
    signals: dict[str, Signal],
    emotion: float,
    cause: str,
    history: CustomerHistory,
    similar: SimilarTemplates,
    current: RepeatInput,
    linked: list[HistoryItem],
    rules: Rules,
    now: datetime,
) -> Facts:
    since = complaint.received_at - timedelta(days=max(rules.matter.repeat_windows))
    prior = [
        i
        for i in history.items
        if i.complaint_id != complaint.complaint_id and since <= i.received_at < complaint.received_at
    ]
    return Facts(
        complaint=complaint,
        view=prep.view,
        signals=signals,
        emotion=emotion,
        demand_types=demand_types(complaint=complaint, view=prep.view, rules=rules),
        legal_basis=text_spans(prep.view, rules.pattern("legal_basis")),
        delay_cues=text_spans(prep.view, rules.pattern("delay")),
        cause=cause,
        repeat=repeat_risk(history=history, current=current, rules=rules),
        linked=linked,
        prior_count=len(prior),
        similar=similar,
        now=now,
    )


def _assemble(
    complaint: ComplaintReceived,
    prep: Prepared,
    signal_list: list[Signal],
    facts: Facts,
    cause: CauseAssessment,
    rules: Rules,
    now: datetime,
    analyzer_version: str,
) -> ComplaintAnalyzed:
    dimensions = score_dimensions(facts, rules)
    names = set(facts.signals)
    overall = overall_score(dimensions, signals=names, rules=rules)
    tier = assess_tier(facts=facts, dimensions=dimensions, overall=overall, cause=cause, rules=rules)
    participants, signal_list = _participants(complaint, prep, signal_list)
    return ComplaintAnalyzed(
        complaint_id=complaint.complaint_id,
        customer_key=complaint.customer_key,
        channel=complaint.channel,
        received_at=complaint.received_at,
        due_at=complaint.due_at,
        complainant_count=complaint.complainant_count,
        participants_estimate=participants,
        dimensions=dimensions,
        overall_score=overall,
        signals=signal_list,
        suppressed=suppressed_matches(view=prep.view, rules=rules),
        repeat_risk=facts.repeat,
        profile=build_profile(facts, rules),
        cause_category=facts.cause,
        cause_assessment=cause,
        tier=tier,
        matter=Matter(
            product_line=complaint.product.line,
            product_type=prep.product_type,
            cause=facts.cause,
            signature=list(prep.signature.band_keys),
            contract_key=prep.contract_key,
        ),
        severity=_severity(overall, names, rules),
        emotion_intensity=facts.emotion,
        rules_version=rules.version,
        analyzer_version=analyzer_version,
        analyzed_at=now,
    )


def _participants(
    complaint: ComplaintReceived, prep: Prepared, signal_list: list[Signal]
) -> tuple[int | None, list[Signal]]:
    """A collective complaint's head-count from its text, with the span added to the signal's evidence."""
    collective = next((s for s in signal_list if s.name == "collective"), None)
    claimed = claimed_participants(view=prep.view) if collective else None
    if collective is None or claimed is None or claimed[0] <= complainant_count_of(complaint):
        return None, signal_list
    count, span = claimed
    updated = collective.model_copy(update={"evidence": [*collective.evidence, span]})
    return count, [updated if s is collective else s for s in signal_list]


def complainant_count_of(complaint: ComplaintReceived) -> int:
    """People named by the channel in the complaint itself."""
    return complaint.complainant_count
