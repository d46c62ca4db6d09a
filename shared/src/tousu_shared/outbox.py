"""Transactional outbox kept inside the aggregate document, and the relay that publishes it.

A state change and the events it causes are written in ONE document write: the events go
into the document's `outbox` array and `outbox_pending` is set. The relay publishes pending
events in order (the idempotent producer, `acks=all`), then pulls them from the array. A
lease makes one relay per collection active at a time, so several instances are safe and a
customer's events keep their order. A crash between publish and pull re-publishes the same
`ce_id`, which every consumer ignores.

Published events are kept for a retention (`<collection>_sent`, TTL-indexed, one `insert_many`
per published batch). The relay remembers the broker's cluster id (in its lease collection,
written only when it changes); a new id means a broker that lost its log (the embedded broker
keeps it in memory), and the relay then publishes everything it kept again, oldest first, before
anything new. Consumers that find no committed offset read from the earliest record and skip
what they already handled by `ce_id`, so nothing is lost and nothing takes effect twice.
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from pymongo import ASCENDING, UpdateMany, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from tousu_shared.codec import encode
from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.logging import get_logger
from tousu_shared.metrics import ServiceMetrics
from tousu_shared.mongo import Document, journaled
from tousu_shared.retry import Backoff
from tousu_shared.settings import Topics

log = get_logger("tousu.outbox")
PENDING_INDEX = [("outbox_pending", ASCENDING), ("outbox_since", ASCENDING)]
PROBE_AFTER_S = 0.5  # probe the broker before a send unless it answered this recently


def outbox_entry(envelope: Envelope[EventData], *, topics: Topics) -> Document:
    """The stored form of one event, ready to be sent as-is."""
    record = encode(envelope)
    return {
        "id": envelope.id,
        "type": envelope.type,
        "topic": topics.by_key(envelope.data.topic_key),
        "key": record.key.decode(),
        "value": record.value.decode(),
        "headers": [[k, v.decode()] for k, v in record.headers],
    }


def outbox_fields(envelopes: list[Envelope[EventData]], *, topics: Topics, now: datetime) -> Document:
    """Fields to put in a NEW document so it carries its pending events."""
    return {
        "outbox": [outbox_entry(e, topics=topics) for e in envelopes],
        "outbox_pending": bool(envelopes),
        "outbox_since": now,
    }


def outbox_push(envelopes: list[Envelope[EventData]], *, topics: Topics, now: datetime) -> Document:
    """Update operators that append events to an EXISTING document's outbox (merge with your own)."""
    return {
        "$push": {"outbox": {"$each": [outbox_entry(e, topics=topics) for e in envelopes]}},
        "$set": {"outbox_pending": True},
        "$min": {"outbox_since": now},
    }


SENT_ORDER = [("sent_at", ASCENDING), ("n", ASCENDING)]


def sent_collection(collection: AsyncCollection[Document]) -> AsyncCollection[Document]:
    """Where a collection's published events are kept for the retention."""
    return collection.database[f"{collection.name}_sent"]


async def ensure_outbox_indexes(collection: AsyncCollection[Document], *, retention: timedelta | None = None) -> None:
    """The relay's scan is an index range: pending documents by age; kept events expire by a TTL index."""
    await collection.create_index(PENDING_INDEX, name="outbox_pending_since")
    if retention is not None and retention > timedelta(0):
        sent = sent_collection(collection)
        seconds = int(retention.total_seconds())
        try:
            await sent.create_index([("sent_at", ASCENDING)], name="sent_ttl", expireAfterSeconds=seconds)
        except OperationFailure:  # the retention was changed since the index was made
            await collection.database.command(
                {"collMod": sent.name, "index": {"name": "sent_ttl", "expireAfterSeconds": seconds}}
            )
        await sent.create_index(SENT_ORDER, name="sent_order")


class Lease:
    """A renewable named lease in MongoDB: at most one holder at a time."""

    def __init__(self, collection: AsyncCollection[Document], *, name: str, ttl_s: float) -> None:
        self._collection = journaled(collection)
        self._name = name
        self._ttl = timedelta(seconds=ttl_s)
        self.owner = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self._held = False
        self._ask_again_at = 0.0  # monotonic: the database is asked only when this has passed

    async def acquire(self) -> bool:
        """Take or renew the lease; False while another live holder has it.

        A holder renews at half the TTL and a waiting instance asks at most once a second, so
        an idle relay does not write to the database on every loop.
        """
        if time.monotonic() < self._ask_again_at:
            return self._held
        now = datetime.now(UTC)
        try:  # matches only an expired or own lease; otherwise the upsert collides on _id
            await self._collection.find_one_and_update(
                {"_id": self._name, "$or": [{"until": {"$lt": now}}, {"owner": self.owner}]},
                {"$set": {"owner": self.owner, "until": now + self._ttl}},
                upsert=True,
            )
        except DuplicateKeyError:
            self._held = False
            self._ask_again_at = time.monotonic() + min(1.0, self._ttl.total_seconds() / 4)
            return False
        self._held = True
        self._ask_again_at = time.monotonic() + self._ttl.total_seconds() / 2
        return True

    async def release(self) -> None:
        """Give the lease up (on clean shutdown) so another instance takes over at once; no write if never held."""
        held, self._held, self._ask_again_at = self._held, False, 0.0
        if not held:
            return
        await self._collection.update_one(
            {"_id": self._name, "owner": self.owner}, {"$set": {"until": datetime.fromtimestamp(0, UTC)}}
        )


