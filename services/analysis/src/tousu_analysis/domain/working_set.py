"""A batch's view of the stored complaints it can see: every look-up answered in memory, every change kept.

The service reads once per batch what the batch's records can see (their customers' complaints in
the history windows, the complaints the records name, and the cross-customer neighbours of their
texts, phones and matters), then decides each record in batch order against this set and adds
what each decision stores. A record therefore sees exactly what it would see had every earlier
record been written first: the selections below are the queries of one complaint (window, other
customers, newest first, bounded), answered from memory.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from tousu_analysis.domain.history import CustomerHistory, HistoryItem
from tousu_analysis.domain.templates import TemplateCandidate
from tousu_analysis.domain.updates import HistoryFact, fold_facts
from tousu_shared.events import ComplaintAnalyzed

Before = Literal["absent", "stub", "analysed"]


@dataclass
class StoredComplaint:
    """A complaint the batch can see: analysed (with its history item) or a stub of facts that came first."""

    complaint_id: str
    customer_key: str
    received_at: datetime | None = None
    item: HistoryItem | None = None  # before its facts; None for a stub
    facts: list[HistoryFact] = field(default_factory=list)
    applied: set[str] = field(default_factory=set)

    @property
    def analysed(self) -> bool:
        """Whether the complaint has its analysis (a stub has only facts)."""
        return self.item is not None

    def history_item(self) -> HistoryItem:
        """Its history item with its later facts applied."""
        assert self.item is not None
        return fold_facts(self.item, self.facts)


@dataclass(frozen=True)
class Neighbour:
    """A stored complaint as the cross-customer look-ups see it (the fields one read fetched)."""

    complaint_id: str
    customer_key: str
    received_at: datetime
    band_keys: tuple[str, ...] = ()
    minhash: tuple[int, ...] | None = None
    phone_key: str | None = None
    matter_key: str | None = None

    def merged(self, other: Neighbour) -> Neighbour:
        """The union of what two reads fetched of the same complaint."""
        return Neighbour(
            complaint_id=self.complaint_id,
            customer_key=self.customer_key,
            received_at=self.received_at,
            band_keys=self.band_keys or other.band_keys,
            minhash=self.minhash or other.minhash,
            phone_key=self.phone_key or other.phone_key,
            matter_key=self.matter_key or other.matter_key,
        )


@dataclass(frozen=True)
class Probe:
    """One complaint's cross-customer look-ups for the batch read: its keys, and where each window starts."""

    complaint_id: str
    customer_key: str
    received_at: datetime
    band_keys: tuple[str, ...]
    phone_key: str | None
    matter_key: str
    template_since: datetime
    matter_since: datetime


@dataclass(frozen=True)
class HistoryWindow:
    """One complaint's own-history look-up: its customer and window."""

    customer_key: str
    since: datetime
    until: datetime


@dataclass(frozen=True)
class NewAnalysis:
    """A fresh analysis and what is stored beside it for later look-ups."""

    analysis: ComplaintAnalyzed
    item: HistoryItem
    minhash: tuple[int, ...]
    phone_key: str | None
    matter_key: str
    source_event_id: str


@dataclass
class Pending:
    """What the batch changed on one complaint, for the one write per batch."""

    row: StoredComplaint
    before: Before
    new_facts: list[tuple[str, HistoryFact]] = field(default_factory=list)
    analysis: NewAnalysis | None = None  # set when analysed in this batch


def newest(neighbours: Iterable[Neighbour], limit: int) -> list[Neighbour]:
    """Newest first (ties by id), at most `limit`: the order every bounded look-up uses."""
    ordered = sorted(neighbours, key=lambda n: n.complaint_id)
    ordered.sort(key=lambda n: n.received_at, reverse=True)
    return ordered[:limit]


