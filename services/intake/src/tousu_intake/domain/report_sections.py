"""The sections of the periodic report, each a roll-up of aggregated cells (pure, no I/O)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from tousu_intake.domain.report import AnswerCell, CaseCell, IncidentCell, RootCause
    from tousu_shared.cause_codes import CauseCodes

C = TypeVar("C", "CaseCell", "AnswerCell")
OPEN = frozenset({"received", "analyzed", "routed", "in_progress", "reopened"})
SLA_STATES = ("on_time", "extended", "breached")
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")
TOP_ROOT_CAUSES = 10


def rate(part: int, whole: int) -> float | None:
    """part / whole rounded to 4 places; None when there is nothing to divide."""
    return round(part / whole, 4) if whole else None


def tally(
    cells: Iterable[C], *, key: Callable[[C], Any], where: Callable[[C], bool] = lambda _: True
) -> list[dict[str, Any]]:
    """Counts by key, largest first, with each key's share of the total."""
    counts: Counter[str] = Counter()
    for cell in cells:
        if where(cell):
            counts[str(key(cell))] += cell.count
    whole = sum(counts.values())
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [{"key": k, "count": n, "share": rate(n, whole)} for k, n in ranked]


def totals(cases: Sequence[CaseCell]) -> dict[str, int]:
    """Received, still open, decided, closed, withdrawn."""

    def count(pred: Callable[[CaseCell], bool]) -> int:
        return sum(c.count for c in cases if pred(c))

    return {
        "complaints": count(lambda c: True),
        "open": count(lambda c: c.status in OPEN),
        "decided": count(lambda c: c.decided),
        "closed": count(lambda c: c.status == "closed"),
        "withdrawn": count(lambda c: c.status == "withdrawn"),
    }


def volumes(cases: Sequence[CaseCell], *, codes: CauseCodes) -> dict[str, list[dict[str, Any]]]:
    """Volumes by channel, product line and cause category (with the regulators' codes of each cause)."""
    return {
        "by_channel": tally(cases, key=lambda c: c.channel),
        "by_product_line": tally(cases, key=lambda c: c.product_line),
        "by_cause": by_cause(cases, codes=codes),
        "by_status": tally(cases, key=lambda c: c.status),
    }


def by_cause(cases: Sequence[CaseCell], *, codes: CauseCodes) -> list[dict[str, Any]]:
    """Counts by cause category, each with its JR/T 0169-2018 cause class and insurance dispute type (or None)."""
    rows = tally(cases, key=lambda c: c.cause)
    for row in rows:
        bank, insurance = codes.bank_cause(row["key"]), codes.insurance_dispute(row["key"])
        row["jrt_0169"] = bank.model_dump() if bank else None
        row["insurance"] = insurance.model_dump() if insurance else None
    return rows


def route_mix(cases: Sequence[CaseCell]) -> dict[str, list[dict[str, Any]]]:
    """The primary routes, and the tiers of standard cases."""
    return {
        "by_route": tally(cases, key=lambda c: c.route),
        "by_tier": tally(cases, key=lambda c: c.tier, where=lambda c: c.route == "standard"),
    }


def sla(cases: Sequence[CaseCell]) -> dict[str, Any]:
    """Regulatory-clock compliance: on time, on time within an extension, breached; plus internal breaches."""
    counts = {state: sum(c.count for c in cases if c.sla == state) for state in SLA_STATES}
    whole = sum(counts.values())
    return {
        **counts,
        "compliance_rate": rate(counts["on_time"] + counts["extended"], whole),
        "internal_breaches": sum(c.count for c in cases if c.internal_breach),
    }


def _satisfaction_of(answers: Sequence[AnswerCell]) -> dict[str, Any]:
    counts = {s: sum(a.count for a in answers if a.satisfaction == s) for s in SATISFACTION}
    whole = sum(counts.values())
    return {"answers": whole, **counts, "rate": rate(counts["satisfied"] + counts["basically_satisfied"], whole)}


