"""Hand-written fakes of analysis's two ports: one in-memory collection behind both, copied on every read."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tousu_analysis.domain import CustomerHistory
from tousu_analysis.domain.updates import HistoryFact
from tousu_analysis.domain.working_set import (
    HistoryWindow,
    Neighbour,
    NewAnalysis,
    Pending,
    Probe,
    StoredComplaint,
    WorkingSet,
)
from tousu_analysis.service import Change, Envelopes
from tousu_shared.events import Envelope, EventData
from tousu_shared.retry import PermanentError


@dataclass
class FakeComplaints:
    """In-memory ComplaintStore: rows by complaint id, a stored analysis never replaced, facts once per event id."""

    rows: dict[str, StoredComplaint] = field(default_factory=dict)
    analyses: dict[str, NewAnalysis] = field(default_factory=dict)
    outbox: list[Envelope[EventData]] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)
    writes: int = 0

    @property
    def facts(self) -> dict[str, list[HistoryFact]]:
        """Facts applied per complaint, in the order applied."""
        return {cid: list(row.facts) for cid, row in self.rows.items() if row.facts}

    async def own(self, *, complaint_ids: list[str], windows: list[HistoryWindow], limit: int) -> list[StoredComplaint]:
        self.reads.append({"ids": list(complaint_ids), "windows": list(windows), "limit": limit})
        wanted = set(complaint_ids)
        found = [
            row
            for row in self.rows.values()
            if row.complaint_id in wanted
            or any(
                w.customer_key == row.customer_key and row.received_at and w.since <= row.received_at <= w.until
                for w in windows
            )
        ]
        return copy.deepcopy(found)

    async def write(self, *, pending: list[Pending], envelopes: Envelopes, now: datetime) -> set[Change]:
        self.writes += 1
        lost: set[Change] = set()
        for change in pending:
            cid = change.row.complaint_id
            stored = self.rows.setdefault(cid, StoredComplaint(complaint_id=cid, customer_key=change.row.customer_key))
            if change.analysis is not None:
                if stored.analysed:
                    lost.add(("analysis", cid))
                else:
                    stored.received_at, stored.item = change.row.received_at, change.row.item
                    self.analyses[cid] = change.analysis
                    self.outbox.extend(envelopes.get(cid, []))
            if change.new_facts:
                if stored.applied & {event_id for event_id, _ in change.new_facts}:
                    lost.add(("facts", cid))
                    continue
                for event_id, fact in change.new_facts:
                    stored.facts.append(fact)
                    stored.applied.add(event_id)
        return lost

    async def history(self, *, customer_key: str, since: datetime, until: datetime, limit: int) -> CustomerHistory:
        """The customer's history as the service would select it (for assertions)."""
        rows = await self.own(complaint_ids=[], windows=[HistoryWindow(customer_key, since, until)], limit=limit)
        ws = WorkingSet(own=rows, neighbours=[])
        return ws.history(customer_key=customer_key, since=since, until=until, limit=limit)


@dataclass
class FakeTemplates:
    """In-memory TemplateIndex over the fake store's analyses: every stored complaint (a superset, as allowed).

    A complaint id in `poison` makes the look-up fail permanently, like a record the index rejects.
    """

    store: FakeComplaints
    poison: set[str] = field(default_factory=set)

    async def neighbours(self, *, probes: list[Probe], candidates: int, customers: int) -> list[Neighbour]:
        rejected = sorted(self.poison & {p.complaint_id for p in probes})
        if rejected:
            raise PermanentError(f"the index rejects {rejected}")
        return [
            Neighbour(
                complaint_id=cid,
                customer_key=r.analysis.customer_key,
                received_at=r.analysis.received_at,
                band_keys=tuple(r.analysis.matter.signature),
                minhash=r.minhash,
                phone_key=r.phone_key,
                matter_key=r.matter_key,
            )
            for cid, r in self.store.analyses.items()
        ]