class WorkingSet:
    """The stored complaints a batch can see, and what the batch changed (one `Pending` per complaint)."""

    def __init__(self, *, own: Iterable[StoredComplaint], neighbours: Iterable[Neighbour]) -> None:
        self._own: dict[str, StoredComplaint] = {}
        self._by_customer: dict[str, dict[str, StoredComplaint]] = defaultdict(dict)
        for row in own:
            self._keep(row)
        self._neighbours: dict[str, Neighbour] = {}
        self._by_key: dict[str, set[str]] = defaultdict(set)  # band key, phone or matter → complaint ids
        for n in neighbours:
            self.add_neighbour(n)
        self._pending: dict[str, Pending] = {}

    def own(self, complaint_id: str) -> StoredComplaint | None:
        """A complaint the batch read or stored (analysed or stub), None when none is known."""
        return self._own.get(complaint_id)

    def add_neighbour(self, neighbour: Neighbour) -> None:
        """Know one more complaint for the cross-customer look-ups."""
        known = self._neighbours.get(neighbour.complaint_id)
        self._neighbours[neighbour.complaint_id] = known.merged(neighbour) if known else neighbour
        for key in _keys_of(neighbour):
            self._by_key[key].add(neighbour.complaint_id)

    def history(self, *, customer_key: str, since: datetime, until: datetime, limit: int) -> CustomerHistory:
        """The customer's analysed complaints in [since, until], newest first (ties by id), at most `limit`."""
        rows = [r for r in self._customer_rows(customer_key) if r.received_at and since <= r.received_at <= until]
        rows.sort(key=lambda r: r.complaint_id)
        rows.sort(key=lambda r: r.received_at or since, reverse=True)
        return CustomerHistory(customer_key=customer_key, items=[r.history_item() for r in rows[:limit]])

    def candidates(
        self, *, band_keys: Iterable[str], customer_key: str, since: datetime, until: datetime, limit: int
    ) -> list[TemplateCandidate]:
        """Other customers' complaints sharing a band key in [since, until], newest first, at most `limit`."""
        keys = set(band_keys)
        found = [n for n in self._others(keys, customer_key, since, until) if keys.intersection(n.band_keys)]
        return [
            TemplateCandidate(
                complaint_id=n.complaint_id,
                customer_key=n.customer_key,
                received_at=n.received_at,
                band_keys=list(n.band_keys),
                hashvalues=list(n.minhash) if n.minhash else None,
            )
            for n in newest(found, limit)
        ]

    def customers_with(
        self,
        *,
        kind: Literal["phone_key", "matter_key"],
        value: str,
        customer_key: str,
        since: datetime,
        until: datetime,
        limit: int,
    ) -> int:
        """Distinct other customers among the newest `limit` complaints with this phone or matter in the window."""
        found = [n for n in self._others([f"{kind}={value}"], customer_key, since, until) if getattr(n, kind) == value]
        return len({n.customer_key for n in newest(found, limit)})

    def add_analysis(self, *, row: StoredComplaint, neighbour: Neighbour, analysis: NewAnalysis) -> None:
        """Store a first analysis (filling the stub of early facts, if any)."""
        stub = self._own.get(row.complaint_id)
        pending = self._touch(row)
        if stub is not None:
            row.facts, row.applied = stub.facts, stub.applied
        pending.row = row
        pending.analysis = analysis
        self._keep(row)
        self.add_neighbour(neighbour)

    def add_fact(self, *, complaint_id: str, customer_key: str, event_id: str, fact: HistoryFact) -> bool:
        """Apply a later fact once per event id (a stub when its complaint is not analysed yet)."""
        row = self._own.get(complaint_id) or StoredComplaint(complaint_id=complaint_id, customer_key=customer_key)
        if event_id in row.applied:
            return False
        pending = self._touch(row)
        self._keep(row)
        row.facts.append(fact)
        row.applied.add(event_id)
        pending.new_facts.append((event_id, fact))
        return True

    def pending(self) -> list[Pending]:
        """Every complaint the batch changed, in the order it was first changed."""
        return list(self._pending.values())

    def _touch(self, fallback: StoredComplaint) -> Pending:
        complaint_id = fallback.complaint_id
        if complaint_id not in self._pending:
            stored = self._own.get(complaint_id)
            before: Before = "absent" if stored is None else "analysed" if stored.analysed else "stub"
            self._pending[complaint_id] = Pending(row=stored or fallback, before=before)
        return self._pending[complaint_id]

    def _keep(self, row: StoredComplaint) -> None:
        self._own[row.complaint_id] = row
        self._by_customer[row.customer_key][row.complaint_id] = row

    def _customer_rows(self, customer_key: str) -> list[StoredComplaint]:
        return [r for r in self._by_customer.get(customer_key, {}).values() if r.analysed]

    def _others(self, keys: Iterable[str], customer_key: str, since: datetime, until: datetime) -> list[Neighbour]:
        ids: set[str] = set().union(*(self._by_key.get(k, set()) for k in keys))
        found = (self._neighbours[i] for i in ids)
        return [n for n in found if n.customer_key != customer_key and since <= n.received_at <= until]


def _keys_of(neighbour: Neighbour) -> list[str]:
    """The look-up keys a neighbour is found by: its band keys, `phone_key=…` and `matter_key=…`."""
    keys = list(neighbour.band_keys)
    if neighbour.phone_key:
        keys.append(f"phone_key={neighbour.phone_key}")
    if neighbour.matter_key:
        keys.append(f"matter_key={neighbour.matter_key}")
    return keys
