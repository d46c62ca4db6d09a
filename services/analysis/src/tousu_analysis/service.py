"""Orchestration of the analysis service: one read per look-up for a whole batch → pure decisions → one write.

A consumer batch (or a single event, which is a batch of one: the same code) is handled as:
1. reads: the complaints the batch names and its customers' history windows (`ComplaintStore.own`),
   and the cross-customer neighbours of its complaints (band keys, phones, matters), each one
   indexed read for the whole batch;
2. decisions, in batch order, in memory (`WorkingSet`): each complaint sees its history and
   neighbours as they would be had every earlier record of the batch been stored;
3. one write of every change with its events (outbox), then metrics.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from tousu_analysis.domain.analyze import Prepared, analyze, prepare
from tousu_analysis.domain.history import history_item_from
from tousu_analysis.domain.rules import Rules
from tousu_analysis.domain.templates import SimilarTemplates, similar_templates
from tousu_analysis.domain.updates import HistoryFact, changes_history
from tousu_analysis.domain.working_set import (
    HistoryWindow,
    Neighbour,
    NewAnalysis,
    Pending,
    Probe,
    StoredComplaint,
    WorkingSet,
)
from tousu_analysis.metrics import AnalysisMetrics
from tousu_shared.clock import Clock, stable_event_id, utc_now
from tousu_shared.events import ComplaintAnalyzed, ComplaintReceived, Envelope, EventData
from tousu_shared.events.analysis import matter_key
from tousu_shared.retry import PermanentError

__all__ = [
    "AnalysisService",
    "Change",
    "Envelopes",
    "Fact",
    "Limits",
    "NewAnalysis",
    "Outcome",
    "Received",
    "analyzed_event_id",
]

SOURCE = "tousu/analysis"
Outcome = Literal["analyzed", "applied", "duplicate", "no_effect"]


@dataclass(frozen=True)
class Received:
    """A `complaint.received` to analyse."""

    event_id: str
    complaint: ComplaintReceived


@dataclass(frozen=True)
class Fact:
    """A later fact about an analysed (or not yet analysed) complaint."""

    event_id: str
    complaint_id: str
    customer_key: str
    fact: HistoryFact


Incoming = Received | Fact
Envelopes = dict[str, list[Envelope[EventData]]]
Change = tuple[Literal["analysis", "facts"], str]  # what of which complaint


class ComplaintStore(Protocol):
    """Port: the analysed complaints (history items, later facts, the outbox)."""

    async def own(self, *, complaint_ids: list[str], windows: list[HistoryWindow], limit: int) -> list[StoredComplaint]:
        """The complaints with these ids, and each window's customer's analysed complaints in it (newest
        `limit` at least)."""
        ...

    async def write(self, *, pending: list[Pending], envelopes: Envelopes, now: datetime) -> set[Change]:
        """Store the batch's changes with their events; return the changes another writer made first."""
        ...


class TemplateIndex(Protocol):
    """Port: the cross-customer neighbours of a batch's complaints."""

    async def neighbours(self, *, probes: list[Probe], candidates: int, customers: int) -> list[Neighbour]:
        """Every stored complaint a probe's bounded look-ups (band keys, phone, matter) select, at least."""
        ...


@dataclass(frozen=True)
class Limits:
    """Bounds of every look-up, so the cost per complaint does not grow with the data."""

    history: int = 100
    candidates: int = 100
    customers: int = 20
    matter_window: timedelta = timedelta(days=7)


def analyzed_event_id(complaint_id: str) -> str:
    """Stable `ce_id` of a complaint's analysis: a re-published copy carries the same id."""
    return stable_event_id(SOURCE, "complaint.analyzed", complaint_id)