def _grouped(cells: Sequence[C], key: Callable[[C], str], summary: Callable[[list[C]], dict[str, Any]]) -> list[Any]:
    groups: dict[str, list[C]] = {}
    for cell in cells:
        groups.setdefault(key(cell), []).append(cell)
    return sorted(({"key": k, **summary(v)} for k, v in groups.items()), key=lambda g: g["key"])


def satisfaction(answers: Sequence[AnswerCell]) -> dict[str, Any]:
    """Follow-up answers: overall satisfaction rate and by route, channel, product line and queue."""
    return {
        **_satisfaction_of(answers),
        "by_route": _grouped(answers, lambda a: a.route, _satisfaction_of),
        "by_channel": _grouped(answers, lambda a: a.channel, _satisfaction_of),
        "by_product_line": _grouped(answers, lambda a: a.product_line, _satisfaction_of),
        "by_queue": _grouped(answers, lambda a: a.queue, _satisfaction_of),
    }


def _reopen_of(cases: Sequence[CaseCell]) -> dict[str, Any]:
    decided = sum(c.count for c in cases if c.decided)
    reopened = sum(c.count for c in cases if c.reopened)
    return {"decided": decided, "reopened": reopened, "rate": rate(reopened, decided)}


def reopen(cases: Sequence[CaseCell]) -> dict[str, Any]:
    """Reopened complaints over decided ones, overall and by route, channel and product line."""
    decided = [c for c in cases if c.decided]
    return {
        **_reopen_of(decided),
        "by_route": _grouped(decided, lambda c: c.route, _reopen_of),
        "by_channel": _grouped(decided, lambda c: c.channel, _reopen_of),
        "by_product_line": _grouped(decided, lambda c: c.product_line, _reopen_of),
    }


def repeat(cases: Sequence[CaseCell], *, per_customer: Mapping[int, int]) -> dict[str, Any]:
    """Repeat complainants in the period and the repeat-risk (缠诉) picture."""
    customers = sum(per_customer.values())
    repeaters = sum(n for k, n in per_customer.items() if k >= 2)
    return {
        "complainants": customers,
        "repeat_complainants": repeaters,
        "repeat_complaints": sum(k * n for k, n in per_customer.items() if k >= 2),
        "repeat_share": rate(repeaters, customers),
        "by_repeat_risk": tally(cases, key=lambda c: c.repeat_band),
        "entangled_route": sum(c.count for c in cases if c.route == "entangled"),
    }


def agent_driven(cases: Sequence[CaseCell]) -> dict[str, Any]:
    """Agent-driven (代理投诉) complaints: profile label or professional-agent route."""
    agent = sum(c.count for c in cases if c.agent)
    return {"complaints": agent, "share": rate(agent, sum(c.count for c in cases))}


def incidents(cells: Iterable[IncidentCell], *, cases: Sequence[CaseCell]) -> dict[str, Any]:
    """Group (群体性) and public-opinion (舆情) incidents opened in the period."""
    cells = list(cells)
    return {
        "opened": sum(i.count for i in cells),
        "open": sum(i.count for i in cells if i.status == "open"),
        "major": sum(i.count for i in cells if i.major),
        "members": sum(i.members for i in cells),
        "by_kind": [
            {"key": kind, "count": sum(i.count for i in cells if i.kind == kind)}
            for kind in sorted({i.kind for i in cells})
        ],
        "complaints_in_incidents": sum(c.count for c in cases if c.in_incident),
    }


def root_causes(causes: Iterable[RootCause]) -> list[dict[str, Any]]:
    """The most frequent root causes with how far their remediation has got."""
    ranked = sorted(causes, key=lambda r: (-r.count, r.root_cause))[:TOP_ROOT_CAUSES]
    return [
        {
            "root_cause": r.root_cause,
            "count": r.count,
            "remediation_recorded": r.remediated,
            "closed": r.closed,
            "state": _remediation_state(r),
            "remediations": list(r.remediations),
        }
        for r in ranked
    ]


def _remediation_state(cause: RootCause) -> str:
    if cause.closed >= cause.count:
        return "closed"
    return "in_progress" if cause.remediated else "pending"
