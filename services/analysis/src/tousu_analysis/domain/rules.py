"""The analysis rules file as a validated model, and its loader (a bad file fails fast)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, PrivateAttr, model_validator

from tousu_analysis.domain.cause_rules import CauseCue, CauseRules, TierCue, TierRules
from tousu_analysis.domain.lexicon import Lexicon
from tousu_analysis.domain.text import Segmenter, TextRules
from tousu_shared.rulesfile import RulesFileError, Strict, load_file, parse_file

DimensionName = Literal["subject", "substance", "environment", "process", "feedback"]


class RulesError(RulesFileError):
    """The rules file is missing, unreadable or invalid."""


class ContextPolicy(Strict):
    """Which keyword contexts stop a lexicon match from firing a signal."""

    block_negated: bool = True
    block_quoted: bool = True
    block_hypothetical: bool = True
    block_conditional: bool = False
    block_third_party: bool = True
    block_reported: bool = True
    block_unrelated_past: bool = True
    block_declined: bool = True


class Triggers(Strict):
    """Non-text evidence that fires a signal: intake fields, thresholds, cross-customer facts."""

    channels: list[str] = Field(default_factory=list)
    fields: list[Literal["regulator", "media"]] = Field(default_factory=list)
    representative_kinds: list[str] = Field(default_factory=list)
    min_complainants: int | None = None
    min_age: int | None = None
    vulnerable_flag: bool = False
    amount_above: float | None = None
    template_customers: int | None = None
    shared_phone_customers: int | None = None
    scan_demands: bool = False


class SignalRule(Strict):
    """One signal of domain §4: its lexicon, triggers, context policy and weight."""

    description: str
    dimension: DimensionName
    weight: float = Field(ge=0.0, le=1.0)
    triggers: Triggers = Field(default_factory=Triggers)
    lexicon: Lexicon = Field(default_factory=Lexicon)
    context: ContextPolicy = Field(default_factory=ContextPolicy)
    suppressed_by: list[str] = Field(default_factory=list)


class TemplateRules(Strict):
    """MinHash/LSH parameters for near-identical text across customers."""

    num_perm: int = Field(default=128, ge=16)
    bands: int = Field(default=16, ge=1)
    shingle: int = Field(default=3, ge=1)
    seed: int = 1
    threshold: float = Field(default=0.85, gt=0.0, le=1.0)
    min_chars: int = 80
    window_days: int = 365

    @model_validator(mode="after")
    def _bands_divide_perms(self) -> TemplateRules:
        if self.num_perm % self.bands:
            raise ValueError("templates.num_perm must be a multiple of templates.bands")
        return self


class MatterRules(Strict):
    """Same-matter detection, product-type normalisation and cause keywords."""

    repeat_windows: list[int] = Field(min_length=3, max_length=3)
    same_matter_similarity: float = Field(ge=0.0, le=1.0)
    follow_up_patterns: list[str]
    persistence_patterns: list[str]
    product_types: dict[str, list[str]]
    causes: CauseRules


class DemandRule(Strict):
    """A demand type (apology, refund, 停息挂账 ...) and its substance points."""

    terms: list[str]
    points: int


class EmotionRules(Strict):
    """How the emotion intensity 0..1 is computed."""

    mild_terms: list[str]
    per_signal_match: float
    per_mild_term: float
    per_exclamation: float


class HistoryRules(Strict):
    """Escalation ladder ranks of channels and of outside-pressure signals."""

    channel_ladder: dict[str, int]
    signal_ladder: dict[str, int]


class RepeatLevel(Strict):
    """Score floor and ceiling for a number of earlier same-matter raises."""

    count: int = Field(ge=0)
    base: float = Field(ge=0.0, le=1.0)
    cap: float = Field(ge=0.0, le=1.0)


class RepeatRules(Strict):
    """缠诉 repeat-risk model (domain §3)."""

    levels: list[RepeatLevel] = Field(min_length=1)
    bands: dict[Literal["medium", "high"], float]
    factors: dict[str, float]

    @model_validator(mode="after")
    def _first_level_is_zero(self) -> RepeatRules:
        if self.levels[0].count != 0:
            raise ValueError("repeat.levels must start with count 0")
        return self


class Thresholds(Strict):
    """Score thresholds of the dimension levels."""

    medium: int
    high: int
    critical: int


class DimensionRules(Strict):
    """Points of every dimension (domain §2) and the overall weighting."""

    levels: Thresholds
    subject: dict[str, Any]
    substance: dict[str, Any]
    environment: dict[str, Any]
    process: dict[str, Any]
    feedback: dict[str, Any]
    overall_weights: dict[DimensionName, float]
    overall_max_share: float = Field(default=0.0, ge=0.0, le=1.0)
    overall_floors: dict[str, int] = Field(default_factory=dict)


class SeverityRules(Strict):
    """Signals that raise the severity level."""

    critical_signals: list[str]
    high_signals: list[str]


class ProfileCondition(Strict):
    """All given parts must hold for a profile rule to apply."""

    signals_any: list[str] = Field(default_factory=list)
    repeat_bands: list[str] = Field(default_factory=list)
    demands_any: list[str] = Field(default_factory=list)
    min_emotion: float | None = None
    min_complainants: int | None = None
    min_matter_customers: int | None = None
    text_patterns: list[str] = Field(default_factory=list)


class ProfileRule(Strict):
    """Assign `label` with `confidence` when the condition holds."""

    label: str
    confidence: float = Field(ge=0.0, le=1.0)
    when: ProfileCondition


class RationalRule(Strict):
    """`rational` is the default label, reduced by the competing ones."""

    base: float
    reduced_by: list[str]
    floor: float


class ProfileRules(Strict):
    """Multi-label complainant profile rules (domain §3)."""

    rules: list[ProfileRule]
    rational: RationalRule
    primary_order: list[str]
    primary_min: float


class Rules(Strict):
    """The whole rules file, with its regular expressions compiled once."""

    version: str = Field(min_length=1)
    text: TextRules
    signals: dict[str, SignalRule]
    templates: TemplateRules
    matter: MatterRules
    demands: dict[str, DemandRule]
    legal_basis_patterns: list[str]
    emotion: EmotionRules
    history: HistoryRules
    repeat: RepeatRules
    dimensions: DimensionRules
    severity: SeverityRules
    profile: ProfileRules
    tier: TierRules

    _compiled: dict[str, re.Pattern[str]] = PrivateAttr(default_factory=dict)
    _segmenter: Segmenter | None = PrivateAttr(default=None)
    _cause_cues: list[tuple[CauseCue, re.Pattern[str]]] = PrivateAttr(default_factory=list)
    _aliases: list[tuple[str, str]] = PrivateAttr(default_factory=list)
    _tier_cues: list[tuple[TierCue, re.Pattern[str], re.Pattern[str] | None]] = PrivateAttr(default_factory=list)

    def model_post_init(self, context: Any, /) -> None:
        """Compile every lexicon and pattern once, so analysis stays cheap."""
        norm = self.text.normalise_term
        for name, rule in self.signals.items():
            rule.lexicon.compile(normalise=norm, name=name)
        for key, patterns in self._pattern_groups().items():
            try:
                self._compiled[key] = _alternation(patterns, norm)
            except re.error as exc:
                raise ValueError(f"bad pattern in {key!r}: {exc}") from exc
        self._cause_cues = [(cue, _cue_pattern(cue, norm)) for cue in self.matter.causes.cues]
        self._tier_cues = [
            (cue, _cue_pattern(cue, norm), _alternation(cue.with_patterns, norm) if cue.with_patterns else None)
            for cue in self.tier.cues
        ]
        aliases = [
            (norm(alias), canonical)
            for canonical, names in self.matter.product_types.items()
            for alias in [canonical, *names]
        ]
        self._aliases = sorted(aliases, key=lambda pair: len(pair[0]), reverse=True)

    @property
    def segmenter(self) -> Segmenter:
        """The jieba segmenter, initialised on first use with the rules' whole words."""
        if self._segmenter is None:
            words = [w for rule in self.signals.values() for w in rule.lexicon.word_list]
            self._segmenter = Segmenter(words=words + self.emotion.mild_terms)
        return self._segmenter

    @property
    def cause_cues(self) -> list[tuple[CauseCue, re.Pattern[str]]]:
        """Every cause cue with its compiled (normalised) terms and patterns, in rules order."""
        return self._cause_cues

    @property
    def tier_stated_amount_cues(self) -> re.Pattern[str]:
        """The words that make a stated amount a disputed one (compiled `tier.stated_amount_cues`)."""
        return self._compiled["tier_stated_amount"]

    @property
    def tier_cues(self) -> list[tuple[TierCue, re.Pattern[str], re.Pattern[str] | None]]:
        """Every tier cue with its compiled terms and patterns, and its compiled `with_patterns` (or None)."""
        return self._tier_cues

    @property
    def product_aliases(self) -> list[tuple[str, str]]:
        """(normalised alias, canonical product type), longest alias first."""
        return self._aliases

    def pattern(self, key: str) -> re.Pattern[str]:
        """A compiled pattern group: `follow_up`, `persistence`, `legal_basis`, `demand:<type>` ..."""
        return self._compiled[key]

    def _pattern_groups(self) -> dict[str, list[str]]:
        groups = {
            "follow_up": self.matter.follow_up_patterns,
            "persistence": self.matter.persistence_patterns,
            "legal_basis": self.legal_basis_patterns,
            "delay": list(self.dimensions.process.get("delay_patterns", [])),
            "mild_emotion": [re.escape(t) for t in self.emotion.mild_terms],
            "tier_stated_amount": [re.escape(t) for t in self.tier.stated_amount_cues],
        }
        for name, demand in self.demands.items():
            groups[f"demand:{name}"] = [re.escape(t) for t in demand.terms]
        for index, rule in enumerate(self.profile.rules):
            groups[f"profile:{index}"] = rule.when.text_patterns
        return groups

    @model_validator(mode="after")
    def _references_exist(self) -> Rules:
        names = set(self.signals)
        for name, rule in self.signals.items():
            unknown = set(rule.suppressed_by) - names
            if unknown:
                raise ValueError(f"signal {name!r} is suppressed by unknown {sorted(unknown)}")
        for profile_rule in self.profile.rules:
            unknown = set(profile_rule.when.signals_any) - names
            if unknown:
                raise ValueError(f"profile rule {profile_rule.label!r} names unknown signals {sorted(unknown)}")
        self._tier_references(names)
        return self

    def _tier_references(self, signals: set[str]) -> None:
        tier = self.tier
        named = set(tier.signals) | set(tier.floors) | {s for cue in tier.cues for s in cue.needs_signals}
        named |= {s for combination in tier.combinations for s in combination.signals}
        if named - signals:
            raise ValueError(f"tier names unknown signals {sorted(named - signals)}")
        cues = set(tier.cause_cues) | set(tier.cause_floors) | {c for m in tier.combinations for c in m.cause_cues}
        unknown = cues - {cue.name for cue in self.matter.causes.cues}
        if unknown:
            raise ValueError(f"tier.cause_cues / cause_floors name unknown cause cues {sorted(unknown)}")


def _alternation(patterns: list[str], normalise: Any) -> re.Pattern[str]:
    """One compiled alternation; an empty group matches nothing."""
    if not patterns:
        return re.compile(r"(?!x)x")
    return re.compile("|".join(f"(?:{normalise(p)})" for p in patterns))


def _cue_pattern(cue: CauseCue | TierCue, normalise: Any) -> re.Pattern[str]:
    try:
        # Longest term first: an alternation takes the first alternative that matches, so 稳赚 would
        # hide 稳赚不赔 (and leave 不赔 to the claim cues).
        terms = sorted(cue.terms, key=len, reverse=True)
        return _alternation([re.escape(t) for t in terms] + cue.patterns, normalise)
    except re.error as exc:
        raise ValueError(f"bad pattern in cause cue {cue.name!r}: {exc}") from exc


def parse_rules(*, text: str, source: str = "<rules>") -> Rules:
    """Validate rules from YAML text; raise `RulesError` naming the source and the problem."""
    return parse_file(Rules, text=text, source=source, what="rules", error=RulesError)


def load_rules(*, path: Path | None = None) -> Rules:
    """Load a rules file (the packaged default when `path` is None)."""
    return load_file(Rules, path=path, package="tousu_analysis.rules", what="rules", error=RulesError)
