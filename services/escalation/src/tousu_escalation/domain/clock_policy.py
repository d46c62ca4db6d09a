"""The clock policy (domain §6) as a validated, versioned table, and its loader."""

from __future__ import annotations

from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from tousu_shared.calendar import CHINA
from tousu_shared.deadlines import Basis, Counting, RegulatoryTerms
from tousu_shared.rulesfile import RulesFileError, Strict, load_file, parse_file

ClockKind = Literal["regulatory", "first_contact", "response"]
Requirement = Literal["reason", "approver"]


class ClockPolicyError(RulesFileError):
    """The clock policy file is missing, unreadable or invalid."""


class ExtensionStep(Strict):
    """One allowed extension: the total length it allows and what it needs."""

    total_days: int = Field(ge=1, description="Clock length after this extension, from the start.")
    requires: list[Requirement] = Field(default_factory=list)


class ClockRule(Strict):
    """One clock: how long, measured how, what stops, pauses or extends it."""

    basis: Basis = "calendar"
    counting: Counting | None = Field(
        default=None,
        description="civil_code (Civil Code arts. 201/203: from the next day, to 24:00, off rest days) or elapsed "
        "(wall time); unset: civil_code for the regulatory clock, elapsed for the others.",
    )
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
        if self.from_route and self.counting is not None:
            raise ValueError("a `from_route` clock takes its due time from the route: no `counting`")
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
        """The calendar's local time zone (China time unless the policy says otherwise)."""
        return CHINA if self.utc_offset_hours == 8 else timezone(timedelta(hours=self.utc_offset_hours))

    def counting(self, kind: ClockKind) -> Counting:
        """How a clock of this kind counts its days: as set, else civil_code (regulatory) or elapsed."""
        return self.clocks[kind].counting or ("civil_code" if kind == "regulatory" else "elapsed")

    def regulatory_terms(self) -> RegulatoryTerms | None:
        """The regulatory clock's days, extensions and counting (what intake's `due_at` must match)."""
        rule = self.clocks.get("regulatory")
        if rule is None or rule.days is None:
            return None
        totals = tuple(s.total_days for s in rule.extensions)
        return RegulatoryTerms(days=rule.days, extensions=totals, counting=self.counting("regulatory"))

    def length(self, kind: ClockKind, *, extensions: int) -> int | None:
        """The clock's length in days after `extensions` extensions (None: the route gives the due time)."""
        rule = self.clocks[kind]
        return rule.extensions[extensions - 1].total_days if extensions else rule.days


def parse_clock_policy(*, text: str, source: str = "<clocks>") -> ClockPolicy:
    """Validate a clock policy from YAML text; raise `ClockPolicyError` naming the source."""
    return parse_file(ClockPolicy, text=text, source=source, what="clock policy", error=ClockPolicyError)


def load_clock_policy(*, path: Path | None = None) -> ClockPolicy:
    """Load a clock policy file (the packaged default when `path` is None)."""
    return load_file(
        ClockPolicy, path=path, package="tousu_escalation.clocks", what="clock policy", error=ClockPolicyError
    )
