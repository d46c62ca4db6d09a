"""Events produced by the analysis service on `tousu.analysis.v1`."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from tousu_shared.events.base import Band, Channel, EventData, Evidence, Level, Model, ProductLine

DimensionName = Literal["subject", "substance", "environment", "process", "feedback"]


class Signal(Model):
    """A signal of domain §4 that fired, with its evidence."""

    name: str = Field(description="Signal name from the rules file, e.g. `media_threat`.")
    weight: float = Field(default=1.0, description="Strength 0..1 after context (negation, history).")
    evidence: list[Evidence] = Field(default_factory=list, description="Where it was found.")


class SuppressedEvidence(Model):
    """A keyword match that context set aside, so the signal did not count it (domain §4: context)."""

    signal: str = Field(description="The signal whose keyword matched, e.g. `legal_action`.")
    start: int = Field(description="Start offset (characters) into `content`.")
    end: int = Field(description="End offset (exclusive) into `content`.")
    text: str = Field(description="The matched text.")
    reason: Literal[
        "negated", "quoted", "hypothetical", "conditional", "third_party", "reported", "unrelated_past", "declined"
    ] = Field(
        description="Why it does not count: negated (不会起诉), quoted (someone else's words), hypothetical "
        "(如果…), conditional, third_party (another person's action), reported (news, hearsay), "
        "unrelated_past (an old or closed matter), declined (turned down right after: …，我没理)."
    )


class DimensionScore(Model):
    """One of the five dimensions of the 五维度 case analysis."""

    score: int = Field(ge=0, le=100, description="0–100.")
    level: Level = Field(description="low / medium / high / critical from the rules thresholds.")
    signals: list[str] = Field(default_factory=list, description="Signals that contributed.")
    reasons: list[str] = Field(default_factory=list, description="Human-readable reasons.")
    evidence: list[Evidence] = Field(default_factory=list, description="Evidence behind the score.")


class Dimensions(Model):
    """The five dimension scores."""

    subject: DimensionScore = Field(description="投诉主体: who complains, state, motive.")
    substance: DimensionScore = Field(description="投诉内容: the dispute and its strength.")
    environment: DimensionScore = Field(description="投诉环境: outside pressure.")
    process: DimensionScore = Field(description="处理过程: handling so far.")
    feedback: DimensionScore = Field(description="反馈改进: what past outcomes taught.")


class RiskFactor(Model):
    """One factor's contribution to the repeat risk."""

    factor: str = Field(description="Factor name, e.g. `same_matter_30d`.")
    value: float = Field(description="The observed value (count, days, ratio).")
    contribution: float = Field(description="Contribution to the score (log-odds or points).")
    reason: str = Field(default="", description="Human-readable explanation.")


class RepeatRisk(Model):
    """缠诉 repeat risk from this customer's own history."""

    score: float = Field(ge=0.0, le=1.0, description="Probability-like 0..1.")
    band: Band = Field(description="low < 0.4 ≤ medium < 0.7 ≤ high.")
    factors: list[RiskFactor] = Field(default_factory=list, description="Factor contributions.")
    same_matter_count: int = Field(default=0, description="Earlier same-matter complaints (180 days).")


class ProfileLabel(Model):
    """One label of the multi-label complainant profile (投诉人画像)."""

    label: str = Field(
        description="rational, emotional, compensation_seeking, entangled, agent_driven, group_member, vulnerable."
    )
    confidence: float = Field(ge=0.0, le=1.0, description="Confidence 0..1.")
    reasons: list[str] = Field(default_factory=list, description="Why.")


class CauseAssessment(Model):
    """Why the cause category won: every cue found over the text, its weight per category, its evidence."""

    category: str = Field(description="The winning cause category (equals `cause_category`).")
    score: float = Field(description="The winner's total weight; 0 when no cue reached `min_score` (the default).")
    scores: dict[str, float] = Field(
        default_factory=dict, description="Total weight per category that any cue gave weight to."
    )
    cues: list[str] = Field(default_factory=list, description="Names of the rules' cause cues found in the text.")
    reasons: list[str] = Field(
        default_factory=list,
        description="One line per cue found: its name, matches and weight per category "
        "(e.g. `promised_return ×1: 销售误导 +6`), then how the winner was chosen.",
    )
    evidence: list[Evidence] = Field(default_factory=list, description="Matched text spans of the winner's cues.")