class OutboxRelay:
    """Publishes the pending events of one collection, oldest first, then removes them."""

    def __init__(
        self,
        *,
        collection: AsyncCollection[Document],
        leases: AsyncCollection[Document],
        producer: AIOKafkaProducer,
        metrics: ServiceMetrics,
        batch_size: int = 200,
        idle_interval_s: float = 0.2,
        idle_max_interval_s: float = 2.0,
        retention: timedelta = timedelta(days=7),
        cluster: Callable[[], Awaitable[str | None]] | None = None,
        watch_interval_s: float = 2.0,
    ) -> None:
        self._collection = journaled(collection)
        self._sent = journaled(sent_collection(collection)) if retention > timedelta(0) else None
        self._leases = journaled(leases)
        self._cluster = cluster
        self._watch_interval = watch_interval_s
        self._watched_at = 0.0
        self._known_cluster: str | None = None  # the id the kept events were last published to
        self._known_loaded = False
        self._new_cluster = ""
        self._sent_n = 0
        self._producer = producer
        self._metrics = metrics
        self._batch = batch_size
        self._idle = idle_interval_s
        self._idle_max = max(idle_max_interval_s, idle_interval_s)
        self._idle_now = idle_interval_s
        self._lease = Lease(leases, name=f"outbox:{collection.name}", ttl_s=10.0)
        self._wake = asyncio.Event()
        self._backoff = Backoff(base_s=0.2, max_s=5.0)
        self._gauges_at = 0.0
        self._reachable_at = 0.0

    def notify(self) -> None:
        """Wake the relay now (an event was just stored)."""
        self._idle_now = self._idle
        self._wake.set()

    async def run(self) -> None:
        """Relay forever (cancel to stop); errors back off and never lose an event."""
        failures = 0
        try:
            while True:
                try:
                    sent = await self.relay_once()
                    failures = 0
                except Exception as exc:
                    failures += 1
                    log.warning("outbox relay error", error=f"{type(exc).__name__}: {exc}"[:300], failures=failures)
                    await asyncio.sleep(self._backoff.delay(min(failures, 8)))
                    continue
                if sent == 0:
                    await self._idle_wait()
                else:
                    self._idle_now = self._idle
        finally:
            await asyncio.shield(self._release_quietly())

    async def relay_once(self) -> int:
        """Publish one batch of pending events; return how many were published.

        The lease is taken (a write) only when something is pending: an idle relay only reads
        (and asks the broker's cluster id every `watch_interval_s`, which touches no database).
        """
        if await self._broker_lost_its_log():
            return await self._republish()
        docs = (
            await self._collection.find({"outbox_pending": True}, {"outbox": 1, "outbox_since": 1})
            .sort("outbox_since", ASCENDING)
            .limit(self._batch)
            .to_list()
        )
        await self._refresh_gauges()
        if not docs or not await self._lease.acquire():
            return 0
        await self._ensure_reachable()
        if await self._broker_lost_its_log(now=True):
            return await self._republish()  # what was kept goes first; the pending batch follows
        entries = [entry for doc in docs for entry in doc.get("outbox", [])]
        futures = [await self._send(entry) for entry in entries]
        await asyncio.gather(*futures)
        self._reachable_at = time.monotonic()
        await self._keep(entries)
        await self._mark_sent(docs)
        self._metrics.outbox_published.labels(self._metrics.service).inc(len(futures))
        return len(futures)

    async def _broker_lost_its_log(self, *, now: bool = False) -> bool:
        """True when the broker answers with a cluster id other than the one the kept events went to."""
        if self._cluster is None or self._sent is None:
            return False
        if not now and time.monotonic() - self._watched_at < self._watch_interval:
            return False
        self._watched_at = time.monotonic()
        try:
            current = await self._cluster()
        except Exception:  # the broker is down: the send path backs off and asks again
            return False
        if current is None:
            return False
        if not self._known_loaded:
            doc = await self._leases.find_one({"_id": self._cluster_doc_id})
            self._known_cluster = doc.get("cluster_id") if doc else None
            self._known_loaded = True
        if self._known_cluster == current:
            return False
        if self._known_cluster is None:  # the first broker this collection has seen: nothing to re-send
            await self._remember_cluster(current)
            return False
        self._new_cluster = current
        return True

    @property
    def _cluster_doc_id(self) -> str:
        return f"broker:{self._collection.name}"

    async def _remember_cluster(self, cluster: str) -> None:
        await self._leases.update_one({"_id": self._cluster_doc_id}, {"$set": {"cluster_id": cluster}}, upsert=True)
        self._known_cluster = cluster

    async def _republish(self) -> int:
        """Publish every kept event again, oldest first (lease holder only), then remember the new cluster."""
        if self._sent is None or not await self._lease.acquire():
            return 0
        cluster = self._new_cluster
        log.warning(
            "the broker lost its log (new cluster id): publishing kept events again",
            collection=self._collection.name,
            was=self._known_cluster,
            now=cluster,
        )
        self._metrics.broker_log_lost.labels(self._metrics.service, self._collection.name).inc()
        total = 0
        cursor = self._sent.find({}, {"entry": 1}).sort(SENT_ORDER)
        batch: list[Document] = []
        async for doc in cursor:
            batch.append(doc["entry"])
            if len(batch) >= self._batch:
                total += await self._send_all(batch)
                batch = []
        if batch:
            total += await self._send_all(batch)
        await self._remember_cluster(cluster)
        self._metrics.outbox_republished.labels(self._metrics.service).inc(total)
        log.info("kept events published again", collection=self._collection.name, events=total)
        return total

    async def _send_all(self, entries: list[Document]) -> int:
        await self._ensure_reachable()
        await asyncio.gather(*[await self._send(e) for e in entries])
        self._reachable_at = time.monotonic()
        return len(entries)

    async def _keep(self, entries: list[Document]) -> None:
        """Keep published events for the retention (one insert; a re-sent event is already kept)."""
        if self._sent is None or not entries:
            return
        now = datetime.now(UTC)
        docs = []
        for entry in entries:
            self._sent_n += 1
            docs.append({"_id": entry["id"], "entry": entry, "sent_at": now, "n": self._sent_n})
        try:
            await self._sent.insert_many(docs, ordered=False)
        except BulkWriteError as exc:  # duplicates only: a crash between publish and pull re-sent them
            if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
                raise

    async def _ensure_reachable(self) -> None:
        """Probe with a metadata request before sending after a quiet spell or a failure.

        A produce request written to a hung broker (paused, partitioned) is re-sent after the
        timeout, and the first copy lands too once the broker wakes: without an idempotent
        producer (the embedded broker) that is a duplicate on the topic. A metadata probe is
        harmless to repeat, so events are only sent once the broker has answered recently.
        """
        if time.monotonic() - self._reachable_at < PROBE_AFTER_S:
            return
        await self._producer.client.fetch_all_metadata()
        self._reachable_at = time.monotonic()

    async def _send(self, entry: Document) -> Any:
        headers = [(k, v.encode()) for k, v in entry["headers"]]
        return await self._producer.send(
            entry["topic"], value=entry["value"].encode(), key=entry["key"].encode(), headers=headers
        )

    async def _mark_sent(self, docs: list[Document]) -> None:
        ops: list[Any] = [
            UpdateOne({"_id": d["_id"]}, {"$pull": {"outbox": {"id": {"$in": [e["id"] for e in d.get("outbox", [])]}}}})
            for d in docs
        ]
        ids = [d["_id"] for d in docs]
        ops.append(
            UpdateMany(
                {"_id": {"$in": ids}, "outbox": {"$size": 0}},
                {"$set": {"outbox_pending": False}, "$unset": {"outbox_since": ""}},
            )
        )
        await self._collection.bulk_write(ops, ordered=True)

    async def _refresh_gauges(self) -> None:
        if time.monotonic() - self._gauges_at < 1.0:
            return  # at most once a second: the database is the pipeline's ceiling
        self._gauges_at = time.monotonic()
        pending = await self._collection.count_documents({"outbox_pending": True})
        self._metrics.outbox_pending.labels(self._metrics.service).set(pending)
        oldest = await self._collection.find_one(
            {"outbox_pending": True}, {"outbox_since": 1}, sort=[("outbox_since", ASCENDING)]
        )
        age = (datetime.now(UTC) - oldest["outbox_since"]).total_seconds() if oldest else 0.0
        self._metrics.outbox_oldest_age.labels(self._metrics.service).set(max(age, 0.0))

    async def _idle_wait(self) -> None:
        """Wait for a notification, or poll: events stored by another instance of the service only show up to
        the lease holder by polling. The poll interval doubles while nothing turns up (up to the maximum, well
        inside the lease's renewal at half its TTL) and drops back at the next notification or sent batch, so
        an idle service costs the database a query every couple of seconds, not five a second."""
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=self._idle_now)
        except TimeoutError:
            self._idle_now = min(self._idle_now * 2, self._idle_max)

    async def _release_quietly(self) -> None:
        try:
            await self._lease.release()
        except Exception:  # best effort: the lease expires by itself
            log.debug("lease release failed")
