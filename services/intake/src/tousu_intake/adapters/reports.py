"""Report aggregations over the read model: every pipeline starts with an indexed `$match` on the period."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.collection import AsyncCollection

from tousu_intake.domain.report import AnswerCell, CaseCell, IncidentCell, ReportFacts, RootCause
from tousu_intake.domain.report_adherence import AdherenceCell, OverdueStepCell
from tousu_shared.mongo import Document

REMEDIATIONS_SHOWN = 3


def _present(path: str) -> dict[str, Any]:
    return {"$ne": [{"$ifNull": [path, None]}, None]}


def _any(path: str, *, field: str, equals: str, negate: bool = False) -> dict[str, Any]:
    cond = {"$ne" if negate else "$eq": [f"$$x.{field}", equals]}
    matches = {"$filter": {"input": {"$ifNull": [path, []]}, "as": "x", "cond": cond}}
    return {"$gt": [{"$size": matches}, 0]}


SLA_STATE = {
    "$switch": {
        "branches": [
            {"case": _any("$sla.breaches", field="clock", equals="regulatory"), "then": "breached"},
            {"case": {"$and": [_present("$decided_at"), {"$gt": ["$decided_at", "$due_at"]}]}, "then": "breached"},
            {"case": {"$gt": [{"$ifNull": ["$extensions", 0]}, 0]}, "then": "extended"},
        ],
        "default": "on_time",
    }
}
PROFILE_LABELS = {"$map": {"input": {"$ifNull": ["$analysis.profile", []]}, "as": "p", "in": "$$p.label"}}
AGENT = {
    "$or": [
        {"$in": ["agent_driven", PROFILE_LABELS]},
        {"$in": ["agent_involved", {"$ifNull": ["$routing.flags", []]}]},
        {"$eq": ["$route", "professional_agent"]},
    ]
}
CASE_FACTS = {
    "channel": "$channel",
    "product_line": {"$ifNull": ["$product_line", "other"]},
    "route": {"$ifNull": ["$route", "unrouted"]},
    "tier": {"$ifNull": ["$routing.tier", "-"]},
    "cause": {"$ifNull": ["$analysis.cause_category", "unanalysed"]},
    "status": "$status",
    "sla": SLA_STATE,
    "internal_breach": _any("$sla.breaches", field="clock", equals="regulatory", negate=True),
    "decided": _present("$decided_at"),
    "reopened": {"$gt": [{"$ifNull": ["$cycle", 1]}, 1]},
    "agent": AGENT,
    "repeat_band": {"$ifNull": ["$analysis.repeat_risk.band", "unknown"]},
    "in_incident": {"$gt": [{"$size": {"$ifNull": ["$incident_ids", []]}}, 0]},
    "outcome": {"$ifNull": ["$closure.outcome", None]},
}
ANSWER_FACTS = {
    "satisfaction": "$followup.answers.satisfaction",
    "channel": "$channel",
    "product_line": {"$ifNull": ["$product_line", "other"]},
    "route": {"$ifNull": ["$route", "unrouted"]},
    "queue": {"$ifNull": ["$routing.queue", "-"]},
}


class ReportRepository:
    """Aggregates the complaint and incident read models of one period into report facts."""

    def __init__(self, *, complaints: AsyncCollection[Document], incidents: AsyncCollection[Document]) -> None:
        self._complaints = complaints
        self._incidents = incidents

    async def ensure_indexes(self) -> None:
        """The period filters: complaints by `received_at` (made by the complaints repository), incidents here."""
        await self._incidents.create_index([("opened_at", ASCENDING)], name="report_opened_at")

    async def facts(self, *, start: datetime, end: datetime) -> ReportFacts:
        """Every aggregate of complaints received and incidents opened in [start, end)."""
        window = {"$gte": start, "$lt": end}
        received = {"$match": {"received_at": window}}
        return ReportFacts(
            cases=tuple(CaseCell(count=r["count"], **r["_id"]) for r in await self._cases(received)),
            answers=tuple(AnswerCell(count=r["count"], **r["_id"]) for r in await self._answers(received)),
            root_causes=tuple(await self._root_causes(received)),
            incidents=tuple(await self._incident_cells(window)),
            complaints_per_customer={r["_id"]: r["customers"] for r in await self._per_customer(received)},
            adherence=tuple(await self._adherence(received)),
            overdue_steps=tuple(await self._overdue_steps(received)),
        )

    async def _aggregate(self, coll: AsyncCollection[Document], pipeline: Sequence[Document]) -> list[Document]:
        cursor = await coll.aggregate(list(pipeline))
        return await cursor.to_list()

    async def _cases(self, received: Document) -> list[Document]:
        grouping = {"$group": {"_id": {k: f"${k}" for k in CASE_FACTS}, "count": {"$sum": 1}}}
        return await self._aggregate(self._complaints, [received, {"$project": CASE_FACTS}, grouping])

    async def _answers(self, received: Document) -> list[Document]:
        answered = {"$match": {"followup.answers.satisfaction": {"$type": "string"}}}
        pipeline = [received, {"$unwind": "$followup.answers"}, answered]
        grouping = {"$group": {"_id": ANSWER_FACTS, "count": {"$sum": 1}}}
        return await self._aggregate(self._complaints, [*pipeline, grouping])

    async def _root_causes(self, received: Document) -> list[RootCause]:
        recorded = {"$match": {"resolution.root_cause": {"$type": "string"}}}
        grouping = {
            "$group": {
                "_id": "$resolution.root_cause",
                "count": {"$sum": 1},
                "remediated": {"$sum": {"$cond": [_present("$resolution.remediation"), 1, 0]}},
                "closed": {"$sum": {"$cond": [{"$eq": ["$status", "closed"]}, 1, 0]}},
                "remediations": {"$addToSet": "$resolution.remediation"},
            }
        }
        rows = await self._aggregate(self._complaints, [received, recorded, grouping])
        return [
            RootCause(
                root_cause=r["_id"],
                count=r["count"],
                remediated=r["remediated"],
                closed=r["closed"],
                remediations=tuple(sorted(x for x in r["remediations"] if x))[:REMEDIATIONS_SHOWN],
            )
            for r in rows
        ]

    async def _adherence(self, received: Document) -> list[AdherenceCell]:
        """Closed complaints with a settled plan, adherent or not, by route, by queue and by profile label."""
        settled = {"$match": {"status": "closed", "plan_summary.settled": True}}
        cells: list[AdherenceCell] = []
        for by, unwind in (("route", False), ("queue", False), ("profile", True)):
            field = "$plan_summary.profiles" if unwind else f"$plan_summary.{by}"
            stages: list[Document] = [received, settled, *([{"$unwind": field}] if unwind else [])]
            keys = {"key": field, "adherent": "$plan_summary.adherent"}
            rows = await self._aggregate(self._complaints, [*stages, {"$group": {"_id": keys, "count": {"$sum": 1}}}])
            cells += [
                AdherenceCell(by=by, key=str(r["_id"]["key"]), adherent=bool(r["_id"]["adherent"]), count=r["count"])
                for r in rows
            ]
        return cells

    async def _overdue_steps(self, received: Document) -> list[OverdueStepCell]:
        """Steps done late or missed in closed complaints with a settled plan."""
        settled = {"$match": {"status": "closed", "plan_summary.settled": True}}
        keys = {"step": "$plan_summary.overdue_steps.step", "name": "$plan_summary.overdue_steps.name"}
        pipeline = [received, settled, {"$unwind": "$plan_summary.overdue_steps"}]
        rows = await self._aggregate(self._complaints, [*pipeline, {"$group": {"_id": keys, "count": {"$sum": 1}}}])
        return [OverdueStepCell(step=int(r["_id"]["step"]), name=str(r["_id"]["name"]), count=r["count"]) for r in rows]

    async def _incident_cells(self, window: Document) -> list[IncidentCell]:
        keys = {"kind": "$kind", "status": {"$ifNull": ["$status", "open"]}, "major": {"$ifNull": ["$major", False]}}
        grouping = {"$group": {"_id": keys, "count": {"$sum": 1}, "members": {"$sum": "$member_count"}}}
        rows = await self._aggregate(self._incidents, [{"$match": {"opened_at": window}}, grouping])
        return [IncidentCell(count=r["count"], members=r["members"], **r["_id"]) for r in rows]

    async def _per_customer(self, received: Document) -> list[Document]:
        by_customer = {"$group": {"_id": "$customer_key", "n": {"$sum": 1}}}
        histogram = {"$group": {"_id": "$n", "customers": {"$sum": 1}}}
        return await self._aggregate(self._complaints, [received, by_customer, histogram])
