"""The plan rules (domain §9) as a validated, versioned model, and its loader: steps, due times, guidance."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tousu_shared.events.plan import GuidanceKind
from tousu_shared.rulesfile import RulesFileError, Strict, load_file, parse_file

Completion = Literal[
    "acknowledged",
    "contacted",
    "contacted+note",
    "note",
    "resolution_proposed",
    "resolved",
    "feedback",
    "reopened",
    "closed",
]
DueClock = Literal["first_contact", "response"]


class PlanRulesError(RulesFileError):
    """The plan rules file is missing, unreadable or invalid."""


class StepDue(Strict):
    """Exactly one of: the earliest of some clocks, a share of the decision deadline, the follow-up schedule."""

    clocks: list[DueClock] = Field(default_factory=list, description="The earliest due time of these clocks.")
    regulatory_share: float | None = Field(default=None, gt=0, le=1, description="Share of the decision period.")
    followup: bool = Field(default=False, description="The follow-up (回访) schedule.")

    @model_validator(mode="after")
    def _exactly_one(self) -> StepDue:
        given = [bool(self.clocks), self.regulatory_share is not None, self.followup]
        if sum(given) != 1:
            raise ValueError("a step's `due` needs exactly one of `clocks`, `regulatory_share` or `followup: true`")
        return self

    def describe(self) -> str:
        """What the due time comes from, e.g. `first_contact|response` or `regulatory 20 %`."""
        if self.clocks:
            return "|".join(self.clocks)
        if self.regulatory_share is not None:
            return f"regulatory {self.regulatory_share:.0%}".replace("%", " %")
        return "followup"


class StepRule(Strict):
    """One step of the six-step model."""

    step: int = Field(ge=1)
    key: str = Field(pattern=r"^[a-z][a-z_]*$")
    name: str = Field(min_length=1)
    description: str = ""
    due: StepDue
    done_by: list[Completion] = Field(min_length=1, description="What completes the step.")
    queue: str | None = Field(default=None, description="Owner queue; null = the route's queue.")


class Condition(Strict):
    """All given parts must hold (as in the routing policy); `always: true` holds for every complaint."""

    always: bool = False
    routes: list[str] = Field(default_factory=list, description="The primary route is one of these.")
    levels: list[str] = Field(default_factory=list, description="The route level is one of these (e.g. major).")
    flags: list[str] = Field(default_factory=list, description="A routing flag is one of these.")
    profiles: list[str] = Field(default_factory=list, description="A profile label at the minimum confidence.")
    signals: list[str] = Field(default_factory=list, description="A signal that fired.")

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        parts = self.model_dump(exclude_defaults=True)
        if not parts:
            raise ValueError("an empty condition would always hold; name a part, or say `always: true`")
        if self.always and len(parts) > 1:
            raise ValueError("`always: true` stands alone in its condition")
        return self


class GuidanceRule(Strict):
    """One guidance item; it applies when ANY of its `when` conditions holds."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_.]*$")
    kind: GuidanceKind
    text: str = Field(min_length=1)
    when: list[Condition] = Field(min_length=1)


class PlanRules(Strict):
    """The whole plan rules file."""

    version: str = Field(min_length=1)
    min_profile_confidence: float = Field(default=0.5, ge=0, le=1)
    followup_provisional_working_days: int = Field(
        default=5, ge=1, description="Step-6 due before the survey is scheduled: decision deadline + N working days."
    )
    steps: list[StepRule] = Field(min_length=1)
    guidance: list[GuidanceRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> PlanRules:
        numbers = [s.step for s in self.steps]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"steps must be numbered 1, 2, 3 … in order, got {numbers}")
        for what, names in (
            ("step keys", [s.key for s in self.steps]),
            ("guidance ids", [g.id for g in self.guidance]),
        ):
            if len(names) != len(set(names)):
                raise ValueError(f"{what} must be unique")
        return self

    def routes_named(self) -> set[str]:
        """Every route a guidance condition names (checked against the routing policy at start-up)."""
        return {r for g in self.guidance for c in g.when for r in c.routes}


def check_routes(rules: PlanRules, *, known: set[str], source: str = "plan rules") -> None:
    """Refuse a rules file naming a route the routing policy does not have (a typo would never match)."""
    unknown = sorted(rules.routes_named() - known)
    if unknown:
        raise PlanRulesError(
            f"{source}: guidance names unknown routes {unknown}; the routing policy has {sorted(known)}"
        )


def parse_plan_rules(*, text: str, source: str = "<plan>") -> PlanRules:
    """Validate plan rules from YAML text; raise `PlanRulesError` naming the source and the problem."""
    return parse_file(PlanRules, text=text, source=source, what="plan rules", error=PlanRulesError)


def load_plan_rules(*, path: Path | None = None) -> PlanRules:
    """Load a plan rules file (the packaged default when `path` is None)."""
    return load_file(PlanRules, path=path, package="tousu_escalation.plan", what="plan rules", error=PlanRulesError)
