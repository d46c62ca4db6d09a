"""Orchestration of the analysis service: look-ups → pure `analyze` → one write (state + outbox) → metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal, Protocol

from tousu_analysis.domain.analyze import Prepared, analyze, prepare
from tousu_analysis.domain.history import CustomerHistory, HistoryItem, history_item_from
from tousu_analysis.domain.rules import Rules
from tousu_analysis.domain.templates import SimilarTemplates, TemplateCandidate, similar_templates
from tousu_analysis.domain.updates import HistoryFact, changes_history
from tousu_analysis.metrics import AnalysisMetrics
from tousu_shared.clock import Clock, stable_event_id, utc_now
from tousu_shared.events import ComplaintAnalyzed, ComplaintReceived, Envelope, EventData
from tousu_shared.events.analysis import matter_key

SOURCE = "tousu/analysis"
Outcome = Literal["analyzed", "applied", "duplicate", "no_effect"]


@dataclass(frozen=True)
class NewAnalysis:
    """A fresh analysis and what is stored beside it for later look-ups."""

    analysis: ComplaintAnalyzed
    item: HistoryItem
    minhash: tuple[int, ...]
    phone_key: str | None
    matter_key: str
    source_event_id: str


class ComplaintStore(Protocol):
    """Port: analysed complaints (history items with their later facts, and the outbox)."""

    async def save_analysis(self, *, record: NewAnalysis, envelope: Envelope[EventData], now: datetime) -> bool:
        """Store analysis + event atomically; False when the complaint was already analysed."""
        ...

    async def history(self, *, customer_key: str, since: datetime, until: datetime, limit: int) -> CustomerHistory:
        """The customer's analysed complaints in the window, newest first, bounded."""
        ...

    async def record_fact(self, *, complaint_id: str, customer_key: str, event_id: str, fact: HistoryFact) -> bool:
        """Append a later fact once per event id; False when already applied."""
        ...


class TemplateIndex(Protocol):
    """Port: cross-customer look-ups, each a bounded indexed query."""

    async def candidates(
        self, *, band_keys: list[str], customer_key: str, since: datetime, until: datetime, limit: int
    ) -> list[TemplateCandidate]:
        """Other customers' complaints sharing a band key."""
        ...

    async def phone_customers(
        self, *, phone_key: str, customer_key: str, since: datetime, until: datetime, limit: int
    ) -> int:
        """Other customers with the same representative phone (a count up to `limit`)."""
        ...

    async def matter_customers(
        self, *, matter_key: str, customer_key: str, since: datetime, until: datetime, limit: int
    ) -> int:
        """Other customers with the same matter in the window (a count up to `limit`)."""
        ...


@dataclass(frozen=True)
class Limits:
    """Bounds of every read, so the cost per complaint does not grow with the data."""

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

    async def analyse(self, *, event_id: str, complaint: ComplaintReceived) -> Outcome:
        """Analyse one received complaint and store it with its `complaint.analyzed` event (once)."""
        prep = prepare(complaint=complaint, rules=self._rules)
        with self._metrics.stage("lookups"):
            history, similar = await asyncio.gather(self._history(complaint), self._similar(complaint, prep))
        now = self._clock()
        with self._metrics.stage("analyze"):
            analysis = analyze(
                complaint=complaint,
                history=history,
                similar=similar,
                rules=self._rules,
                now=now,
                analyzer_version=self._version,
            )
        with self._metrics.stage("store"):
            stored = await self._store(complaint, prep, analysis, event_id=event_id, now=now)
        if not stored:
            return "duplicate"
        self._metrics.observe_analysis(analysis)
        self._notify()
        return "analyzed"

    async def record(self, *, event_id: str, complaint_id: str, customer_key: str, fact: HistoryFact) -> Outcome:
        """Apply a later fact to the complaint's history item (a fact that changes nothing is not written)."""
        if not changes_history(fact):
            outcome: Outcome = "no_effect"
        else:
            applied = await self._complaints.record_fact(
                complaint_id=complaint_id, customer_key=customer_key, event_id=event_id, fact=fact
            )
            outcome = "applied" if applied else "duplicate"
        self._metrics.history_updates.labels(fact.kind, outcome).inc()
        return outcome

    async def _history(self, complaint: ComplaintReceived) -> CustomerHistory:
        until = complaint.received_at
        since = until - timedelta(days=max(self._rules.matter.repeat_windows))
        return await self._complaints.history(
            customer_key=complaint.customer_key, since=since, until=until, limit=self._limits.history
        )

    async def _similar(self, complaint: ComplaintReceived, prep: Prepared) -> SimilarTemplates:
        """Near-identical texts, shared agent phone and same-matter wave, as of the complaint's receipt."""
        at, key, rules = complaint.received_at, complaint.customer_key, self._rules.templates
        since = at - timedelta(days=rules.window_days)
        candidates, phones, wave = await asyncio.gather(
            self._templates.candidates(
                band_keys=list(prep.signature.band_keys),
                customer_key=key,
                since=since,
                until=at,
                limit=self._limits.candidates,
            ),
            self._phone_customers(complaint, since=since, until=at),
            self._templates.matter_customers(
                matter_key=matter_key(
                    product_line=complaint.product.line, product_type=prep.product_type, cause=prep.cause
                ),
                customer_key=key,
                since=at - self._limits.matter_window,
                until=at,
                limit=self._limits.customers,
            ),
        )
        return similar_templates(
            signature=prep.signature,
            candidates=candidates,
            customer_key=key,
            now=at,
            rules=rules,
            shared_phone_customers=phones,
            matter_customers_7d=wave,
        )

    async def _phone_customers(self, complaint: ComplaintReceived, *, since: datetime, until: datetime) -> int:
        phone_key = complaint.representative.phone_key if complaint.representative else None
        if not phone_key:
            return 0
        return await self._templates.phone_customers(
            phone_key=phone_key,
            customer_key=complaint.customer_key,
            since=since,
            until=until,
            limit=self._limits.customers,
        )

    async def _store(
        self, complaint: ComplaintReceived, prep: Prepared, analysis: ComplaintAnalyzed, *, event_id: str, now: datetime
    ) -> bool:
        record = NewAnalysis(
            analysis=analysis,
            item=history_item_from(analysis),
            minhash=prep.signature.hashvalues,
            phone_key=complaint.representative.phone_key if complaint.representative else None,
            matter_key=matter_key(
                product_line=analysis.matter.product_line,
                product_type=analysis.matter.product_type,
                cause=analysis.matter.cause,
            ),
            source_event_id=event_id,
        )
        envelope = Envelope[EventData].wrap(
            analysis, source=SOURCE, event_id=analyzed_event_id(complaint.complaint_id), time=now
        )
        return await self._complaints.save_analysis(record=record, envelope=envelope, now=now)
