"""Plan adherence in the periodic report (domain §9): closed complaints whose steps were all done on time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from tousu_intake.domain.report_sections import rate


@dataclass(frozen=True)
class AdherenceCell:
    """Closed complaints with a settled plan sharing one grouping value (a route, a queue or a profile)."""

    by: str  # route | queue | profile
    key: str
    adherent: bool
    count: int


@dataclass(frozen=True)
class OverdueStepCell:
    """Steps done late or missed in closed complaints, by step."""

    step: int
    name: str
    count: int


def _share(cells: Sequence[AdherenceCell]) -> dict[str, Any]:
    closed = sum(c.count for c in cells)
    adherent = sum(c.count for c in cells if c.adherent)
    return {"closed": closed, "adherent": adherent, "share": rate(adherent, closed)}


def _by(cells: Sequence[AdherenceCell], by: str) -> list[dict[str, Any]]:
    mine = [c for c in cells if c.by == by]
    return [{"key": k, **_share([c for c in mine if c.key == k])} for k in sorted({c.key for c in mine})]


def adherence(cells: Iterable[AdherenceCell], steps: Iterable[OverdueStepCell]) -> dict[str, Any]:
    """The share of closed complaints whose plan steps were all on time, by route, queue and profile (a complaint
    counts under each of its profile labels), and the steps most often done late or missed."""
    cells = list(cells)
    ranked = sorted(steps, key=lambda s: (-s.count, s.step))
    overdue = [{"step": s.step, "name": s.name, "count": s.count} for s in ranked]
    return {
        **_share([c for c in cells if c.by == "route"]),
        "by_route": _by(cells, "route"),
        "by_queue": _by(cells, "queue"),
        "by_profile": _by(cells, "profile"),
        "overdue_steps": overdue,
        "most_overdue_step": overdue[0] if overdue else None,
    }