class TierAssessment(Model):
    """The standard-route tier (L1/L2/L3) from points, every contribution a reason (domain §5)."""

    tier: str = Field(description="L1 / L2 / L3 by the rules' thresholds; escalation uses it for standard cases.")
    points: float = Field(description="Sum of the contributions.")
    reasons: list[str] = Field(
        default_factory=list,
        description="Each contribution with its points: the five dimensions, amount, vulnerability, complexity, "
        "and any floor that applied.",
    )
    evidence: list[Evidence] = Field(default_factory=list, description="Text behind the contributions.")


def matter_key(*, product_line: str, product_type: str | None, cause: str) -> str:
    """The one key of a matter across customers: product line, product type and cause (`line|type|cause`)."""
    return f"{product_line}|{product_type or '-'}|{cause}"


class Matter(Model):
    """What the complaint is about, without the text: lets services cluster the same matter."""

    product_line: ProductLine = Field(description="Product line.")
    product_type: str | None = Field(default=None, description="Normalised product type.")
    cause: str = Field(description="Cause category (domain §2).")
    signature: list[str] = Field(
        default_factory=list,
        description="Text signature: LSH band keys; two complaints sharing a key are near-duplicate candidates.",
    )
    contract_key: str | None = Field(
        default=None,
        description="Digest of the masked policy or account number: equal when complaints concern the same contract.",
    )

    @property
    def key(self) -> str:
        """The matter's key across customers (`matter_key`)."""
        return matter_key(product_line=self.product_line, product_type=self.product_type, cause=self.cause)


class ComplaintAnalyzed(EventData):
    """The five-dimension analysis of one complaint, with repeat risk and profile."""

    event_type: ClassVar[str] = "complaint.analyzed"
    topic_key: ClassVar[str] = "analysis"

    cycle: int = Field(default=1, ge=1, description="Resolution cycle analysed.")
    channel: Channel = Field(description="Intake channel (copied for routing).")
    received_at: datetime = Field(description="When intake received the complaint.")
    due_at: datetime = Field(description="Regulatory due date from intake.")
    complainant_count: int = Field(default=1, ge=1, description="People in this complaint.")
    participants_estimate: int | None = Field(
        default=None,
        description="People acting together by the text of a collective complaint (e.g. 二十多户业主 → 20), "
        "when larger than `complainant_count`; the evidence is on the `collective` signal.",
    )
    dimensions: Dimensions = Field(description="Scores of the 五维度 case analysis, one per dimension.")
    overall_score: int = Field(ge=0, le=100, description="Weighted overall score (drives standard tiers).")
    signals: list[Signal] = Field(default_factory=list, description="Signals that fired.")
    suppressed: list[SuppressedEvidence] = Field(
        default_factory=list,
        description="Keyword matches set aside by context (negation, someone else's action, news, an old matter), "
        "with the reason: why a keyword in the text did not fire its signal (added 2026-12).",
    )
    repeat_risk: RepeatRisk = Field(description="缠诉 repeat risk.")
    profile: list[ProfileLabel] = Field(default_factory=list, description="Complainant profile.")
    cause_category: str = Field(description="Cause category (domain §2).")
    cause_assessment: CauseAssessment | None = Field(
        default=None,
        description="The weighted evidence behind `cause_category`: cues, weights, spans (added 2026-12).",
    )
    tier: TierAssessment | None = Field(
        default=None,
        description="The tier a standard-route case gets, with its contributions (added 2026-12; older "
        "events have none and escalation falls back to `overall_score`).",
    )
    matter: Matter = Field(description="Matter descriptor for clustering.")
    severity: Level = Field(description="Overall severity.")
    emotion_intensity: float | None = Field(
        default=None, ge=0.0, le=1.0, description="Emotion intensity of the text 0..1 (feeds the emotion trend)."
    )
    rules_version: str = Field(description="Version of the rules file used.")
    analyzer_version: str = Field(description="Version of the analyzer code.")
    analyzed_at: datetime = Field(description="When the analysis was made.")
