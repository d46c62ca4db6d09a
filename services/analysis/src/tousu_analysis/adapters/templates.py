"""MongoDB template index: a batch's cross-customer neighbours, few indexed reads per batch.

Phones and matters: per kind, ONE `find` with `$in` on the batch's keys over the union of its
windows, bounded by the sum of the per-complaint limits. The look-ups themselves (window, other
customers, newest first, bounded) are answered in memory (`WorkingSet`), so a complaint sees the
same neighbours in a batch of 200 as alone. When a read hits its bound, some complaint may miss a
neighbour: each complaint of that kind is then read on its own, with its exact query (newest
first, its limit), so the answer stays exact. One read per kind, not one for all: the embedded
server runs a top-level `$or` or `$unionWith` as a full collection scan.

Band keys are read per distinct signature (a template wave of identical texts is one read): each
complaint has 16 band keys, and the embedded server's cost of `$in` grows faster than its list
(measured on 10 k stored: the 1,600 keys of 100 complaints in one `find` 2.6 s, the same as 100
reads of 16 keys 0.3–0.5 s). Reads run one after another: the embedded server is one Python
process, and concurrent reads measured slower than sequential ones.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.collection import AsyncCollection

from tousu_analysis.adapters.documents import (
    CANDIDATE_PROJECTION,
    MATTER_PROJECTION,
    PHONE_PROJECTION,
    neighbour_of,
)
from tousu_analysis.domain.working_set import Neighbour, Probe
from tousu_shared.mongo import Document

# One widening step for a complaint read on its own, where density grows with the stored volume
# (every matter recurs daily): the newest hours answer most complaints without the whole window.
MATTER_SPANS = (timedelta(hours=6),)
NEWEST_FIRST = [("received_at", DESCENDING), ("_id", ASCENDING)]


@dataclass(frozen=True)
class Look:
    """One kind of look-up: its field, each probe's keys and window start, its per-complaint limit."""

    field: str
    keys: Callable[[Probe], Sequence[str]]
    since: Callable[[Probe], datetime]
    limit: int
    projection: dict[str, Any]
    spans: tuple[timedelta, ...] = ()


class MongoTemplateIndex:
    """Reads the analysed-complaints collection through its band-key, phone and matter indexes."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def neighbours(self, *, probes: list[Probe], candidates: int, customers: int) -> list[Neighbour]:
        """Every stored complaint any probe's look-ups can select (band keys, phones, matters)."""
        looks = [
            Look("band_keys", lambda p: p.band_keys, lambda p: p.template_since, candidates, CANDIDATE_PROJECTION),
            Look(
                "phone_key",
                lambda p: [p.phone_key] if p.phone_key else [],
                lambda p: p.template_since,
                customers,
                PHONE_PROJECTION,
            ),
            Look(
                "matter_key",
                lambda p: [p.matter_key],
                lambda p: p.matter_since,
                customers,
                MATTER_PROJECTION,
                MATTER_SPANS,
            ),
        ]
        found = [await self._look(look, probes) for look in looks[1:]]
        found.append(await self._each(looks[0], probes))
        return [neighbour_of(d) for docs in found for d in docs]

    async def _each(self, look: Look, probes: list[Probe]) -> list[Document]:
        """Each probe's own exact read, once per distinct query."""
        seen: set[tuple[object, ...]] = set()
        docs: list[Document] = []
        for probe in probes:
            query = (tuple(look.keys(probe)), probe.customer_key, look.since(probe), probe.received_at)
            if query[0] and query not in seen:
                seen.add(query)
                docs += await self._one(look, probe)
        return docs

    async def _look(self, look: Look, probes: list[Probe]) -> list[Document]:
        wanted = [p for p in probes if look.keys(p)]
        if not wanted:
            return []
        keys = sorted({k for p in wanted for k in look.keys(p)})
        window = {"$gte": min(look.since(p) for p in wanted), "$lte": max(p.received_at for p in wanted)}
        bound = 2 * look.limit * len(wanted)
        query = {look.field: {"$in": keys}, "received_at": window}
        docs = await self._collection.find(query, look.projection).limit(bound).to_list()
        if len(docs) < bound:
            return docs
        return [*docs, *await self._each(look, wanted)]  # the bound was hit: exact reads

    async def _one(self, look: Look, probe: Probe) -> list[Document]:
        """One complaint's own query: other customers, its window, newest first, its limit (widening if set)."""
        query = {look.field: {"$in": list(look.keys(probe))}, "customer_key": {"$ne": probe.customer_key}}
        docs: list[Document] = []
        for start in window_starts(since=look.since(probe), until=probe.received_at, spans=look.spans):
            window = {"received_at": {"$gte": start, "$lte": probe.received_at}}
            cursor = self._collection.find({**query, **window}, look.projection)
            docs = await cursor.sort(NEWEST_FIRST).limit(look.limit).to_list()
            if len(docs) >= look.limit:
                break
        return docs


def window_starts(*, since: datetime, until: datetime, spans: Sequence[timedelta]) -> list[datetime]:
    """Start times of the widening windows that end at `until`, the whole window last."""
    starts = [until - span for span in spans if until - span > since]
    return [*starts, since]