class AnalysisService:
    """Analyses received complaints and keeps each customer's history current."""

    def __init__(
        self,
        *,
        complaints: ComplaintStore,
        templates: TemplateIndex,
        rules: Rules,
        metrics: AnalysisMetrics,
        analyzer_version: str,
        limits: Limits = Limits(),
        notify: Callable[[], None] = lambda: None,
        clock: Clock = utc_now,
    ) -> None:
        self._complaints = complaints
        self._templates = templates
        self._rules = rules
        self._metrics = metrics
        self._version = analyzer_version
        self._limits = limits
        self._notify = notify
        self._clock = clock
        self._horizon = timedelta(days=max(rules.matter.repeat_windows))

    async def analyse(self, *, event_id: str, complaint: ComplaintReceived) -> Outcome:
        """Analyse one received complaint (a batch of one)."""
        return (await self.handle([Received(event_id, complaint)]))[0]

    async def record(self, *, event_id: str, complaint_id: str, customer_key: str, fact: HistoryFact) -> Outcome:
        """Apply one later fact to its complaint's history item (a batch of one)."""
        return (await self.handle([Fact(event_id, complaint_id, customer_key, fact)]))[0]

    async def handle(self, items: Sequence[Incoming]) -> list[Outcome]:
        """A batch with exactly the effects of its items one by one, in order: one read per look-up, one write."""
        prepared = {i.complaint.complaint_id: self._prepare(i.complaint) for i in items if isinstance(i, Received)}
        with self._metrics.stage("lookups"):
            ws = await self._working_set(items, prepared)
        now = self._clock()
        with self._metrics.stage("analyze"):
            outcomes = [self._decide(ws, item, prepared, now=now) for item in items]
        pending = ws.pending()
        lost: set[Change] = set()
        envelopes = {p.row.complaint_id: self._envelopes(p, now) for p in pending}
        if pending:
            with self._metrics.stage("store"):
                lost = await self._complaints.write(pending=pending, envelopes=envelopes, now=now)
        outcomes = [_final(item, outcome, lost) for item, outcome in zip(items, outcomes, strict=True)]
        self._count(items, outcomes, pending, lost)
        if any(envelopes.values()):
            self._notify()
        return outcomes

    def _prepare(self, complaint: ComplaintReceived) -> Prepared:
        try:
            return prepare(complaint=complaint, rules=self._rules)
        except Exception as exc:  # the pure domain is deterministic: retrying cannot help
            raise PermanentError(f"cannot analyse {complaint.complaint_id}: {type(exc).__name__}: {exc}") from exc

    async def _working_set(self, items: Sequence[Incoming], prepared: dict[str, Prepared]) -> WorkingSet:
        received = [i.complaint for i in items if isinstance(i, Received)]
        ids = [c.complaint_id for c in received]
        ids += [i.complaint_id for i in items if isinstance(i, Fact) and changes_history(i.fact)]
        if not ids:
            return WorkingSet(own=[], neighbours=[])
        windows = [HistoryWindow(c.customer_key, c.received_at - self._horizon, c.received_at) for c in received]
        probes = [self._probe(c, prepared[c.complaint_id]) for c in received]
        own, found = await asyncio.gather(
            self._complaints.own(complaint_ids=sorted(set(ids)), windows=windows, limit=self._limits.history),
            self._templates.neighbours(
                probes=probes, candidates=self._limits.candidates, customers=self._limits.customers
            ),
        )
        return WorkingSet(own=own, neighbours=found)

    def _probe(self, complaint: ComplaintReceived, prep: Prepared) -> Probe:
        at = complaint.received_at
        return Probe(
            complaint_id=complaint.complaint_id,
            customer_key=complaint.customer_key,
            received_at=at,
            band_keys=tuple(prep.signature.band_keys),
            phone_key=_phone_key(complaint),
            matter_key=matter_key(
                product_line=complaint.product.line, product_type=prep.product_type, cause=prep.cause
            ),
            template_since=at - timedelta(days=self._rules.templates.window_days),
            matter_since=at - self._limits.matter_window,
        )

    def _decide(self, ws: WorkingSet, item: Incoming, prepared: dict[str, Prepared], *, now: datetime) -> Outcome:
        if isinstance(item, Fact):
            if not changes_history(item.fact):
                return "no_effect"
            applied = ws.add_fact(
                complaint_id=item.complaint_id, customer_key=item.customer_key, event_id=item.event_id, fact=item.fact
            )
            return "applied" if applied else "duplicate"
        stored = ws.own(item.complaint.complaint_id)
        if stored is not None and stored.analysed:
            return "duplicate"
        try:
            self._analyse(ws, item, prepared[item.complaint.complaint_id], now=now)
        except Exception as exc:  # deterministic: the same input fails the same way one by one
            raise PermanentError(f"cannot analyse {item.complaint.complaint_id}: {type(exc).__name__}: {exc}") from exc
        return "analyzed"

    def _analyse(self, ws: WorkingSet, item: Received, prep: Prepared, *, now: datetime) -> None:
        complaint = item.complaint
        at, key = complaint.received_at, complaint.customer_key
        history = ws.history(customer_key=key, since=at - self._horizon, until=at, limit=self._limits.history)
        probe = self._probe(complaint, prep)
        analysis = analyze(
            complaint=complaint,
            history=history,
            similar=self._similar(ws, probe, prep),
            rules=self._rules,
            now=now,
            analyzer_version=self._version,
            prepared=prep,
        )
        record = NewAnalysis(
            analysis=analysis,
            item=history_item_from(analysis),
            minhash=tuple(prep.signature.hashvalues),
            phone_key=probe.phone_key,
            matter_key=analysis.matter.key,
            source_event_id=item.event_id,
        )
        row = StoredComplaint(complaint_id=complaint.complaint_id, customer_key=key, received_at=at, item=record.item)
        neighbour = Neighbour(
            complaint_id=complaint.complaint_id,
            customer_key=key,
            received_at=at,
            band_keys=tuple(analysis.matter.signature),
            minhash=record.minhash,
            phone_key=record.phone_key,
            matter_key=record.matter_key,
        )
        ws.add_analysis(row=row, neighbour=neighbour, analysis=record)

    def _similar(self, ws: WorkingSet, probe: Probe, prep: Prepared) -> SimilarTemplates:
        """Near-identical texts, shared agent phone and same-matter wave, as of the complaint's receipt."""
        at, key, limits = probe.received_at, probe.customer_key, self._limits
        candidates = ws.candidates(
            band_keys=probe.band_keys, customer_key=key, since=probe.template_since, until=at, limit=limits.candidates
        )
        phones = 0
        if probe.phone_key:
            phones = ws.customers_with(
                kind="phone_key",
                value=probe.phone_key,
                customer_key=key,
                since=probe.template_since,
                until=at,
                limit=limits.customers,
            )
        wave = ws.customers_with(
            kind="matter_key",
            value=probe.matter_key,
            customer_key=key,
            since=probe.matter_since,
            until=at,
            limit=limits.customers,
        )
        return similar_templates(
            signature=prep.signature,
            candidates=candidates,
            customer_key=key,
            now=at,
            rules=self._rules.templates,
            shared_phone_customers=phones,
            matter_customers_7d=wave,
        )

    @staticmethod
    def _envelopes(pending: Pending, now: datetime) -> list[Envelope[EventData]]:
        if pending.analysis is None:
            return []
        analysis: ComplaintAnalyzed = pending.analysis.analysis
        event_id = analyzed_event_id(analysis.complaint_id)
        return [Envelope[EventData].wrap(analysis, source=SOURCE, event_id=event_id, time=now)]

    def _count(
        self, items: Sequence[Incoming], outcomes: list[Outcome], pending: list[Pending], lost: set[Change]
    ) -> None:
        """Business metrics once the batch is stored (a failed write is retried, so nothing is counted twice)."""
        for item, outcome in zip(items, outcomes, strict=True):
            if isinstance(item, Fact):
                self._metrics.history_updates.labels(item.fact.kind, outcome).inc()
        for change in pending:
            if change.analysis is not None and ("analysis", change.row.complaint_id) not in lost:
                self._metrics.observe_analysis(change.analysis.analysis)


def _final(item: Incoming, outcome: Outcome, lost: set[Change]) -> Outcome:
    """A change another writer made first is a duplicate (the stored one stands)."""
    change: Change = (
        ("analysis", item.complaint.complaint_id) if isinstance(item, Received) else ("facts", item.complaint_id)
    )
    if outcome in ("analyzed", "applied") and change in lost:
        return "duplicate"
    return outcome


def _phone_key(complaint: ComplaintReceived) -> str | None:
    return complaint.representative.phone_key if complaint.representative else None
