"""The periodic report (投诉处理工作分析报告): pure roll-ups of aggregated read-model facts (domain §8)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tousu_intake.domain import report_sections as sections
from tousu_intake.domain.report_adherence import AdherenceCell, OverdueStepCell, adherence
from tousu_shared.cause_codes import CauseCodes, packaged_cause_codes

REGULATOR_CHANNELS = frozenset({"regulator_transfer", "hotline_12378"})


@dataclass(frozen=True)
class CaseCell:
    """How many complaints of the period share every one of these handling facts."""

    count: int
    channel: str
    product_line: str
    route: str
    tier: str
    cause: str
    status: str
    sla: str  # on_time | extended | breached (the regulatory decision clock)
    internal_breach: bool = False  # a first-contact or route-response clock breached
    decided: bool = False
    reopened: bool = False
    agent: bool = False
    repeat_band: str = "unknown"
    in_incident: bool = False
    outcome: str | None = None


@dataclass(frozen=True)
class AnswerCell:
    """How many follow-up answers (回访) share a satisfaction and the complaint's route, queue, channel, line."""

    count: int
    satisfaction: str
    channel: str
    product_line: str
    route: str
    queue: str


@dataclass(frozen=True)
class RootCause:
    """One root cause recorded at resolution, with its remediation state (溯源整改)."""

    root_cause: str
    count: int
    remediated: int
    closed: int
    remediations: tuple[str, ...] = ()


@dataclass(frozen=True)
class IncidentCell:
    """Incidents opened in the period sharing kind, status and major flag."""

    kind: str
    status: str
    major: bool
    count: int
    members: int


@dataclass(frozen=True)
class ReportFacts:
    """Everything the report needs, as aggregated by the read-model adapter."""

    cases: tuple[CaseCell, ...] = ()
    answers: tuple[AnswerCell, ...] = ()
    root_causes: tuple[RootCause, ...] = ()
    incidents: tuple[IncidentCell, ...] = ()
    complaints_per_customer: Mapping[int, int] = field(default_factory=dict)
    adherence: tuple[AdherenceCell, ...] = ()
    overdue_steps: tuple[OverdueStepCell, ...] = ()


def summarize(
    facts: ReportFacts,
    *,
    start: datetime,
    end: datetime,
    generated_at: datetime,
    cause_codes: CauseCodes | None = None,
) -> dict[str, Any]:
    """The JSON report of a period: complaints received in [start, end) and how they were handled.

    Causes carry their regulatory codes from `cause_codes` (default: the packaged shared mapping).
    """
    codes = cause_codes or packaged_cause_codes()
    regulator_cases = [c for c in facts.cases if c.channel in REGULATOR_CHANNELS]
    regulator_answers = [a for a in facts.answers if a.channel in REGULATOR_CHANNELS]
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat(), "basis": "received_at"},
        "generated_at": generated_at.isoformat(),
        "cause_codes": {"version": codes.version, "jrt_0169": codes.jrt_0169.title, "insurance": codes.insurance.title},
        **_handling(facts.cases, facts.answers, codes),
        "repeat": sections.repeat(facts.cases, per_customer=facts.complaints_per_customer),
        "agent_driven": sections.agent_driven(facts.cases),
        "incidents": sections.incidents(facts.incidents, cases=facts.cases),
        "root_causes": sections.root_causes(facts.root_causes),
        "plan_adherence": adherence(facts.adherence, facts.overdue_steps),
        "regulator_transferred": {
            "channels": sorted(REGULATOR_CHANNELS),
            **_handling(regulator_cases, regulator_answers, codes),
        },
    }


def _handling(cases: Iterable[CaseCell], answers: Iterable[AnswerCell], codes: CauseCodes) -> dict[str, Any]:
    cases, answers = list(cases), list(answers)
    return {
        "totals": sections.totals(cases),
        "volumes": sections.volumes(cases, codes=codes),
        "routes": sections.route_mix(cases),
        "sla": sections.sla(cases),
        "satisfaction": sections.satisfaction(answers),
        "reopen": sections.reopen(cases),
        "closures": sections.tally(cases, key=lambda c: c.outcome, where=lambda c: c.outcome is not None),
    }
