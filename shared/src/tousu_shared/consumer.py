"""The safe consume path: decode, dedupe on `ce_id`, retry with backoff, dead-letter, then commit."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import ConsumerRebalanceListener
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from tousu_shared.codec import MalformedRecord, decode
from tousu_shared.deadletter import DeadLetterPublisher, FailedRecord
from tousu_shared.events.base import EventData
from tousu_shared.events.envelope import Envelope
from tousu_shared.handlers import BatchHandler, Handler
from tousu_shared.ledger import ProcessedLedger
from tousu_shared.logging import get_logger
from tousu_shared.metrics import ServiceMetrics
from tousu_shared.retry import Backoff, RetriesExhausted, retry
from tousu_shared.settings import KafkaSettings

DUPLICATE = "duplicate"  # a handler returns this when its own idempotent write found the event applied
log = get_logger("tousu.consumer")


@dataclass(frozen=True)
class RetryPolicy:
    """How often a failing event is retried before it is dead-lettered."""

    attempts: int = 5
    backoff: Backoff = field(default_factory=Backoff)


class EventConsumer:
    """Processes Kafka records for one service, a batch at a time; never raises for a bad record."""

    def __init__(
        self,
        *,
        service: str,
        handlers: Mapping[str, Handler],
        ledger: ProcessedLedger | None,
        deadletters: DeadLetterPublisher,
        metrics: ServiceMetrics,
        policy: RetryPolicy = RetryPolicy(),
        customers_side_by_side: bool = False,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        if batch_handler is not None and ledger is not None:
            raise ValueError("a batch handler is for effects keyed by event id (no ledger)")
        self._service = service
        self._side_by_side = customers_side_by_side
        self._batch_handler = batch_handler
        self._handlers = dict(handlers)
        self._ledger = ledger
        self._dlq = deadletters
        self._metrics = metrics
        self._policy = policy

    async def process_batch(self, records: list[FailedRecord]) -> list[str]:
        """Handle a batch with exactly the effects of handling its records one by one, in order.

        With `customers_side_by_side` (a service whose effects are per customer, with no reads across
        customers), each customer's records still run in batch order, and different customers run
        side by side: one key always maps to one partition, so per-customer order holds, and the
        same customer's events from several topics never race for the same documents. A service
        that reads across customers (templates, waves, incidents) keeps the whole batch in order,
        so its results never depend on how records were grouped into batches; with a batch handler,
        each run of consecutive records it takes is one call, the others one by one between the runs.
        """
        outcomes: list[str] = [""] * len(records)

        async def in_order(indexes: list[int]) -> None:
            for index in indexes:
                outcomes[index] = await self.process(records[index])

        if self._side_by_side:
            batched, single = self._split(records)
            lanes: dict[object, list[int]] = {}
            for index in single:
                record = records[index]
                lanes.setdefault(record.key or (record.topic, record.partition), []).append(index)
            await asyncio.gather(self._in_one_call(records, batched, outcomes), *map(in_order, lanes.values()))
        else:
            await self._in_runs(records, outcomes)
        self._metrics.consumer_batch_size.labels(self._service).observe(len(records))
        return outcomes

    async def _in_runs(self, records: list[FailedRecord], outcomes: list[str]) -> None:
        """The whole batch in order: each run of consecutive batched records in one call, the rest one by one."""
        batched = dict(self._split(records)[0])
        run: list[tuple[int, Envelope[EventData]]] = []
        for index, record in enumerate(records):
            if index in batched:
                run.append((index, batched[index]))
                continue
            await self._in_one_call(records, run, outcomes)
            run = []
            outcomes[index] = await self.process(record)
        await self._in_one_call(records, run, outcomes)

    def _split(self, records: list[FailedRecord]) -> tuple[list[tuple[int, Envelope[EventData]]], list[int]]:
        """Records the batch handler takes (decoded), and the rest (by index) for the one-by-one path."""
        if self._batch_handler is None:
            return [], list(range(len(records)))
        batched: list[tuple[int, Envelope[EventData]]] = []
        single: list[int] = []
        for index, record in enumerate(records):
            try:
                envelope = decode(record.headers, record.value)
            except MalformedRecord:
                single.append(index)  # dead-lettered there
                continue
            if self._batch_handler.accepts(envelope):
                batched.append((index, envelope))
            else:
                single.append(index)
        return batched, single

    async def _in_one_call(
        self, records: list[FailedRecord], batched: list[tuple[int, Envelope[EventData]]], outcomes: list[str]
    ) -> None:
        """All batched events in one handler call; if it fails, the same events one by one (retries, dead letters)."""
        if not batched or self._batch_handler is None:
            return
        handle = self._batch_handler.handle
        envelopes = [envelope for _, envelope in batched]
        started = time.perf_counter()
        try:
            results = await retry(
                lambda: handle(envelopes),
                attempts=self._policy.attempts,
                backoff=self._policy.backoff,
                on_retry=self._on_retry,
            )
        except Exception as exc:
            log.warning("batch call failed; handling its events one by one", error=f"{type(exc).__name__}: {exc}"[:300])
            for index, _ in batched:
                outcomes[index] = await self.process(records[index])
            return
        each = (time.perf_counter() - started) / len(batched)
        for (index, envelope), result in zip(batched, results, strict=True):
            self._metrics.event_seconds.labels(self._service, envelope.type).observe(each)
            outcomes[index] = self._count(envelope.type, DUPLICATE if result == DUPLICATE else "processed")

    async def process(self, record: FailedRecord) -> str:
        """Handle a record; return the outcome (processed, duplicate, ignored, deadlettered)."""
        try:
            envelope = decode(record.headers, record.value)
        except MalformedRecord as exc:
            return await self._dead_letter(record, error=f"malformed: {exc.reason}", attempts=1, event_type="unknown")
        handler = self._handlers.get(envelope.type)
        if handler is None:
            return self._count(envelope.type, "ignored")
        if self._ledger is not None and await self._infra(lambda: self._ledger_seen(envelope.id)):
            return self._count(envelope.type, "duplicate")
        started = time.perf_counter()
        try:
            result = await retry(
                lambda: handler(envelope),
                attempts=self._policy.attempts,
                backoff=self._policy.backoff,
                on_retry=self._on_retry,
            )
        except RetriesExhausted as exc:
            return await self._dead_letter(record, error=str(exc), attempts=exc.attempts, event_type=envelope.type)
        except Exception as exc:  # permanent: the event is wrong for this service
            error = f"rejected: {type(exc).__name__}: {exc}"
            return await self._dead_letter(record, error=error, attempts=1, event_type=envelope.type)
        if self._ledger is not None:
            await self._infra(lambda: self._ledger_mark(envelope))
        self._metrics.event_seconds.labels(self._service, envelope.type).observe(time.perf_counter() - started)
        return self._count(envelope.type, DUPLICATE if result == DUPLICATE else "processed")

    async def _ledger_seen(self, event_id: str) -> bool:
        assert self._ledger is not None
        return await self._ledger.seen(event_id)

    async def _ledger_mark(self, envelope: Envelope[EventData]) -> bool:
        assert self._ledger is not None
        return await self._ledger.mark(envelope.id, event_type=envelope.type)

    async def _infra(self, operation: Callable[[], Awaitable[Any]]) -> Any:
        """Plumbing calls (ledger, dead-letter): only infrastructure errors are expected; wait them out."""
        return await retry(operation, attempts=1_000_000, backoff=self._policy.backoff, on_retry=self._on_retry)

    async def _dead_letter(self, record: FailedRecord, *, error: str, attempts: int, event_type: str) -> str:
        await self._infra(lambda: self._dlq.publish(record, error=error, attempts=attempts))
        self._metrics.deadletters.labels(self._service).inc()
        log.warning(
            "event dead-lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            event_type=event_type,
            error=error[:300],
            attempts=attempts,
        )
        return self._count(event_type, "deadlettered")

    def _on_retry(self, kind: str, attempt: int, exc: BaseException) -> None:
        self._metrics.retries.labels(self._service, kind).inc()
        if attempt == 1 or attempt % 10 == 0:
            log.warning("retrying after error", kind=kind, attempt=attempt, error=f"{type(exc).__name__}: {exc}"[:300])

    def _count(self, event_type: str, outcome: str) -> str:
        self._metrics.events_processed.labels(self._service, event_type, outcome).inc()
        return outcome


def failed_record(raw: Any) -> FailedRecord:
    """A raw Kafka record as the consumer keeps it (for processing and, if need be, dead-lettering)."""
    return FailedRecord(
        topic=raw.topic,
        partition=raw.partition,
        offset=raw.offset,
        key=raw.key,
        value=raw.value,
        headers=list(raw.headers or []),
    )


def _readable(record: Any) -> Any:
    headers = [(k, v.decode("utf-8", "replace").encode()) for k, v in record.headers or []]
    return dataclasses.replace(record, headers=headers)


async def _lenient_parser(batch: tuple[Any, ...], original: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream's parser decodes every header as UTF-8 and raises on anything else, before tousu sees the
    records, so such a batch would be dropped. Parse a copy with the bad bytes replaced instead, and keep the
    untouched records as `raw_message`: the codec then rejects the bad one and it is dead-lettered unchanged."""
    try:
        return await original(batch)
    except UnicodeDecodeError:
        message = await original(tuple(_readable(record) for record in batch))
        message.raw_message = batch
        return message


