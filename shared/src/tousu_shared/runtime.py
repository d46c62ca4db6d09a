"""The composition root every service shares: clients, broker, relays, tasks, the ops endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from tousu_shared.calendar import use_holidays
from tousu_shared.consumer import EventConsumer, RetryPolicy, RewindAfterLostLog, subscribe
from tousu_shared.deadletter import DeadLetterPublisher
from tousu_shared.handlers import BatchHandler, Handler
from tousu_shared.holidays import load_holidays
from tousu_shared.http import ops_router
from tousu_shared.kafka import cluster_id, create_broker, create_producer, ensure_topics, group_id
from tousu_shared.ledger import ProcessedLedger
from tousu_shared.logging import configure_logging, get_logger
from tousu_shared.metrics import ServiceMetrics
from tousu_shared.mongo import Document, create_client, ping
from tousu_shared.outbox import OutboxRelay, ensure_outbox_indexes
from tousu_shared.retry import Backoff, retry
from tousu_shared.settings import CalendarSettings, Settings

log = get_logger("tousu.runtime")
Setup = Callable[["Runtime"], Awaitable[None]]
MONGO_CHECK_TIMEOUT_S = 1.5  # below the readiness probe's 2 s, so /readyz says "no answer" itself


class Runtime:
    """Everything one service process holds; built in the app's lifespan, never at import time."""

    def __init__(self, settings: Settings, *, metrics: ServiceMetrics | None = None) -> None:
        self.settings = settings
        self.name = settings.service.name
        self.metrics = metrics or ServiceMetrics(service=self.name)
        self.client: AsyncMongoClient[Document] = create_client(settings.mongo)
        self.db: AsyncDatabase[Document] = self.client[settings.mongo.database]
        self.producer: AIOKafkaProducer = create_producer(settings.kafka, client_id=f"tousu-{self.name}")
        self.broker: KafkaBroker = create_broker(settings.kafka, service=self.name, registry=self.metrics.registry)
        self.deadletters = DeadLetterPublisher(
            producer=self.producer, topic=settings.kafka.topics.deadletter, service=self.name
        )
        self.kafka_ready = asyncio.Event()
        self._relays: list[OutboxRelay] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._task_factories: list[Callable[[], Coroutine[Any, Any, Any]]] = []
        self._subscribers: list[Any] = []
        self._rewinders: list[RewindAfterLostLog] = []
        self._topics_for: str | None = None  # the cluster id topics were last ensured on
        self.fatal: str | None = None

    @property
    def topics(self) -> Any:
        """Topic names from settings."""
        return self.settings.kafka.topics

    def collection_name(self, suffix: str) -> str:
        """Collections are owned by one service and prefixed with its name (contract §4)."""
        return f"{self.name}_{suffix}"

    def consume(
        self,
        *,
        topics: list[str],
        handlers: Mapping[str, Handler],
        ledger: bool = True,
        customers_side_by_side: bool = False,
        batch_handler: BatchHandler | None = None,
    ) -> EventConsumer:
        """Subscribe this service's consumer group to topics with the safe, batched consume path.

        `customers_side_by_side`: the handlers' effects are per customer (no reads across customers),
        so a batch's customers may be processed concurrently (see `EventConsumer.process_batch`);
        `batch_handler` takes a batch's events of its types in one call (all of them side by side with
        the other lanes; otherwise each run of consecutive ones, the batch staying in order).
        """
        s = self.settings.service
        consumer = EventConsumer(
            service=self.name,
            handlers=handlers,
            ledger=ProcessedLedger(self.db[self.collection_name("processed_events")]) if ledger else None,
            deadletters=self.deadletters,
            metrics=self.metrics,
            policy=RetryPolicy(s.retry_attempts, Backoff(s.retry_base_delay_s, s.retry_max_delay_s)),
            customers_side_by_side=customers_side_by_side,
            batch_handler=batch_handler,
        )
        rewinder = RewindAfterLostLog()
        subscriber = subscribe(
            self.broker,
            topics=topics,
            group_id=group_id(self.name, self.settings.kafka.group_suffix),
            consumer=consumer,
            settings=self.settings.kafka,
            listener=rewinder,
        )
        self._subscribers.append(subscriber)  # the broker holds its subscribers only weakly
        self._rewinders.append(rewinder)
        return consumer

    async def outbox(self, collection: str) -> OutboxRelay:
        """Create (and later run) the relay of a collection that carries an outbox."""
        coll = self.db[collection]
        s = self.settings.service
        retention = timedelta(days=s.outbox_retention_days)
        await ensure_outbox_indexes(coll, retention=retention)
        relay = OutboxRelay(
            collection=coll,
            leases=self.db[self.collection_name("leases")],
            producer=self.producer,
            metrics=self.metrics,
            batch_size=self.settings.service.outbox_batch_size,
            idle_interval_s=self.settings.service.outbox_idle_interval_s,
            idle_max_interval_s=self.settings.service.outbox_idle_max_interval_s,
            retention=retention,
            cluster=self._cluster_id,
            watch_interval_s=s.broker_watch_interval_s,
        )
        self._relays.append(relay)
        return relay

    def background(self, factory: Callable[[], Coroutine[Any, Any, Any]]) -> None:
        """Run a long-lived task (a scanning loop) for the life of the process."""
        self._task_factories.append(factory)

    async def start(self, setup: Setup) -> None:
        """Wait for the database, run the service's setup, then connect Kafka in the background."""
        await retry(
            lambda: ping(self.db),
            attempts=1_000_000,
            backoff=Backoff(0.2, 2.0),
            on_retry=lambda kind, n, exc: log.warning("waiting for MongoDB", attempt=n),
        )
        await setup(self)
        self._tasks.append(asyncio.create_task(self._connect_kafka(), name="kafka-connect"))
        self._tasks += [asyncio.create_task(f()) for f in self._task_factories]

    async def _connect_kafka(self) -> None:
        try:
            await retry(
                self._start_kafka,
                attempts=1_000_000,
                backoff=Backoff(0.5, 5.0),
                on_retry=lambda kind, n, exc: log.warning("waiting for Kafka", attempt=n, error=str(exc)[:200]),
            )
            self._tasks += [asyncio.create_task(r.run(), name="outbox-relay") for r in self._relays]
            if self._subscribers:
                await retry(self.broker.start, attempts=1_000_000, backoff=Backoff(0.5, 5.0))
                for subscriber, rewinder in zip(self._subscribers, self._rewinders, strict=True):
                    rewinder.consumer = getattr(subscriber, "consumer", None)
                self._tasks.append(asyncio.create_task(self._lag_loop(), name="consumer-lag"))
                self._tasks.append(asyncio.create_task(self._broker_watch(), name="broker-watch"))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.fatal = f"{type(exc).__name__}: {exc}"
            log.critical("cannot start consuming", error=self.fatal[:500])
            raise
        self.kafka_ready.set()
        log.info("kafka connected", bootstrap=self.settings.kafka.bootstrap_servers)

    async def _cluster_id(self) -> str | None:
        """The broker's cluster id; topics are (re)created the first time each id is seen."""
        current = await cluster_id(self.producer)
        if current is not None and current != self._topics_for and self.settings.kafka.create_topics:
            await ensure_topics(self.settings.kafka)  # a broker that lost its log lost its topics too
            self._topics_for = current
        return current

    async def _broker_watch(self) -> None:
        """Consumers read from the earliest record again when the broker comes back with a new cluster id."""
        seen: str | None = None
        interval = self.settings.service.broker_watch_interval_s
        window = max(60.0, 3 * self.settings.kafka.session_timeout_ms / 1000)
        while True:
            await asyncio.sleep(interval)
            try:
                current = await self._cluster_id()
            except Exception:  # down or restarting: ask again later
                continue
            if current is None or current == seen:
                continue
            if seen is not None:
                rewound = sum(r.rewind(window_s=window) for r in self._rewinders)
                self.metrics.consumer_rewinds.labels(self.name).inc()
                log.warning(
                    "the broker lost its log (new cluster id): reading from the earliest records again",
                    was=seen,
                    now=current,
                    partitions=rewound,
                )
            seen = current

    async def _lag_loop(self) -> None:
        """Export records-behind per assigned partition (`tousu_consumer_lag`), e.g. for autoscaling."""
        exported: set[tuple[str, str]] = set()
        while True:
            await asyncio.sleep(self.settings.metrics.consumer_lag_interval_s)
            current: set[tuple[str, str]] = set()
            for subscriber in self._subscribers:
                current |= await self._export_lag(getattr(subscriber, "consumer", None))
            for topic, partition in exported - current:  # revoked partitions stop reporting
                self.metrics.consumer_lag.remove(self.name, topic, partition)
            exported = current

    async def _export_lag(self, consumer: Any) -> set[tuple[str, str]]:
        seen: set[tuple[str, str]] = set()
        for tp in consumer.assignment() if consumer is not None else ():
            highwater = consumer.highwater(tp)
            try:
                position = await asyncio.wait_for(consumer.position(tp), timeout=1.0)
            except Exception:  # no position yet (rebalancing): skip this round
                continue
            if highwater is not None:
                lag = max(highwater - position, 0)
                self.metrics.consumer_lag.labels(self.name, tp.topic, str(tp.partition)).set(lag)
                seen.add((tp.topic, str(tp.partition)))
        return seen

    async def _start_kafka(self) -> None:
        if self.settings.kafka.create_topics:
            await ensure_topics(self.settings.kafka)
        try:
            await self.producer.start()
        except Exception:
            await self.producer.stop()
            self.producer = create_producer(self.settings.kafka, client_id=f"tousu-{self.name}")
            self.deadletters = DeadLetterPublisher(
                producer=self.producer, topic=self.settings.kafka.topics.deadletter, service=self.name
            )
            raise

    async def stop(self, *, step_timeout_s: float = 5.0) -> None:
        """Stop consuming first, then background work, then the clients.

        Each step is bounded: when the broker or database is already gone (a crashed parent
        took them down), shutdown must still finish instead of leaving a hanging process.
        """
        if self._subscribers and self.kafka_ready.is_set():
            await _bounded(self.broker.stop(), step_timeout_s, "broker")
        for task in self._tasks:
            task.cancel()
        await _bounded(asyncio.gather(*self._tasks, return_exceptions=True), step_timeout_s, "tasks")
        await _bounded(self.producer.stop(), step_timeout_s, "producer")
        await _bounded(self.client.close(), step_timeout_s, "mongodb")

    async def kafka_check(self) -> None:
        """Readiness: the producer is connected and the cluster answers a metadata request."""
        if self.fatal:
            raise RuntimeError(self.fatal)
        if not self.kafka_ready.is_set():
            raise ConnectionError("not connected to Kafka yet (reconnecting)")
        try:
            ok = await self.producer.client.fetch_all_metadata()
        except KafkaError as exc:  # the broker is gone or restarting; the clients reconnect by themselves
            raise ConnectionError("Kafka does not answer a metadata request (reconnecting)") from exc
        if ok is None:
            raise ConnectionError("no metadata from Kafka (reconnecting)")

    async def mongo_check(self) -> None:
        """Readiness: the database answers a ping (bounded below the probe's own timeout, to say why)."""
        try:
            await asyncio.wait_for(ping(self.db), timeout=MONGO_CHECK_TIMEOUT_S)
        except TimeoutError as exc:
            raise ConnectionError(
                f"MongoDB does not answer a ping within {MONGO_CHECK_TIMEOUT_S:g} s (reconnecting)"
            ) from exc
        except PyMongoError as exc:
            raise ConnectionError(f"MongoDB does not answer a ping (reconnecting): {type(exc).__name__}") from exc


