"""The cause and tier sections of the rules file: weighted cause cues, tier levels and contributions."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from tousu_shared.cause_codes import packaged_cause_codes
from tousu_shared.rulesfile import Strict


class CauseCue(Strict):
    """One family of evidence (keywords or patterns) and the weight it gives to cause categories."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    terms: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    weights: dict[str, float] = Field(min_length=1)

    @model_validator(mode="after")
    def _has_evidence(self) -> CauseCue:
        if not self.terms and not self.patterns:
            raise ValueError(f"cause cue {self.name!r} has neither terms nor patterns")
        if any(w == 0 for w in self.weights.values()):
            raise ValueError(f"cause cue {self.name!r} has a zero weight")
        return self


class CauseRules(Strict):
    """Cause categories (domain §2) by weighted evidence over the whole text; the highest total wins."""

    default: str
    categories: list[str] = Field(min_length=1)
    min_score: float = Field(default=3.0, ge=0.0)
    repeat_factor: float = Field(default=0.5, ge=0.0, le=1.0)
    max_matches: int = Field(default=3, ge=1)
    demands_factor: float = Field(default=0.5, ge=0.0, le=1.0)
    cues: list[CauseCue] = Field(min_length=1)

    @model_validator(mode="after")
    def _categories_known(self) -> CauseRules:
        names = set(self.categories)
        if len(names) != len(self.categories):
            raise ValueError("matter.causes.categories has duplicates")
        if self.default not in names:
            raise ValueError(f"matter.causes.default {self.default!r} is not a category")
        cue_names = [c.name for c in self.cues]
        if len(set(cue_names)) != len(cue_names):
            raise ValueError("matter.causes.cues have duplicate names")
        for cue in self.cues:
            unknown = set(cue.weights) - names
            if unknown:
                raise ValueError(f"cause cue {cue.name!r} weighs unknown categories {sorted(unknown)}")
        packaged_cause_codes().require(self.categories, what="rules cause categories")
        return self


class TierLevel(Strict):
    """A standard tier and the points it starts at."""

    tier: str = Field(min_length=1)
    min_points: float = Field(ge=0.0)


class TierCue(Strict):
    """Text evidence (complexity, vulnerability) that adds points to the tier, optionally only with a signal."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    terms: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    points: float
    needs_signals: list[str] = Field(default_factory=list)
    # Also required: one of these patterns somewhere in the text (a cue of two parts, e.g. hardship AND a
    # repayment plan asked for).
    with_patterns: list[str] = Field(default_factory=list)
    # The lowest tier when the cue is found (e.g. L2: a specialist decides), besides its points.
    floor: str | None = None

    @model_validator(mode="after")
    def _has_evidence(self) -> TierCue:
        if not self.terms and not self.patterns:
            raise ValueError(f"tier cue {self.name!r} has neither terms nor patterns")
        return self


class TierCombination(Strict):
    """A floor that needs two things at once: every one of `signals` and any one of `cause_cues`."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    signals: list[str] = Field(min_length=1)
    cause_cues: list[str] = Field(min_length=1)
    floor: str = Field(min_length=1)


class TierRules(Strict):
    """The standard-route tier (domain §5: L1 / L2 / L3) from points, each contribution a reason."""

    levels: list[TierLevel] = Field(min_length=1)
    overall_share: float = Field(default=1.0, ge=0.0)
    dimension_levels: dict[Literal["high", "critical"], float] = Field(default_factory=dict)
    amount_steps: list[tuple[float, float]] = Field(default_factory=list)
    # No amount declared: the largest amount the text states (3万, 1.5w, 8千5 ...), which substance did not count.
    stated_amount_steps: list[tuple[float, float]] = Field(default_factory=list)
    # ... counted only in a sentence that says the money was lost, taken, not received or is owed back.
    stated_amount_cues: list[str] = Field(default_factory=list)
    signals: dict[str, float] = Field(default_factory=dict)
    floors: dict[str, str] = Field(default_factory=dict)
    cause_cues: dict[str, float] = Field(default_factory=dict)
    cause_floors: dict[str, str] = Field(default_factory=dict)
    combinations: list[TierCombination] = Field(default_factory=list)
    per_same_matter: float = Field(default=0.0, ge=0.0)
    cap_same_matter: float = Field(default=0.0, ge=0.0)
    cues: list[TierCue] = Field(default_factory=list)

    @model_validator(mode="after")
    def _levels_ascend(self) -> TierRules:
        points = [level.min_points for level in self.levels]
        if points[0] != 0 or points != sorted(points) or len(set(points)) != len(points):
            raise ValueError("tier.levels must start at 0 points and ascend strictly")
        names = [level.tier for level in self.levels]
        floors = set(self.floors.values()) | set(self.cause_floors.values()) | {c.floor for c in self.cues if c.floor}
        floors |= {c.floor for c in self.combinations}
        unknown = floors - set(names)
        if unknown:
            raise ValueError(f"tier.floors name unknown tiers {sorted(unknown)}")
        return self