async def _raw_decoder(message: KafkaMessage) -> Any:
    """Hand the bytes through untouched: decoding (and its failures) belong to EventConsumer."""
    return message.body


class RewindAfterLostLog(ConsumerRebalanceListener):  # type: ignore[misc]
    """Reads assigned partitions from the start for a while after the broker lost its log.

    Positions held in memory point into the old log; a broker that came back empty (a new cluster
    id) holds only what was published since, and the relays' re-published kept events. Reading from
    the earliest record is always safe: handled events are skipped by `ce_id`.
    """

    def __init__(self) -> None:
        self.consumer: Any = None
        self.until = 0.0  # monotonic: rewind on every assignment until then

    def rewind(self, *, window_s: float) -> int:
        """Go back to the earliest record of every assigned partition now, and on assignments for `window_s`."""
        self.until = time.monotonic() + window_s
        assigned = list(self.consumer.assignment()) if self.consumer is not None else []
        _from_the_start(self.consumer, assigned)
        return len(assigned)

    async def on_partitions_revoked(self, revoked: Any) -> None:
        """Nothing to do: offsets are committed after each batch."""

    async def on_partitions_assigned(self, assigned: Any) -> None:
        """Inside the window after a lost log, start every assigned partition from its earliest record."""
        if assigned and self.consumer is not None and time.monotonic() < self.until:
            _from_the_start(self.consumer, list(assigned))