async def _bounded(awaitable: Awaitable[Any], timeout_s: float, what: str) -> None:
    try:
        await asyncio.wait_for(awaitable, timeout=timeout_s)
    except Exception as exc:  # shutting down (timeouts included): report and go on
        log.warning("shutdown step did not finish cleanly", step=what, error=f"{type(exc).__name__}: {exc}"[:200])


def install_holidays(calendar: CalendarSettings) -> None:
    """Load and install the holiday override (TOUSU_CALENDAR_FILE); a bad file stops the service here."""
    overrides = load_holidays(calendar.file)
    use_holidays(overrides)
    if calendar.file is not None:
        log.info("holiday override loaded", file=str(calendar.file), years=sorted(overrides.years))


def build_app(
    settings: Settings,
    *,
    title: str,
    setup: Setup,
    description: str = "",
    metrics: ServiceMetrics | None = None,
) -> FastAPI:
    """A service's FastAPI app; `setup` wires its indexes, consumers, relays and loops."""
    s = settings.service
    configure_logging(service=s.name, level=s.log_level, json=s.log_json, file=s.log_file)
    install_holidays(settings.calendar)
    service_metrics = metrics or ServiceMetrics(service=s.name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = Runtime(settings, metrics=service_metrics)
        app.state.runtime = runtime
        await runtime.start(setup)
        log.info("service started", port=s.effective_port)
        try:
            yield
        finally:
            await runtime.stop()
            log.info("service stopped")

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.metrics = service_metrics
    app.include_router(
        ops_router(
            service=s.name,
            registry=service_metrics.registry,
            checks={
                "mongodb": lambda: app.state.runtime.mongo_check(),
                "kafka": lambda: app.state.runtime.kafka_check(),
            },
        )
    )
    return app
