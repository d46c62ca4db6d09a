"""The routing policy (domain §5) as a validated, versioned model, and its loader."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator

from tousu_shared.rulesfile import RulesFileError, Strict, load_file, parse_file


class PolicyError(RulesFileError):
    """The routing policy file is missing, unreadable or invalid."""


class Target(Strict):
    """A response target in hours or in working days (exactly one)."""

    hours: float | None = Field(default=None, gt=0)
    working_days: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        if (self.hours is None) == (self.working_days is None):
            raise ValueError("a target needs exactly one of `hours` or `working_days`")
        return self

    def describe(self) -> str:
        """Human-readable target, e.g. `1 h` or `2 working days`."""
        if self.hours is not None:
            return f"{self.hours:g} h"
        return f"{self.working_days} working day(s)"


class Condition(Strict):
    """All given parts must hold."""

    signals_any: list[str] = Field(default_factory=list)
    signals_all: list[str] = Field(default_factory=list)
    repeat_bands: list[str] = Field(default_factory=list)
    min_complainants: int | None = Field(default=None, ge=1)
    min_cluster_customers: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not self.model_dump(exclude_defaults=True):
            raise ValueError("an empty condition would always hold; name at least one part")
        return self


class RouteLevel(Strict):
    """A level of a route (red/orange, major/wave) with its own target; first match wins."""

    level: str
    target: Target
    when: list[Condition] = Field(min_length=1)


class RouteRule(Strict):
    """One route of the precedence table."""

    name: str
    queue: str
    target: Target | None = None
    when: list[Condition] = Field(default_factory=list)
    levels: list[RouteLevel] = Field(default_factory=list)

    @model_validator(mode="after")
    def _has_conditions(self) -> RouteRule:
        if not self.when and not self.levels:
            raise ValueError(f"route {self.name!r} needs `when` or `levels`")
        if self.when and self.target is None:
            raise ValueError(f"route {self.name!r} needs a `target`")
        return self


class Tier(Strict):
    """A standard-route tier by overall score."""

    tier: str
    min_score: int = Field(ge=0, le=100)
    queue: str


class StandardRoute(Strict):
    """The fallback route, tiered L1/L2/L3."""

    name: str = "standard"
    target: Target
    tiers: list[Tier] = Field(min_length=1)

    @model_validator(mode="after")
    def _ascending(self) -> StandardRoute:
        scores = [t.min_score for t in self.tiers]
        if scores != sorted(scores) or scores[0] != 0:
            raise ValueError("standard tiers must ascend by min_score, starting at 0")
        return self


class Policy(Strict):
    """The whole routing policy."""

    version: str = Field(min_length=1)
    routes: list[RouteRule] = Field(min_length=1)
    standard: StandardRoute
    major_flag: str = "major_incident"

    @model_validator(mode="after")
    def _unique_names(self) -> Policy:
        names = [r.name for r in self.routes] + [self.standard.name]
        if len(names) != len(set(names)):
            raise ValueError("route names must be unique")
        return self


def parse_policy(*, text: str, source: str = "<policy>") -> Policy:
    """Validate a policy from YAML text; raise `PolicyError` naming the source and the problem."""
    return parse_file(Policy, text=text, source=source, what="routing policy", error=PolicyError)


def load_policy(*, path: Path | None = None) -> Policy:
    """Load a policy file (the packaged default when `path` is None)."""
    return load_file(Policy, path=path, package="tousu_escalation.policy", what="policy", error=PolicyError)
