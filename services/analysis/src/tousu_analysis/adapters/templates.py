"""MongoDB template index: cross-customer look-ups as bounded, indexed queries (cost independent of size).

Every look-up is an index range on (key, received_at) with a limit. A limit alone does not bound
the cost on every server (the embedded one reads the whole index range before limiting), so the
same-matter wave, whose range fills with the stored volume, is read from its last hours first and
widened to the whole window only when that found too few. Band keys and phones select near-copies
and one agent's cases: their ranges grow with a template's or an agent's reach, not with the volume.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from tousu_analysis.adapters.documents import CANDIDATE_PROJECTION, candidate_of, distinct_customers
from tousu_analysis.domain.templates import TemplateCandidate
from tousu_shared.mongo import Document

# One widening step only where density grows with the stored volume (every matter recurs daily);
# each extra round trip costs more than the entries it saves while the range is sparse.
MATTER_SPANS = (timedelta(hours=6),)


class MongoTemplateIndex:
    """Reads the analysed-complaints collection through its band-key, phone and matter indexes."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._collection = collection

    async def candidates(
        self, *, band_keys: list[str], customer_key: str, since: datetime, until: datetime, limit: int
    ) -> list[TemplateCandidate]:
        """Other customers' complaints sharing at least one LSH band key (multikey index range)."""
        if not band_keys:
            return []
        query = {"band_keys": {"$in": band_keys}, "customer_key": {"$ne": customer_key}}
        docs = await self._widening(query, CANDIDATE_PROJECTION, since=since, until=until, enough=limit, spans=())
        return [candidate_of(d) for d in docs]

    async def phone_customers(
        self, *, phone_key: str, customer_key: str, since: datetime, until: datetime, limit: int
    ) -> int:
        """Other customers whose representative used the same (hashed) phone, counted up to `limit`."""
        query = {"phone_key": phone_key, "customer_key": {"$ne": customer_key}}
        docs = await self._widening(query, {"customer_key": 1}, since=since, until=until, enough=limit, spans=())
        return distinct_customers(docs)

    async def matter_customers(
        self, *, matter_key: str, customer_key: str, since: datetime, until: datetime, limit: int
    ) -> int:
        """Other customers with the same matter (product line, type, cause) in the window, counted up to `limit`."""
        query = {"matter_key": matter_key, "customer_key": {"$ne": customer_key}}
        docs = await self._widening(
            query, {"customer_key": 1}, since=since, until=until, enough=limit, spans=MATTER_SPANS
        )
        return distinct_customers(docs)

    async def _widening(
        self,
        query: dict[str, Any],
        projection: dict[str, Any],
        *,
        since: datetime,
        until: datetime,
        enough: int,
        spans: Sequence[timedelta],
    ) -> list[Document]:
        """Newest windows first, widening until `enough` documents are found or the whole window is read."""
        docs: list[Document] = []
        for start in window_starts(since=since, until=until, spans=spans):
            window = {"received_at": {"$gte": start, "$lte": until}}
            docs = await self._collection.find({**query, **window}, projection).limit(enough).to_list()
            if len(docs) >= enough:
                break
        return docs


def window_starts(*, since: datetime, until: datetime, spans: Sequence[timedelta]) -> list[datetime]:
    """Start times of the widening windows that end at `until`, the whole window last."""
    starts = [until - span for span in spans if until - span > since]
    return [*starts, since]
