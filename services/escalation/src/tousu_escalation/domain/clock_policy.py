"""The clock policy (domain §6) as a validated, versioned table, and its loader."""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Basis = Literal["calendar", "working"]
ClockKind = Literal["regulatory", "first_contact", "response"]
Requirement = Literal["reason", "approver"]


class ClockPolicyError(ValueError):
    """The clock policy file is missing, unreadable or invalid."""


class Strict(BaseModel):
    """Policy-file section: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ExtensionStep(Strict):
    """One allowed extension: the total length it allows and what it needs."""

    total_days: int = Field(ge=1, description="Clock length after this extension, from the start.")
    requires: list[Requirement] = Field(default_factory=list)


class ClockRule(Strict):
    """One clock: how long, measured how, what stops, pauses or extends it."""

    basis: Basis = "calendar"
    days: int | None = Field(default=None, ge=1, description="Length; None when the route gives the target.")
    from_route: bool = Field(default=False, description="Due time is the route's response target.")
    stopped_by: list[str] = Field(default_factory=list, description="Action types that stop the clock.")
    pause_states: list[str] = Field(default_factory=list, description="States that pause it (鉴定/调解).")
    extensions: list[ExtensionStep] = Field(default_factory=list)
    restart_on_new_facts: bool = False

    @model_validator(mode="after")
    def _length(self) -> ClockRule:
        if (self.days is None) != self.from_route:
            raise ValueError("a clock needs exactly one of `days` or `from_route: true`")
        totals = [s.total_days for s in self.extensions]
        if totals != sorted(set(totals)) or (self.days and totals and totals[0] <= self.days):
            raise ValueError("extension totals must ascend and exceed the base length")
        return self


class BreachRule(Strict):
    """Past-deadline escalation: repeats every `repeat_every_hours`, up the queue ladder."""

    repeat_every_hours: float = Field(default=24.0, gt=0)
    ladder: list[str | None] = Field(
        default_factory=lambda: list[str | None]([None]),
        min_length=1,
        description="Queue per level; null = the route's queue.",
    )

    @property
    def interval(self) -> timedelta:
        """Time between escalation levels."""
        return timedelta(hours=self.repeat_every_hours)

    def queue(self, *, level: int, current: str | None) -> str | None:
        """The queue a breach of `level` (1-based) escalates to."""
        return self.ladder[min(level, len(self.ladder)) - 1] or current


class ClockPolicy(Strict):
    """The whole clock table."""

    version: str = Field(min_length=1)
    utc_offset_hours: float = Field(default=8.0, ge=-12, le=14, description="Local time of the working calendar.")
    warnings: list[float] = Field(min_length=1)
    breach: BreachRule = Field(default_factory=BreachRule)
    clocks: dict[ClockKind, ClockRule]

    @model_validator(mode="after")
    def _warnings(self) -> ClockPolicy:
        if self.warnings != sorted(set(self.warnings)) or not all(0 < w < 1 for w in self.warnings):
            raise ValueError("warnings must be ascending fractions strictly between 0 and 1")
        return self

    @property
    def tz(self) -> tzinfo:
        """The calendar's local time zone."""
        return timezone(timedelta(hours=self.utc_offset_hours))


def parse_clock_policy(*, text: str, source: str = "<clocks>") -> ClockPolicy:
    """Validate a clock policy from YAML text; raise `ClockPolicyError` naming the source."""
    try:
        data = yaml.safe_load(text)
        return ClockPolicy.model_validate(data)
    except yaml.YAMLError as exc:
        raise ClockPolicyError(f"{source}: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise ClockPolicyError(f"{source}: invalid clock policy:\n{exc}") from exc


def load_clock_policy(*, path: Path | None = None) -> ClockPolicy:
    """Load a clock policy file (the packaged default when `path` is None)."""
    if path is None:
        text = resources.files("tousu_escalation.clocks").joinpath("default.yaml").read_text(encoding="utf-8")
        return parse_clock_policy(text=text, source="clocks/default.yaml")
    try:
        return parse_clock_policy(text=path.read_text(encoding="utf-8"), source=str(path))
    except OSError as exc:
        raise ClockPolicyError(f"{path}: cannot read clock policy: {exc}") from exc
