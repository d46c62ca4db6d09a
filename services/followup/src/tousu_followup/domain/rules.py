"""The follow-up policy as data: delays, complexity criteria, attempt and response limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta


@dataclass(frozen=True)
class ComplexityRule:
    """What makes a case complex or high-risk (any one criterion is enough)."""

    simple_routes: frozenset[str] = frozenset({"standard"})
    complex_severities: frozenset[str] = frozenset({"high", "critical"})
    complex_repeat_bands: frozenset[str] = frozenset({"high"})
    complex_tiers: frozenset[str] = frozenset({"L3"})
    reopened_is_complex: bool = True
    extension_is_complex: bool = True


@dataclass(frozen=True)
class Window:
    """The contact window in working days after the decision: due from `first`, by the end of `last`."""

    first: int
    last: int

    def __post_init__(self) -> None:
        if not 1 <= self.first <= self.last:
            raise ValueError(f"a contact window needs 1 <= first <= last, got {self.first}..{self.last}")


@dataclass(frozen=True)
class FollowupRules:
    """Every number of domain §7 that an institution may change."""

    simple: Window = field(default_factory=lambda: Window(1, 2))
    complex: Window = field(default_factory=lambda: Window(3, 5))
    contact_hour: int = 9  # local hour from which a due survey appears on the worklist
    complexity: ComplexityRule = field(default_factory=ComplexityRule)
    unreachable_attempts: int = 3
    unreachable_min_days: int = 2  # failed attempts must fall on at least this many distinct local days
    no_response_after: timedelta = timedelta(days=7)
    review_window: timedelta = timedelta(days=30)
    review_tier_hint: str = "management"