def _from_the_start(consumer: Any, partitions: list[Any]) -> None:
    """Offset 0 of each partition: the first record of a new log (on a log that kept less, the
    out-of-range reset policy, earliest, takes over). `seek` is synchronous; `seek_to_beginning` would
    wait for a metadata round trip inside a rebalance callback."""
    for tp in partitions:
        consumer.seek(tp, 0)


def subscribe(
    broker: KafkaBroker,
    *,
    topics: list[str],
    group_id: str,
    consumer: EventConsumer,
    settings: KafkaSettings,
    listener: ConsumerRebalanceListener | None = None,
) -> Any:
    """Register a batch subscriber that commits once the whole batch's effects are stored (MANUAL ack).

    Nothing of a batch is committed before every record in it was processed or dead-lettered, so a
    crash mid-batch redelivers the batch, and the idempotent handlers make that harmless.
    """

    async def on_batch(message: KafkaMessage) -> None:
        records = [failed_record(raw) for raw in message.raw_message]
        if records:
            await consumer.process_batch(records)
        await message.ack()

    subscriber = broker.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        ack_policy=AckPolicy.MANUAL,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.session_timeout_ms,
        heartbeat_interval_ms=settings.heartbeat_interval_ms,
        max_poll_interval_ms=600_000,
        parser=_lenient_parser,
        decoder=_raw_decoder,
        listener=listener,
        title=f"{group_id}:{','.join(topics)}",
    )
    subscriber(on_batch)
    return subscriber
